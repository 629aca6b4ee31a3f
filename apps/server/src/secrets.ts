import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/**
 * A secret that must survive restarts (signing keys): read from DATA_DIR, or generated once and
 * written with mode 0600 so other local users cannot forge tokens or storage URLs.
 */
export async function loadOrCreateSecret(dataDir: string, name: string): Promise<Buffer> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, `${name}.secret`);
  try {
    const hex = (await readFile(file, "utf8")).trim();
    if (/^[0-9a-f]{64,}$/.test(hex)) return Buffer.from(hex, "hex");
    throw new Error(`${file} is not a valid secret; delete it to generate a new one`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secret = randomBytes(32);
  try {
    // "wx": if another process created it first, use theirs.
    await writeFile(file, secret.toString("hex"), { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return loadOrCreateSecret(dataDir, name);
    throw error;
  }
}
