import { Trash2 } from "lucide-react";
import type { Metadata } from "next";
import { EmptyState } from "@/components/library/EmptyState";
import { PageTitle } from "@/components/library/PageTitle";

export const metadata: Metadata = { title: "Trash" };

export default function TrashPage() {
  return (
    <>
      <PageTitle>Trash</PageTitle>
      <EmptyState icon={Trash2} title="Trash is empty">
        Photos you delete will show up here.
      </EmptyState>
    </>
  );
}
