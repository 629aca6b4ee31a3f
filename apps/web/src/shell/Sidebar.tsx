"use client";

import { Plus } from "lucide-react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { buttonClass } from "@/components/ui/button-styles";
import { usePhotoPicker } from "@/features/uploads";
import { NAV_ITEMS } from "./nav-items";

export function Sidebar() {
  const picker = usePhotoPicker();
  const pathname = usePathname();

  return (
    <aside className="hidden w-60 shrink-0 flex-col gap-6 border-line border-r bg-surface p-4 md:flex">
      <button
        type="button"
        onClick={picker.open}
        className={buttonClass("primary", "h-11 w-fit pr-5 shadow-accent/20 shadow-lg")}
      >
        <Plus aria-hidden="true" className="size-5" />
        New
      </button>

      <nav aria-label="Library">
        <ul className="flex flex-col gap-1">
          {NAV_ITEMS.map(({ href, label, icon: Icon }) => {
            const current = pathname === href;
            return (
              <li key={href}>
                <Link
                  href={href}
                  aria-current={current ? "page" : undefined}
                  className={`flex h-10 items-center gap-3 rounded-lg px-3 font-medium text-sm transition-colors ${
                    current ? "bg-accent-soft text-fg" : "text-muted hover:bg-raised hover:text-fg"
                  }`}
                >
                  <Icon aria-hidden="true" className={`size-[18px] ${current ? "text-accent" : ""}`} />
                  {label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
    </aside>
  );
}
