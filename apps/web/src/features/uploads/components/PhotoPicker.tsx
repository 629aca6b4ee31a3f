"use client";

import { type ReactNode, useMemo, useRef } from "react";
import { type PhotoPicker, PhotoPickerContext } from "../hooks/use-photo-picker";
import { useUpload } from "../hooks/use-upload";
import { PICKER_ACCEPT } from "../state/accepted-files";
import { pickPhotos, systemPicker } from "../state/system-picker";

/**
 * One picker for the whole shell, so the header's Upload, the sidebar's New and the empty library
 * all open the same dialog and feed the same flow (useUpload): the browser's file picker where it
 * gives persistent file handles (kept for "Resume N uploads" after a reload), else this hidden
 * <input type="file">, which is also the fallback when that picker fails.
 */
export function PhotoPickerProvider({ children }: { children: ReactNode }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const { addFiles } = useUpload();
  const picker = useMemo<PhotoPicker>(() => {
    const openInput = () => inputRef.current?.click();
    return {
      open: () => void pickPhotos(systemPicker(), openInput, addFiles),
      add: (files, handles) => addFiles(files, handles),
    };
  }, [addFiles]);

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
