import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";

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
  opts: { required: { database: Probe; storage: Probe }; optional: { events: Probe } },
) {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    "/healthz",
    { schema: { tags, summary: "Liveness: the process answers", response: { 200: Liveness } } },
    async () => ({ status: "ok" as const }),
  );

  routes.get(
    "/readyz",
    {
      schema: {
        tags,
        summary: "Readiness: each dependency's state; 503 without database or storage",
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const [required, optional] = await Promise.all([probeAll(app, opts.required), probeAll(app, opts.optional)]);
      const ready = Object.values(required).every((r) => r.ok);
      const complete = Object.values(optional).every((r) => r.ok);
      const status = !ready ? "unavailable" : complete ? "ok" : "degraded";
      return reply.code(ready ? 200 : 503).send({ status, ...required, ...optional });
    },
  );
}

const tags = ["health"];
const Liveness = z.object({ status: z.literal("ok") });
const Probed = z.object({ kind: z.string(), ok: z.boolean() });
const Readiness = z.object({
  status: z.enum(["ok", "degraded", "unavailable"]),
  database: Probed,
  storage: Probed,
  events: Probed,
});

type ProbeResult = z.infer<typeof Probed>;

async function probeAll<K extends string>(
  app: FastifyInstance,
  probes: Record<K, Probe>,
): Promise<Record<K, ProbeResult>> {
  const entries = await Promise.all(
    (Object.entries(probes) as [K, Probe][]).map(async ([name, probe]) => {
      try {
        await withTimeout(probe.check(), PROBE_TIMEOUT_MS);
        return [name, { kind: probe.kind, ok: true }] as const;
      } catch (error) {
        app.log.warn({ err: error, dependency: name }, "readiness check failed");
        return [name, { kind: probe.kind, ok: false }] as const;
      }
    }),
  );
  return Object.fromEntries(entries) as Record<K, ProbeResult>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
