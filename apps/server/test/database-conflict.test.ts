import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "../src/events/job-event.js";
import { startTestServer, type TestServer } from "../testing/index.js";
import { createTempPostgresDatabase, postgresAvailable } from "../testing/services.js";

/**
 * A request whose transaction loses a race inside PostgreSQL: chosen as a deadlock's victim (40P01)
 * or failed for serialization (40001). The database rolled it back whole, so the answer is a
 * retryable 503 with Retry-After (the upload engine retries such answers), not a 500, and the same
 * request sent again goes through.
 *
 * The error is raised by the database itself, from a trigger on the job row, in the middle of the
 * cancel's transaction: after its photos were updated and before the job's counts are written.
 * On embedded PGlite and on PostgreSQL (skipped without one, except under CI=true: services.ts).
 */
describe.each(["PGlite", "PostgreSQL"])("a request that loses a database race (%s)", (backend) => {
  let server: TestServer | undefined;
  let drop = async () => {};
  const published: BusEvent[] = [];

  beforeAll(async () => {
    let env: Record<string, string> = {};
    if (backend === "PostgreSQL") {
      if (!(await postgresAvailable())) return;
      const temp = await createTempPostgresDatabase();
      drop = temp.drop;
      env = { DATABASE_URL: temp.url };
    }
    const started = await startTestServer({ env });
    server = started;
    started.app.events.subscribe((event) => published.push(event));
    // A cancel's write of its job's counts fails with the SQLSTATE in conflict_code while the
    // sequence's next value is 1 (conflictOnce): a sequence because nextval is not rolled back
    // with the transaction the error aborts, so the injection fires once.
    const statements = [
      "create table conflict_code (sqlstate text not null)",
      "create sequence conflict_budget minvalue 0 start 2",
      `create function inject_conflict() returns trigger language plpgsql as $$
       begin
         if nextval('conflict_budget') <= 1 then
           raise exception 'injected conflict' using errcode = (select sqlstate from conflict_code limit 1);
         end if;
         return new;
       end $$`,
      `create trigger inject_conflict before update on upload_jobs for each row
         when (new.cancelled_count > old.cancelled_count) execute function inject_conflict()`,
    ];
    for (const statement of statements) await started.app.database.db.execute(sql.raw(statement));
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    await drop();
  });

  /** The next cancel's write of its job fails once with `sqlstate`. */
  async function conflictOnce(server: TestServer, sqlstate: "40P01" | "40001") {
    const { db } = server.app.database;
    await db.execute(sql`delete from conflict_code`);
    await db.execute(sql`insert into conflict_code (sqlstate) values (${sqlstate})`);
    await db.execute(sql`select setval('conflict_budget', 1, false)`);
  }

  async function jobWithPhotos(server: TestServer, token: string, count: number) {
    const files = Array.from({ length: count }, (_, i) => ({
      filename: `p${i}.jpg`,
      mimeType: "image/jpeg",
      bytes: 1000,
    }));
    const created = await server.api("POST", "/commands/upload-jobs", { token, body: { files } });
    expect(created.status).toBe(201);
    return {
      jobId: created.body.jobId as string,
      photoIds: created.body.items.map((i: { photoId: string }) => i.photoId),
    };
  }

  const post = (server: TestServer, url: string, token: string) =>
    server.app.inject({ method: "POST", url, headers: { authorization: `Bearer ${token}` } });

  const jobOf = async (server: TestServer, token: string, jobId: string) =>
    (await server.api("GET", `/queries/upload-jobs/${jobId}`, { token })).body;

  const cases = [
    { race: "a deadlock (40P01)", target: "job", sqlstate: "40P01" },
    { race: "a serialization failure (40001)", target: "photo", sqlstate: "40001" },
  ] as const;
  for (const { race, target, sqlstate } of cases) {
    it(`answers ${race} with a retryable 503, changes nothing, and goes through when sent again (cancel of a ${target})`, async ({
      skip,
    }) => {
      if (!server) return skip();
      const { token } = await server.register();
      const { jobId, photoIds } = await jobWithPhotos(server, token, 3);
      const url = target === "job" ? `/commands/upload-jobs/${jobId}/cancel` : `/commands/upload/${photoIds[0]}/cancel`;
      const before = await jobOf(server, token, jobId);
      const eventsBefore = published.length;

      await conflictOnce(server, sqlstate);
      const lost = await post(server, url, token);
      expect({ status: lost.statusCode, retryAfter: lost.headers["retry-after"], code: lost.json().code }).toEqual({
        status: 503,
        retryAfter: "1",
        code: "DATABASE_CONFLICT",
      });
      // Nothing half-done: the photos the transaction had already cancelled are back, the job's
      // counts and seq are as they were, and no push went out for the change that never happened.
      expect(await jobOf(server, token, jobId)).toEqual(before);
      expect(published.length).toBe(eventsBefore);

      const again = await post(server, url, token);
      expect(again.statusCode).toBe(200);
      const after = await jobOf(server, token, jobId);
      expect(after.cancelledCount).toBe(target === "job" ? 3 : 1);
      expect(after.seq).toBeGreaterThan(before.seq);
      expect(published.length).toBeGreaterThan(eventsBefore);
    });
  }
});
