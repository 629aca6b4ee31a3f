import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../testing/index.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

type Operation = {
  parameters?: { in: string; name: string; schema?: object }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
  security?: unknown[];
};

/** Every route the app has, from Fastify's own route tree (so a route added later is checked too). */
function registeredRoutes(app: TestServer["app"]): { method: string; path: string }[] {
  const routes: { method: string; path: string }[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split("\n")) {
    const start = line.search(/[^│├└─\s]/);
    if (start < 0) continue;
    const depth = Math.floor(start / 4);
    const match = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(start));
    const path = (stack[depth - 1] ?? "") + (match?.[1] ?? "");
    stack[depth] = path;
    for (const method of match?.[2]?.split(", ") ?? []) routes.push({ method, path });
  }
  return routes;
}

/** What the API is: everything but the docs themselves, signed storage URLs and the web app's pages. */
const isApi = (path: string) => !/^(\/docs|\/storage|\/\*?$|\*$)/.test(path);

describe("OpenAPI document", () => {
  it("lists every API route with its request and response schemas, generated from the route schemas", async () => {
    const res = await server.api("GET", "/docs/json");
    expect(res.status).toBe(200);
    const doc = res.body as { openapi: string; paths: Record<string, Record<string, Operation>> };
    expect(doc.openapi).toMatch(/^3\./);

    const api = registeredRoutes(server.app).filter((r) => isApi(r.path) && r.method !== "HEAD");
    expect(api.length).toBeGreaterThanOrEqual(17);
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const expected = api.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
    expect(documented.sort()).toEqual([...new Set(expected)].sort());

    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        const success = Object.entries(op.responses).filter(([code]) => /^2\d\d$/.test(code));
        expect(success.length, `${where} has a success response`).toBe(1);
        for (const [, response] of success) {
          expect(response.content?.["application/json"]?.schema, `${where} success schema`).toBeDefined();
        }
        for (const name of path.match(/\{(\w+)\}/g) ?? []) {
          const param = op.parameters?.find((p) => p.in === "path" && `{${p.name}}` === name);
          expect(param?.schema, `${where} describes ${name}`).toMatchObject({
            type: "string",
            pattern: expect.any(String),
          });
        }
        if (path.startsWith("/healthz") || path.startsWith("/readyz")) continue;
        // Every API route answers failures with the one error shape.
        expect(op.responses["4XX"]?.content?.["application/json"]?.schema, `${where} error schema`).toMatchObject({
          properties: { code: { type: "string" }, message: { type: "string" } },
          required: ["code", "message"],
        });
        const signedIn = !["/api/auth/register", "/api/auth/login"].includes(path);
        expect(Boolean(op.security?.length), `${where} says whether it needs a token`).toBe(signedIn);
      }
    }

    const create = doc.paths["/commands/upload-jobs"]?.post;
    expect(create?.requestBody?.content["application/json"]?.schema).toMatchObject({
      properties: { files: { type: "array", maxItems: 1000 } },
    });
    expect(create?.requestBody?.content["application/json"]?.schema).toMatchObject({
      properties: { files: { items: { properties: { sha256: { type: "string", pattern: "^[0-9a-f]{64}$" } } } } },
    });
    const created = create?.responses["201"]?.content?.["application/json"]?.schema;
    expect(created).toMatchObject({
      properties: {
        items: { type: "array" },
        // The dedupe answer: files already in the caller's library, and no job when all of them were.
        duplicates: {
          type: "array",
          items: {
            properties: { index: { type: "integer" }, photoId: { type: "string" }, inTrash: { type: "boolean" } },
            required: expect.arrayContaining(["index", "clientId", "photoId", "status", "inTrash"]),
          },
        },
      },
      required: expect.arrayContaining(["jobId", "items", "duplicates"]),
    });
    expect(JSON.stringify((created as { properties: { jobId: unknown } }).properties.jobId)).toContain("null");
    const sizes = doc.paths["/queries/duplicate-sizes"]?.post;
    expect(sizes?.requestBody?.content["application/json"]?.schema).toMatchObject({
      properties: { bytes: { type: "array", minItems: 1, maxItems: 1000, items: { type: "integer" } } },
    });
    expect(sizes?.responses["200"]?.content?.["application/json"]?.schema).toMatchObject({
      properties: { bytes: { type: "array" } },
    });
    const photos = doc.paths["/queries/photos"]?.get;
    expect(photos?.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      "query:cursor",
      "query:ids",
      "query:in",
      "query:limit",
      "query:q",
      "query:sort",
    ]);
  });

  it("serves a reference page for people at /docs", async () => {
    const page = await fetch(`${server.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/swagger/i);
  });
});
