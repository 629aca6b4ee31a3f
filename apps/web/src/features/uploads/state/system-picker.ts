import { ACCEPTED_MIME_TYPES, MIME_BY_EXTENSION } from "@rapidphoto/protocol";
import { type FileHandle, isFileHandle } from "./file-handles";

/**
 * The Upload button's dialog. Where the browser has `showOpenFilePicker` (Chromium, secure
 * contexts), it is used instead of the <input type=file>: it gives each picked file a persistent
 * handle, kept with the upload as a dropped file's is, so after a reload "Resume N uploads" can read
 * the file again instead of asking for it to be picked again. Elsewhere, and when that picker fails
 * for any reason but the person cancelling it, the <input> opens as before.
 */

/** `showOpenFilePicker` as used here (typed locally: not every TS lib has it). */
export type ShowOpenFilePicker = (options: OpenFilePickerOptions) => Promise<unknown[]>;

export interface OpenFilePickerOptions {
  multiple: boolean;
  /** Chromium remembers the last folder per id. */
  id: string;
  types: { description: string; accept: Record<string, string[]> }[];
}

/** One entry per accepted type, with its extensions: HEIC/HEIF and TIFF are often typed blank by the OS. */
export function pickerTypes(): OpenFilePickerOptions["types"] {
  const accept: Record<string, string[]> = Object.fromEntries(ACCEPTED_MIME_TYPES.map((mime) => [mime, []]));
  for (const [ext, mime] of Object.entries(MIME_BY_EXTENSION)) accept[mime]?.push(`.${ext}`);
  return [{ description: "Photos", accept }];
}

export const PICKER_OPTIONS: OpenFilePickerOptions = { multiple: true, id: "rapidphoto-photos", types: pickerTypes() };

/** The browser's `showOpenFilePicker`, or null where there is none. */
export function systemPicker(scope: object = globalThis): ShowOpenFilePicker | null {
  const show = (scope as { showOpenFilePicker?: unknown }).showOpenFilePicker;
  return typeof show === "function" ? (show.bind(scope) as ShowOpenFilePicker) : null;
}

export type PickOutcome = "picked" | "cancelled" | "input";

/**
 * Opens the system picker and hands the picked files with their handles to `add`. Cancelling does
 * nothing; a missing API or any other failure (a page without the user activation it needs, a
 * policy blocking it, a handle that cannot be read) opens the <input> instead, so the button always
 * does something. Must be called inside the click: both dialogs need the user's gesture.
 */
export async function pickPhotos(
  show: ShowOpenFilePicker | null,
  openInput: () => void,
  add: (files: File[], handles: ReadonlyMap<File, Promise<FileHandle | null>>) => void,
): Promise<PickOutcome> {
  if (!show) {
    openInput();
    return "input";
  }
  let files: File[];
  let handles: Map<File, Promise<FileHandle | null>>;
  try {
    const picked = (await show(PICKER_OPTIONS)).filter(isFileHandle);
    files = await Promise.all(picked.map((handle) => handle.getFile()));
    handles = new Map(files.map((file, i) => [file, Promise.resolve(picked[i] ?? null)]));
  } catch (error) {
    // A DOMException; checked by name, since not every runtime makes DOMException an Error.
    if ((error as { name?: unknown } | null)?.name === "AbortError") return "cancelled";
    openInput();
    return "input";
  }
  if (files.length > 0) add(files, handles);
  return "picked";
}
