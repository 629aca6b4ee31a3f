import type { Metadata } from "next";
import { LibraryPage } from "@/features/library";

export const metadata: Metadata = { title: "Recent" };

export default function RecentPage() {
  return <LibraryPage view="recent" />;
}
