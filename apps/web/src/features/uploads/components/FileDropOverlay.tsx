"use client";

import { CloudUpload } from "lucide-react";
import { useEffect, useState } from "react";
import { usePhotoPicker } from "../hooks/use-photo-picker";
import { dropHandles } from "../state/file-handles";

const carriesFiles = (event: DragEvent) => event.dataTransfer?.types.includes("Files") ?? false;

/**
 * Files dragged anywhere over the library: the whole window becomes the drop target, with an
 * overlay saying so. Enter/leave fire for every element the pointer crosses, so a depth counter
 * decides when the drag has really left the window. A drop anywhere never opens the file in the tab.
 */
export function FileDropOverlay() {
  const picker = usePhotoPicker();
  const [over, setOver] = useState(false);

  useEffect(() => {
    let depth = 0;
    const enter = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth++;
      setOver(true);
    };
    const overWindow = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault(); // the window accepts the drop
      if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    };
    const leave = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setOver(false);
    };
    const drop = (event: DragEvent) => {
      if (!carriesFiles(event)) return;
      event.preventDefault();
      depth = 0;
      setOver(false);
      // Handles must be asked for now: the drop's items are emptied once this handler returns.
      const handles = dropHandles(event.dataTransfer?.items);
      const files = Array.from(event.dataTransfer?.files ?? []);
      if (files.length > 0)
        picker.add(files, new Map(files.map((file, i) => [file, handles.then((h) => h[i] ?? null)])));
    };
    window.addEventListener("dragenter", enter);
    window.addEventListener("dragover", overWindow);
    window.addEventListener("dragleave", leave);
    window.addEventListener("drop", drop);
    return () => {
      window.removeEventListener("dragenter", enter);
      window.removeEventListener("dragover", overWindow);
      window.removeEventListener("dragleave", leave);
      window.removeEventListener("drop", drop);
    };
  }, [picker]);

  if (!over) return null;
  return (
    <div
      data-testid="drop-overlay"
      className="pointer-events-none fixed inset-0 z-50 grid place-items-center bg-page/80 p-6 backdrop-blur-sm"
    >
      <div className="flex flex-col items-center gap-4 rounded-2xl border-2 border-accent border-dashed bg-accent-soft px-16 py-14 text-center">
        <CloudUpload aria-hidden="true" className="size-12 text-accent" />
        <p className="font-semibold text-fg text-xl">Drop photos to upload</p>
        <p className="text-muted text-sm">JPEG, PNG, GIF, WebP, HEIC, AVIF or TIFF · up to 5 GB each</p>
      </div>
    </div>
  );
}
