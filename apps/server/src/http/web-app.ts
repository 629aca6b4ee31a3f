import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/**
 * Serves the Next.js static export on the API's origin. Next writes `login.html` *and* a `login/`
 * folder of navigation data, so `/login` is resolved here (page first, then file) rather than by
 * directory lookup. Hashed assets under /_next/static are cached for good; pages are revalidated.
 * Unknown paths get the app's 404 page with status 404.
 */
export async function webApp(app: FastifyInstance, opts: { webDir: string }) {
  const root = path.resolve(opts.webDir);
  if (!existsSync(root)) {
    app.log.warn({ webDir: root }, "web app not built; run `npm run build` (npm start does this)");
    return;
  }
  await app.register(fastifyStatic, {
    root,
    serve: false, // routes below decide what a path means
    cacheControl: false, // set per file in setHeaders
    setHeaders(res, filePath) {
      const immutable = filePath.includes(`${path.sep}_next${path.sep}static${path.sep}`);
      res.setHeader("cache-control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    // Unknown API paths stay JSON errors; only page paths fall through to the web app.
    if (
      API_PREFIXES.some((p) => request.url === p || request.url.startsWith(`${p}/`) || request.url.startsWith(`${p}?`))
    ) {
      return reply.callNotFound();
    }
    const file = await resolvePage(root, decodePath(request.url));
    if (file) return reply.sendFile(file);
    // A program asking for JSON gets the API's {code, message}; a browser keeps the 404 page.
    if (prefersJson(request.headers.accept)) return reply.callNotFound();
    if (existsSync(path.join(root, "404.html"))) return reply.code(404).sendFile("404.html");
    return reply.callNotFound();
  };
  app.get("/", handler);
  app.get("/*", handler);
}

const API_PREFIXES = ["/api", "/commands", "/queries", "/storage", "/ws", "/healthz", "/readyz", "/docs"];

/**
 * Whether an Accept header ranks JSON above HTML. Browsers navigating send text/html first;
 * `*\/*` alone (fetch's default, curl) keeps the page, as before.
 */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  let json = 0;
  let html = 0;
  for (const range of accept.split(",")) {
    const [type = "", ...params] = range.trim().toLowerCase().split(";");
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (type === "application/json" || type.endsWith("+json")) json = Math.max(json, q);
    else if (type === "text/html") html = Math.max(html, q);
  }
  return json > 0 && json > html;
}

function decodePath(url: string): string | null {
  try {
    return decodeURIComponent(url.split("?")[0] ?? "/");
  } catch {
    return null;
  }
}

/** The file under root that a URL path names, relative to root, or null. Never leaves root. */
async function resolvePage(root: string, urlPath: string | null): Promise<string | null> {
  if (urlPath === null || urlPath.includes("\0")) return null;
  const clean = path.posix.normalize(`/${urlPath}`).replace(/\/+$/, "");
  const candidates = clean === "" ? ["index.html"] : [`${clean}.html`, clean, `${clean}/index.html`];
  for (const candidate of candidates) {
    const absolute = path.resolve(root, `.${candidate.startsWith("/") ? candidate : `/${candidate}`}`);
    if (absolute !== root && !absolute.startsWith(`${root}${path.sep}`)) continue;
    const info = await stat(absolute).catch(() => null);
    if (info?.isFile()) return path.relative(root, absolute);
  }
  return null;
}
