import type { Metadata } from "next";
import { LibraryView } from "@/components/library/LibraryView";
import { PageTitle } from "@/components/library/PageTitle";

export const metadata: Metadata = { title: "Photos" };

export default function PhotosPage() {
  return (
    <>
      <PageTitle>Photos</PageTitle>
      <LibraryView />
    </>
  );
}
