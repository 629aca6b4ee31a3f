"use client";

import { createContext, type ReactNode, useContext, useMemo, useRef } from "react";
import { useUpload } from "@/hooks/useUpload";
import { PICKER_ACCEPT } from "@/lib/upload/accepted-files";

interface PhotoPicker {
  /** Opens the system file dialog (must run inside a click handler: browsers require a user gesture). */
  open(): void;
  /** Hands dropped files to the same flow as picked ones. */
  add(files: Iterable<File>): void;
}

const PhotoPickerContext = createContext<PhotoPicker | null>(null);

/**
 * One hidden <input type="file"> for the whole shell, so the header's Upload, the sidebar's New and
 * the empty library all open the same picker and feed the same flow (useUpload).
 */
export function PhotoPickerProvider({ children }: { children: ReactNode }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const { addFiles } = useUpload();
  const picker = useMemo<PhotoPicker>(
    () => ({ open: () => inputRef.current?.click(), add: (files) => void addFiles(files) }),
    [addFiles],
  );

  return (
    <PhotoPickerContext value={picker}>
      {children}
      <input
        ref={inputRef}
        type="file"
        multiple
        accept={PICKER_ACCEPT}
        hidden
        data-testid="photo-picker-input"
        onChange={(event) => {
          const files = Array.from(event.currentTarget.files ?? []);
          // Reset so choosing the same files again still fires a change.
          event.currentTarget.value = "";
          if (files.length > 0) picker.add(files);
        }}
      />
    </PhotoPickerContext>
  );
}

export function usePhotoPicker(): PhotoPicker {
  const picker = useContext(PhotoPickerContext);
  if (!picker) throw new Error("usePhotoPicker must be used inside <PhotoPickerProvider>");
  return picker;
}
