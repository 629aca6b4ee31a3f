"use client";

import { MAX_SEARCH_LENGTH } from "@rapidphoto/protocol";
import { Search } from "lucide-react";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, Suspense, useEffect, useState } from "react";

/** The header's search: file names, results in My Files' grid (`/?q=…`). */
export function SearchBox() {
  return (
    <Suspense fallback={<div className="min-w-0 max-w-xl flex-1" />}>
      <SearchForm />
    </Suspense>
  );
}

function SearchForm() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const current = pathname === "/" ? (params.get("q") ?? "") : "";
  const [text, setText] = useState(current);
  useEffect(() => setText(current), [current]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const q = text.trim();
    router.push(q ? `/?q=${encodeURIComponent(q)}` : "/");
  };

  return (
    <search className="min-w-0 max-w-xl flex-1">
      <form onSubmit={submit} className="relative">
        <label htmlFor="library-search" className="sr-only">
          Search photos
        </label>
        <Search
          aria-hidden="true"
          className="-translate-y-1/2 pointer-events-none absolute top-1/2 left-3 size-4 text-subtle"
        />
        <input
          id="library-search"
          type="search"
          value={text}
          maxLength={MAX_SEARCH_LENGTH}
          onChange={(e) => {
            setText(e.target.value);
            // Clearing the box (its × or select-all + delete) brings the whole library back.
            if (!e.target.value && current) router.push("/");
          }}
          placeholder="Search photos"
          className="h-11 w-full rounded-lg border border-line bg-raised pr-3 pl-9 text-fg text-sm placeholder:text-subtle"
        />
      </form>
    </search>
  );
}
