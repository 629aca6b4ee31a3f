"use client";

import { Upload } from "lucide-react";
import { buttonClass } from "@/components/ui/button-styles";
import { usePhotoPicker } from "../hooks/use-photo-picker";

/** The empty library's call to action: opens the shared photo picker. */
export function UploadPhotosButton() {
  const picker = usePhotoPicker();
  return (
    <button type="button" onClick={picker.open} className={buttonClass("primary", "h-11 px-5")}>
      <Upload aria-hidden="true" className="size-4" />
      Upload photos
    </button>
  );
}
