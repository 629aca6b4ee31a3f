import type { Metadata } from "next";
import { EmptyLibrary } from "@/components/library/EmptyLibrary";
import { PageTitle } from "@/components/library/PageTitle";

export const metadata: Metadata = { title: "Photos" };

export default function PhotosPage() {
  return (
    <>
      <PageTitle>Photos</PageTitle>
      <EmptyLibrary />
    </>
  );
}
