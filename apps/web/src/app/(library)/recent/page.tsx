import { Clock } from "lucide-react";
import type { Metadata } from "next";
import { EmptyState } from "@/components/library/EmptyState";
import { PageTitle } from "@/components/library/PageTitle";

export const metadata: Metadata = { title: "Recent" };

export default function RecentPage() {
  return (
    <>
      <PageTitle>Recent</PageTitle>
      <EmptyState icon={Clock} title="Nothing uploaded recently">
        Photos you upload show up here, newest first.
      </EmptyState>
    </>
  );
}
