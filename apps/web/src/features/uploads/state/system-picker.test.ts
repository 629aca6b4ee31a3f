import { describe, expect, it } from "vitest";
import type { FileHandle } from "./file-handles";
import { PICKER_OPTIONS, pickPhotos, type ShowOpenFilePicker, systemPicker } from "./system-picker";

/**
 * The Upload button's choice between the browser's file picker and the <input>, with the picker
 * faked: a real one needs a person to answer it. The picker path end to end (real handles from the
 * origin-private file system, a reload, "Resume N uploads") is in the browser tests.
 */

function fileHandle(name: string): FileHandle {
  return { kind: "file", name, getFile: async () => new File([name], name, { type: "image/jpeg" }) };
}

function recorder() {
  const calls = { input: 0, added: [] as { files: File[]; handles: (FileHandle | null)[] }[] };
  return {
    calls,
    openInput: () => {
      calls.input++;
    },
    add: (files: File[], handles: ReadonlyMap<File, Promise<FileHandle | null>>) => {
      const entry = { files, handles: [] as (FileHandle | null)[] };
      calls.added.push(entry);
      void Promise.all(files.map((f) => handles.get(f))).then((h) => entry.handles.push(...(h as FileHandle[])));
    },
  };
}

const failing =
  (error: unknown): ShowOpenFilePicker =>
  async () => {
    throw error;
  };

describe("the Upload button's picker", () => {
  it("hands every picked file to the upload with its own handle", async () => {
    const a = fileHandle("a.jpg");
    const b = fileHandle("b.heic");
    let options: unknown;
    const r = recorder();
    const outcome = await pickPhotos(
      async (o) => {
        options = o;
        return [a, b];
      },
      r.openInput,
      r.add,
    );
    expect(outcome).toBe("picked");
    expect(options).toBe(PICKER_OPTIONS);
    expect(r.calls.input).toBe(0);
    expect(r.calls.added).toHaveLength(1);
    expect(r.calls.added[0]?.files.map((f) => f.name)).toEqual(["a.jpg", "b.heic"]);
    await expect.poll(() => r.calls.added[0]?.handles).toEqual([a, b]);
  });

  it("asks for several photos, remembers its folder, and offers HEIC/HEIF with the other types", () => {
    expect(PICKER_OPTIONS.multiple).toBe(true);
    expect(PICKER_OPTIONS.id).toMatch(/^[\w-]{1,32}$/);
    const accept = PICKER_OPTIONS.types[0]?.accept ?? {};
    expect(accept["image/heic"]).toEqual([".heic"]);
    expect(accept["image/heif"]).toEqual([".heif"]);
    expect(accept["image/jpeg"]).toEqual([".jpg", ".jpeg"]);
    // Chromium refuses the whole call for an extension it finds invalid.
    for (const extensions of Object.values(accept)) for (const ext of extensions) expect(ext).toMatch(/^\.\w{1,15}$/);
  });

  it("does nothing when the person cancels the picker", async () => {
    const r = recorder();
    const cancelled = new DOMException("The user aborted a request.", "AbortError");
    expect(await pickPhotos(failing(cancelled), r.openInput, r.add)).toBe("cancelled");
    expect(r.calls.input).toBe(0);
    expect(r.calls.added).toEqual([]);
  });

  it("opens the <input> where the browser has no such picker", async () => {
    const r = recorder();
    expect(await pickPhotos(null, r.openInput, r.add)).toBe("input");
    expect(r.calls.input).toBe(1);
    expect(r.calls.added).toEqual([]);
    expect(systemPicker({})).toBeNull();
    expect(systemPicker({ showOpenFilePicker: "not a function" })).toBeNull();
  });

  it("opens the <input> when the picker fails for any other reason", async () => {
    for (const error of [
      new DOMException("Must be handling a user gesture to show a file picker.", "SecurityError"),
      new TypeError("Extension is invalid"),
      "not even an Error",
    ]) {
      const r = recorder();
      expect(await pickPhotos(failing(error), r.openInput, r.add)).toBe("input");
      expect(r.calls.input).toBe(1);
      expect(r.calls.added).toEqual([]);
    }
  });

  it("opens the <input> when a picked file cannot be read, sending none of that pick", async () => {
    const r = recorder();
    const unreadable: FileHandle = {
      kind: "file",
      name: "gone.jpg",
      getFile: async () => {
        throw new DOMException("A requested file could not be found.", "NotFoundError");
      },
    };
    expect(await pickPhotos(async () => [fileHandle("a.jpg"), unreadable], r.openInput, r.add)).toBe("input");
    expect(r.calls.input).toBe(1);
    expect(r.calls.added).toEqual([]);
  });

  it("calls the browser's picker on the window it came from", async () => {
    const scope = {
      picked: [fileHandle("a.jpg")],
      async showOpenFilePicker(this: { picked: FileHandle[] }) {
        return this.picked;
      },
    };
    const show = systemPicker(scope);
    expect(await show?.(PICKER_OPTIONS)).toEqual(scope.picked);
  });
});
