import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/**
 * The Uppy contender's page: uppy-entry.js bundled with esbuild, Uppy's CSS inline. Null when the
 * Uppy packages (bench devDependencies) or esbuild are not installed.
 */
export async function buildUppyPage(): Promise<string | null> {
  let esbuild: typeof import("esbuild");
  let css: string[];
  try {
    esbuild = await import("esbuild");
    css = await Promise.all(
      ["@uppy/core/css/style.min.css", "@uppy/dashboard/css/style.min.css"].map((name) =>
        readFile(require.resolve(name), "utf8"),
      ),
    );
  } catch {
    return null;
  }
  const built = await esbuild.build({
    entryPoints: [path.join(import.meta.dirname, "uppy-entry.js")],
    bundle: true,
    minify: true,
    format: "iife",
    target: "chrome120",
    write: false,
    logLevel: "warning",
  });
  const script = built.outputFiles[0]?.text ?? "";
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Uppy</title><style>${css.join("\n")}</style></head>
<body><div id="uppy"></div><script>${script.replaceAll("</script", "<\\/script")}</script></body></html>`;
}
