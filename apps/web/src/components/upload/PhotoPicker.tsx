"use client";

import { createContext, type ReactNode, useContext, useEffect, useMemo, useRef } from "react";
import { PICKER_ACCEPT } from "@/lib/upload/accepted-files";
import { receivePhotos } from "./receive-photos";

interface PhotoPicker {
  /** Opens the system file dialog (must run inside a click handler: browsers require a user gesture). */
  open(): void;
  /** Hands dropped files to the same flow as picked ones. */
  add(files: Iterable<File>): void;
}

const PhotoPickerContext = createContext<PhotoPicker | null>(null);

/**
 * One hidden <input type="file"> for the whole shell, so the header's Upload, the sidebar's New and
 * the empty library all open the same picker and feed the same flow.
 */
export function PhotoPickerProvider({ children }: { children: ReactNode }) {
  const inputRef = useRef<HTMLInputElement>(null);
  const picker = useMemo<PhotoPicker>(() => ({ open: () => inputRef.current?.click(), add: receivePhotos }), []);

  // A file dropped outside a drop zone would make the browser open it and leave the app.
  useEffect(() => {
    const keepFiles = (event: DragEvent) => {
      if (event.dataTransfer?.types.includes("Files")) event.preventDefault();
    };
    window.addEventListener("dragover", keepFiles);
    window.addEventListener("drop", keepFiles);
    return () => {
      window.removeEventListener("dragover", keepFiles);
      window.removeEventListener("drop", keepFiles);
    };
  }, []);

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
