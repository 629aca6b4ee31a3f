"use client";

import { Search, Upload } from "lucide-react";
import Link from "next/link";
import { buttonClass } from "@/components/ui/button-styles";
import { usePhotoPicker } from "@/features/uploads";
import { Logo } from "./Logo";
import { UserMenu } from "./UserMenu";

export function AppHeader() {
  const picker = usePhotoPicker();
  return (
    <header className="flex h-16 shrink-0 items-center gap-4 border-line border-b bg-surface pr-4 md:pr-6">
      {/* Same width as the sidebar, so the logo sits above it and the search lines up with the page. */}
      <div className="flex shrink-0 items-center pl-4 md:w-60 md:pl-5">
        <Link href="/" aria-label="RapidPhoto home" className="rounded-lg">
          <Logo />
        </Link>
      </div>

      <search className="hidden max-w-xl flex-1 sm:block">
        <label htmlFor="library-search" className="sr-only">
          Search photos
        </label>
        <div className="relative">
          <Search
            aria-hidden="true"
            className="-translate-y-1/2 pointer-events-none absolute top-1/2 left-3 size-4 text-subtle"
          />
          {/* Search arrives with the photo library (a later phase); the box is here so the layout is final. */}
          <input
            id="library-search"
            type="search"
            disabled
            placeholder="Search photos"
            title="Search is coming soon"
            className="h-10 w-full cursor-not-allowed rounded-lg border border-line bg-raised pr-3 pl-9 text-fg text-sm placeholder:text-subtle"
          />
        </div>
      </search>

      <div className="ml-auto flex items-center gap-3">
        <button type="button" onClick={picker.open} className={buttonClass("secondary")}>
          <Upload aria-hidden="true" className="size-4" />
          Upload
        </button>
        <UserMenu />
      </div>
    </header>
  );
}
