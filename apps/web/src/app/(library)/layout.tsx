import type { ReactNode } from "react";
import { AppShell } from "@/components/layout/AppShell";
import { RequireSession } from "@/components/session/RequireSession";
import { PhotoPickerProvider } from "@/components/upload/PhotoPicker";

/** Every library page: signed-in only, inside the shell, with the shared photo picker. */
export default function LibraryLayout({ children }: { children: ReactNode }) {
  return (
    <RequireSession>
      <PhotoPickerProvider>
        <AppShell>{children}</AppShell>
      </PhotoPickerProvider>
    </RequireSession>
  );
}
