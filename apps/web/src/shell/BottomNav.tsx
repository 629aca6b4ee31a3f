"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { NAV_ITEMS } from "./nav-items";

/** Phones (< 768 px, where the sidebar is hidden): every library page one thumb away. */
export function BottomNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Library pages" className="shrink-0 border-line border-t bg-surface md:hidden">
      <ul className="flex pb-[env(safe-area-inset-bottom)]">
        {NAV_ITEMS.map(({ href, label, icon: Icon }) => {
          const current = pathname === href;
          return (
            <li key={href} className="flex-1">
              <Link
                href={href}
                aria-current={current ? "page" : undefined}
                className={`flex h-14 flex-col items-center justify-center gap-0.5 text-xs ${
                  current ? "text-accent" : "text-muted"
                }`}
              >
                <Icon aria-hidden="true" className="size-5" />
                {label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
