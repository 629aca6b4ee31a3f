"use client";

import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { ChevronDown, LogOut } from "lucide-react";
import { useMe } from "@/hooks/use-me";
import { signOut } from "@/lib/session/session-store";

/**
 * Avatar-and-email button opening the account menu (Radix handles focus, arrows and Escape).
 * Signing out only ends the session; the library's <RequireSession> then takes the person to /login.
 */
export function UserMenu() {
  const { data: me } = useMe();
  const email = me?.email ?? "";

  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger
        aria-label={`Account menu for ${email}`}
        className="flex h-10 items-center gap-2 rounded-lg px-1.5 text-fg text-sm hover:bg-raised data-[state=open]:bg-raised md:pr-2.5"
      >
        <span
          aria-hidden="true"
          className="grid size-8 place-items-center rounded-full bg-accent-soft font-semibold text-accent uppercase"
        >
          {email.charAt(0)}
        </span>
        <span className="hidden max-w-48 truncate md:inline" data-testid="user-menu-email">
          {email}
        </span>
        <ChevronDown aria-hidden="true" className="hidden size-4 text-muted md:block" />
      </DropdownMenu.Trigger>

      <DropdownMenu.Portal>
        <DropdownMenu.Content
          align="end"
          sideOffset={12}
          className="z-50 min-w-60 rounded-xl border border-line bg-raised p-1.5 shadow-black/50 shadow-xl"
        >
          <DropdownMenu.Label className="px-2.5 py-2">
            <span className="block text-subtle text-xs">Signed in as</span>
            <span className="block truncate font-medium text-fg text-sm">{email}</span>
          </DropdownMenu.Label>
          <DropdownMenu.Separator className="my-1 h-px bg-line" />
          <DropdownMenu.Item
            onSelect={signOut}
            className="flex cursor-pointer items-center gap-2 rounded-lg px-2.5 py-2 text-fg text-sm outline-none data-[highlighted]:bg-hover"
          >
            <LogOut aria-hidden="true" className="size-4 text-muted" />
            Sign out
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
