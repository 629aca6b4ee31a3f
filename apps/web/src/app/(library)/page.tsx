import type { Metadata } from "next";
import { LibraryView } from "@/components/library/LibraryView";
import { PageTitle } from "@/components/library/PageTitle";
import { UploadPhotosButton } from "@/features/uploads";

export const metadata: Metadata = { title: "My Files" };

export default function MyFilesPage() {
  return (
    <>
      <PageTitle>My Files</PageTitle>
      <LibraryView emptyAction={<UploadPhotosButton />} />
    </>
  );
}
