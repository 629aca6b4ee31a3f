import type { Metadata } from "next";
import { EmptyLibrary } from "@/components/library/EmptyLibrary";
import { LibraryPage } from "@/features/library";
import { UploadPhotosButton } from "@/features/uploads";

export const metadata: Metadata = { title: "My Files" };

export default function MyFilesPage() {
  return <LibraryPage view="library" empty={<EmptyLibrary action={<UploadPhotosButton />} />} />;
}
