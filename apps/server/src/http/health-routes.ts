import type { FastifyInstance } from "fastify";

type Probe = { kind: string; check(): Promise<void> };

/** GET /healthz: each dependency's kind and whether it answers; 503 when any does not. */
export async function healthRoutes(app: FastifyInstance, opts: { probes: Record<string, Probe> }) {
  app.get("/healthz", async (_request, reply) => {
    const entries = await Promise.all(
      Object.entries(opts.probes).map(async ([name, probe]) => {
        try {
          await withTimeout(probe.check(), 3_000);
          return [name, { kind: probe.kind, ok: true }] as const;
        } catch (error) {
          app.log.warn({ err: error, dependency: name }, "health check failed");
          return [name, { kind: probe.kind, ok: false }] as const;
        }
      }),
    );
    const ok = entries.every(([, v]) => v.ok);
    return reply.code(ok ? 200 : 503).send({ status: ok ? "ok" : "degraded", ...Object.fromEntries(entries) });
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
