"use client";

import { Upload } from "lucide-react";
import Link from "next/link";
import { buttonClass } from "@/components/ui/button-styles";
import { usePhotoPicker } from "@/features/uploads";
import { Logo } from "./Logo";
import { SearchBox } from "./SearchBox";
import { UserMenu } from "./UserMenu";

export function AppHeader() {
  const picker = usePhotoPicker();
  return (
    <header
      data-app-header
      className="flex h-16 shrink-0 items-center gap-2 border-line border-b bg-surface pr-2 sm:gap-4 md:pr-6"
    >
      {/* Same width as the sidebar, so the logo sits above it and the search lines up with the page. */}
      <div className="flex shrink-0 items-center pl-3 md:w-60 md:pl-5">
        <Link href="/" aria-label="RapidPhoto home" className="rounded-lg">
          <Logo compact />
        </Link>
      </div>

      <SearchBox />

      <div className="ml-auto flex items-center gap-1 sm:gap-3">
        <button type="button" onClick={picker.open} className={buttonClass("secondary", "h-11 px-3 sm:px-4")}>
          <Upload aria-hidden="true" className="size-4" />
          <span className="max-sm:sr-only">Upload</span>
        </button>
        <UserMenu />
      </div>
    </header>
  );
}
