import type { ReactNode } from "react";
import { RequireSession } from "@/components/session/RequireSession";
import { FileDropOverlay, PhotoPickerProvider, UploadProgressPanel, UploadProvider } from "@/features/uploads";
import { AppShell } from "@/shell/AppShell";

/**
 * Every library page: signed-in only, inside the shell, with the user's upload engine, the shared
 * photo picker, drop-anywhere and the upload panel. The layout stays mounted across library pages,
 * so uploads and the live connection carry on while the person moves around.
 */
export default function LibraryLayout({ children }: { children: ReactNode }) {
  return (
    <RequireSession>
      <UploadProvider>
        <PhotoPickerProvider>
          <AppShell>{children}</AppShell>
          <FileDropOverlay />
          <UploadProgressPanel />
        </PhotoPickerProvider>
      </UploadProvider>
    </RequireSession>
  );
}
