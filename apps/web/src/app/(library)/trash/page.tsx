import type { Metadata } from "next";
import { LibraryPage } from "@/features/library";

export const metadata: Metadata = { title: "Trash" };

export default function TrashPage() {
  return <LibraryPage view="trash" />;
}
