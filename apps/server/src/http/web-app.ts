import { existsSync } from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/**
 * Serves the Next.js static export. `/login` finds `login.html` (send's `extensions`), hashed
 * assets under /_next/static are cached for good, pages are revalidated on every load.
 */
export async function webApp(app: FastifyInstance, opts: { webDir: string }) {
  if (!existsSync(opts.webDir)) {
    app.log.warn({ webDir: opts.webDir }, "web app not built; run `npm run build` (npm start does this)");
    return;
  }
  await app.register(fastifyStatic, {
    root: opts.webDir,
    extensions: ["html"],
    wildcard: true,
    setHeaders(res, filePath) {
      const immutable = filePath.includes(`${path.sep}_next${path.sep}static${path.sep}`);
      res.setHeader("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
}
