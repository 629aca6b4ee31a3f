import { describe, expect, it } from "vitest";
import { type FileHandle, filesFromHandles, isFileHandle } from "./file-handles";

/**
 * The "Resume N uploads" path with the browser's permission step faked: headless Chromium cannot
 * answer a File System Access permission prompt, so the logic around it is tested here.
 */
function handle(
  name: string,
  permission: PermissionState,
  onRequest?: () => PermissionState,
): FileHandle & {
  requests: number;
} {
  let state = permission;
  const h = {
    kind: "file" as const,
    name,
    requests: 0,
    getFile: async () => new File([name], name, { type: "image/jpeg" }),
    queryPermission: async () => state,
    requestPermission: async () => {
      h.requests++;
      state = onRequest?.() ?? state;
      return state;
    },
  };
  return h;
}

describe("file handles kept across a reload", () => {
  it("asks once, reads every handle the answer covers, and leaves the rest to be picked again", async () => {
    let granted = false;
    const first = handle("a.jpg", "prompt", () => {
      granted = true;
      return "granted";
    });
    // Chromium's "allow on every visit" covers the origin's other handles once the first is allowed.
    const second = { ...handle("b.jpg", "prompt"), queryPermission: async () => (granted ? "granted" : "prompt") };
    const refused = handle("c.jpg", "denied");
    const { files, missing } = await filesFromHandles(
      new Map<string, FileHandle>([
        ["fa", first],
        ["fb", second as FileHandle],
        ["fc", refused],
      ]),
    );
    expect([...files.keys()]).toEqual(["fa", "fb"]);
    expect(await files.get("fb")?.text()).toBe("b.jpg");
    expect(missing).toEqual(["fc"]);
    expect(first.requests).toBe(1);
    expect(refused.requests).toBe(0);
  });

  it("never prompts twice: a second handle still needing permission waits for a pick", async () => {
    const first = handle("a.jpg", "prompt", () => "granted");
    const second = handle("b.jpg", "prompt", () => "granted");
    const { files, missing } = await filesFromHandles(
      new Map<string, FileHandle>([
        ["fa", first],
        ["fb", second],
      ]),
    );
    expect([...files.keys()]).toEqual(["fa"]);
    expect(missing).toEqual(["fb"]);
    expect(second.requests).toBe(0);
  });

  it("treats a moved or deleted file as missing, and recognises handles read back from IndexedDB", async () => {
    const gone = { ...handle("gone.jpg", "granted"), getFile: () => Promise.reject(new Error("NotFoundError")) };
    const { files, missing } = await filesFromHandles(new Map([["fg", gone as FileHandle]]));
    expect(files.size).toBe(0);
    expect(missing).toEqual(["fg"]);
    expect(isFileHandle(gone)).toBe(true);
    expect(isFileHandle({ kind: "directory", name: "x", getFile: () => null })).toBe(false);
    expect(isFileHandle(null)).toBe(false);
  });
});
