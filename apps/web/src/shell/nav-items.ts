import { Clock, FolderOpen, type LucideIcon, Trash2 } from "lucide-react";

/** Every library page, in the sidebar on wide screens and the bottom bar on phones. */
export const NAV_ITEMS: ReadonlyArray<{ href: string; label: string; icon: LucideIcon }> = [
  { href: "/", label: "My Files", icon: FolderOpen },
  { href: "/recent", label: "Recent", icon: Clock },
  { href: "/trash", label: "Trash", icon: Trash2 },
];
