"use client";

import { createContext, useContext } from "react";
import type { FileHandle } from "../state/file-handles";

export interface PhotoPicker {
  /** Opens the system file dialog (must run inside a click handler: browsers require a user gesture). */
  open(): void;
  /** Hands dropped files to the same flow as picked ones, with their persistent handles where the browser gives them. */
  add(files: Iterable<File>, handles?: ReadonlyMap<File, Promise<FileHandle | null>>): void;
}

/** Provided by PhotoPickerProvider: the header's Upload, the sidebar's New and the empty library share it. */
export const PhotoPickerContext = createContext<PhotoPicker | null>(null);

export function usePhotoPicker(): PhotoPicker {
  const picker = useContext(PhotoPickerContext);
  if (!picker) throw new Error("usePhotoPicker must be used inside <PhotoPickerProvider>");
  return picker;
}
