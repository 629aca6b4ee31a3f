import type { FastifyInstance } from "fastify";

type Probe = { kind: string; check(): Promise<void> };

/** How long one dependency may take to answer a probe before it counts as down. */
const PROBE_TIMEOUT_MS = 3_000;

/**
 * Liveness and readiness, kept apart so a load balancer never drops every instance for an outage
 * they all share and can work around.
 *
 * - `GET /healthz` (liveness): the process answers. Touches no dependency, so a database outage
 *   never makes a supervisor restart healthy processes. 503 only while shutting down.
 * - `GET /readyz` (readiness, what a load balancer probes): 503 when a dependency requests cannot do
 *   without is down (database, storage); 200 `"degraded"` when only the event bus is down — uploads,
 *   finalize and processing go on, browsers fall back to polling — so instances stay in rotation.
 */
export async function healthRoutes(
  app: FastifyInstance,
  opts: { required: Record<string, Probe>; optional: Record<string, Probe> },
) {
  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const [required, optional] = await Promise.all([probeAll(app, opts.required), probeAll(app, opts.optional)]);
    const ready = Object.values(required).every((r) => r.ok);
    const complete = Object.values(optional).every((r) => r.ok);
    const status = !ready ? "unavailable" : complete ? "ok" : "degraded";
    return reply.code(ready ? 200 : 503).send({ status, ...required, ...optional });
  });
}

type ProbeResult = { kind: string; ok: boolean };

async function probeAll(app: FastifyInstance, probes: Record<string, Probe>): Promise<Record<string, ProbeResult>> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      try {
        await withTimeout(probe.check(), PROBE_TIMEOUT_MS);
        return [name, { kind: probe.kind, ok: true }] as const;
      } catch (error) {
        app.log.warn({ err: error, dependency: name }, "readiness check failed");
        return [name, { kind: probe.kind, ok: false }] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
