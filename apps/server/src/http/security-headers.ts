import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import helmet from "@fastify/helmet";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export type SecurityHeadersOptions = {
  /** The Next static export: its inline scripts are allowed by hash. */
  webDir: string;
  /**
   * Origins the page itself talks to besides its own: where browsers PUT photo bytes and load
   * thumbnails (an S3 endpoint or another PUBLIC_URL), and the dev server's API origin.
   */
  otherOrigins: string[];
};

/**
 * Security headers on every response (helmet): a Content-Security-Policy that fits the static
 * export, `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, no framing
 * (`frame-ancestors 'none'`, plus the older `X-Frame-Options: DENY`).
 */
async function securityHeaders(app: FastifyInstance, opts: SecurityHeadersOptions): Promise<void> {
  const scriptHashes = await inlineScriptHashes(opts.webDir);
  const others = [...new Set(opts.otherOrigins)];
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        // Next's static export puts its router payload in a couple of inline <script>s per page
        // (self.__next_f.push(...)); a static file cannot carry a per-request nonce, so those
        // exact scripts are allowed by their hashes, computed from the build at start. No
        // 'unsafe-inline' and no 'unsafe-eval' for scripts. 'wasm-unsafe-eval' lets the upload's
        // hashing worker compile its SHA-256 WebAssembly (hash-wasm; SubtleCrypto is missing on plain
        // HTTP); it allows compiling WebAssembly only, never eval() or new Function().
        scriptSrc: ["'self'", ...scriptHashes, "'wasm-unsafe-eval'"],
        scriptSrcAttr: ["'none'"],
        // Styles only: the toast library (sonner) injects its stylesheet as a <style> element at
        // run time. Inline styles cannot run code; scripts stay hash-only.
        styleSrc: ["'self'", "'unsafe-inline'"],
        // Thumbnails and previews: the storage origin, and blob: for previews of files being picked.
        imgSrc: ["'self'", "data:", "blob:", ...others],
        // The API and /ws on this origin; photo bytes straight to storage (signed URLs).
        connectSrc: ["'self'", ...others, ...others.map(toWebSocketOrigin)],
        fontSrc: ["'self'", "data:"],
        workerSrc: ["'self'", "blob:"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: "no-referrer" },
    frameguard: { action: "deny" },
    // Thumbnails and downloads may be loaded by the dev server's origin (same site, other port).
    crossOriginResourcePolicy: { policy: "same-site" },
    // HSTS belongs to whoever terminates TLS and knows the domain (includeSubDomains would reach
    // every other service under it); the app itself is often served over plain HTTP on loopback.
    strictTransportSecurity: false,
  });
}

export const securityHeadersPlugin = fp(securityHeaders, { name: "security-headers", fastify: "5.x" });

/** 'sha256-…' of every inline <script> in the export's pages (none when it is not built). */
export async function inlineScriptHashes(webDir: string): Promise<string[]> {
  if (!existsSync(webDir)) return [];
  const hashes = new Set<string>();
  for (const file of await htmlFiles(webDir)) {
    const html = await readFile(file, "utf8");
    for (const match of html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/gi)) {
      const body = match[1] ?? "";
      if (body) hashes.add(`'sha256-${createHash("sha256").update(body, "utf8").digest("base64")}'`);
    }
  }
  return [...hashes].sort();
}

async function htmlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith(".html")).map((e) => path.join(e.parentPath, e.name));
}

function toWebSocketOrigin(origin: string): string {
  return origin.replace(/^http/, "ws");
}
