#!/usr/bin/env node
/**
 * Builds the web app's static export (apps/web/out) only when its inputs changed.
 *
 * A hash over every input (sources, configs, the workspace packages it compiles, the Next version and
 * the build-time env) is written to out/.build-stamp after a successful build; the next call compares.
 * `node scripts/build-web.mjs [--force]` from the shell, or `ensureWebBuild()` from tests and scripts.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const WEB = path.join(ROOT, "apps/web");
const OUT = path.join(WEB, "out");
const STAMP = path.join(OUT, ".build-stamp");
// Outside out/ (next build empties it) and matched by the root .gitignore's `.build-stamp*`.
const LOCK = path.join(WEB, ".build-stamp.lock");
// A build takes well under this on the 2-core machines; an older lock was left by a killed process.
const STALE_LOCK_MS = 10 * 60 * 1000;

/** Directories and files, relative to the repo root, whose content decides the export. */
const INPUTS = [
  "apps/web/src",
  "apps/web/public",
  "apps/web/package.json",
  "apps/web/tsconfig.json",
  "apps/web/next.config.ts",
  "apps/web/postcss.config.mjs",
  "packages/protocol/src",
  "packages/uploader/src",
];
/**
 * Next inlines NEXT_PUBLIC_* into the bundle, so a different value needs a different build; an
 * unminified build (for CPU profiles, next.config.ts) is a different build too.
 */
const BUILD_ENV = ["NEXT_PUBLIC_API_URL", "RAPIDPHOTO_WEB_UNMINIFIED"];
/** Tests sit next to the code (STYLE §12) but are not part of the bundle. */
const IGNORED = /\.test\.tsx?$/;
/** Keep in step with apps/web/package.json "build" (webpack: see next.config.ts). */
const NEXT_ARGS = ["build", "--webpack"];

/**
 * Builds apps/web/out unless it is already built from the current inputs.
 * @param {{ force?: boolean, log?: (line: string) => void }} [options]
 * @returns {Promise<{ built: boolean, hash: string, outDir: string }>}
 */
export async function ensureWebBuild({ force = false, log = (line) => console.log(line) } = {}) {
  await acquireLock(log);
  try {
    const hash = await hashInputs();
    const previous = await readFile(STAMP, "utf8").catch(() => null);
    const complete = await exists(path.join(OUT, "index.html"));
    if (!force && complete && previous?.trim() === hash) {
      log(`web build: up to date (${hash.slice(0, 12)})`);
      return { built: false, hash, outDir: OUT };
    }

    const reason = force ? "forced" : !complete ? "no export in apps/web/out" : "sources changed";
    log(`web build: building apps/web (${reason})…`);
    const started = Date.now();
    // A failed build must never leave an export that looks fresh.
    await rm(STAMP, { force: true });
    await runNextBuild();
    await writeFile(STAMP, `${hash}\n`);
    log(`web build: done in ${((Date.now() - started) / 1000).toFixed(1)}s (${hash.slice(0, 12)})`);
    return { built: true, hash, outDir: OUT };
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

async function hashInputs() {
  const hash = createHash("sha256");
  const require = createRequire(path.join(WEB, "package.json"));
  hash.update(`next@${require("next/package.json").version}\0`);
  for (const name of BUILD_ENV) hash.update(`${name}=${process.env[name] ?? ""}\0`);

  for (const input of INPUTS) {
    for (const file of await listFiles(path.join(ROOT, input))) {
      hash.update(`${path.relative(ROOT, file)}\0`);
      hash.update(await readFile(file));
      hash.update("\0");
    }
  }
  return hash.digest("hex");
}

/** Every file under `target` (or `target` itself), sorted so the hash doesn't depend on readdir order. */
async function listFiles(target) {
  const info = await stat(target).catch(() => null);
  if (info === null) return [];
  if (info.isFile()) return [target];

  const files = [];
  for (const entry of await readdir(target, { withFileTypes: true })) {
    const full = path.join(target, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(full)));
    else if (entry.isFile() && !IGNORED.test(entry.name)) files.push(full);
  }
  return files.sort();
}

function runNextBuild() {
  const require = createRequire(path.join(WEB, "package.json"));
  const nextBin = require.resolve("next/dist/bin/next");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nextBin, ...NEXT_ARGS], {
      cwd: WEB,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      if (code === 0) resolve(undefined);
      else reject(new Error(`next build failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

/** mkdir is atomic: the one process that creates the directory builds; others wait for it. */
async function acquireLock(log) {
  let announced = false;
  for (;;) {
    try {
      await mkdir(LOCK);
      return;
    } catch (error) {
      if (/** @type {NodeJS.ErrnoException} */ (error).code !== "EEXIST") throw error;
    }
    const info = await stat(LOCK).catch(() => null);
    if (info && Date.now() - info.mtimeMs > STALE_LOCK_MS) {
      await rm(LOCK, { recursive: true, force: true });
      continue;
    }
    if (!announced) log("web build: another build is running; waiting for it…");
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function exists(file) {
  return (await stat(file).catch(() => null)) !== null;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  ensureWebBuild({ force: process.argv.includes("--force") }).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
