import type { Metadata } from "next";
import { EmptyLibrary } from "@/components/library/EmptyLibrary";
import { PageTitle } from "@/components/library/PageTitle";

export const metadata: Metadata = { title: "My Files" };

// The photo grid replaces the empty state once the library query lands (GET /queries/photos).
export default function MyFilesPage() {
  return (
    <>
      <PageTitle>My Files</PageTitle>
      <EmptyLibrary />
    </>
  );
}
