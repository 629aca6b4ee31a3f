import { createHash } from "node:crypto";
import { MAX_FILE_BYTES } from "@rapidphoto/protocol";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PhotoRow, photos } from "../src/db/schema.js";
import { startTestServer, type TestServer } from "../testing/index.js";
import { DATABASE_BACKENDS } from "../testing/services.js";

type User = { token: string; userId: string };
/** A photo set straight into one state, with a size and a sha256 no other fixture has. */
type Fixture = { name: string; photoId: string; bytes: number; sha256: string };

const now = new Date();
/**
 * How each fixture's row is left. Every one carries the worker's checksum, even where a real photo
 * would not yet, so only its status, declared hash, Trash and purge marks decide whether it counts.
 */
const STATES: { name: string; declared: boolean; patch: Partial<PhotoRow>; counts: boolean }[] = [
  { name: "completed", declared: true, patch: { status: "COMPLETED" }, counts: true },
  { name: "completed, hashed by the worker only", declared: false, patch: { status: "COMPLETED" }, counts: true },
  { name: "processing with a declared sha256", declared: true, patch: { status: "PROCESSING" }, counts: true },
  // Job creation hashes its stored bytes when a hashed file of its size comes (hash-stored-photos.ts).
  { name: "processing without a declared sha256", declared: false, patch: { status: "PROCESSING" }, counts: true },
  { name: "queued", declared: true, patch: { status: "QUEUED" }, counts: false },
  { name: "uploading", declared: true, patch: { status: "UPLOADING" }, counts: false },
  { name: "failed", declared: true, patch: { status: "FAILED" }, counts: false },
  { name: "cancelled", declared: true, patch: { status: "CANCELLED" }, counts: false },
  { name: "completed, in Trash", declared: true, patch: { status: "COMPLETED", trashedAt: now }, counts: true },
  {
    name: "completed, being deleted forever",
    declared: true,
    patch: { status: "COMPLETED", trashedAt: now, purgingSince: now },
    counts: false,
  },
];

for (const backend of DATABASE_BACKENDS) {
  describe(`POST /queries/duplicate-sizes (${backend.name})`, () => {
    let server: TestServer | undefined;
    let drop: (() => Promise<void>) | undefined;
    let alice: User;
    let bob: User;
    let nextSize = 10_000;
    const fixtures = new Map<string, Fixture>();

    /** A photo of `user` in the state `patch` describes (no worker runs here, so it stays there). */
    async function photoIn(user: User, name: string, patch: Partial<PhotoRow>, declared: boolean): Promise<Fixture> {
      const s = server as TestServer;
      nextSize += 17;
      const bytes = nextSize;
      const content = Buffer.alloc(bytes, `${backend.name} ${name} `);
      const sha256 = createHash("sha256").update(content).digest("hex");
      const file = { filename: `${bytes}.jpg`, mimeType: "image/jpeg", bytes, ...(declared ? { sha256 } : {}) };
      const created = await s.api("POST", "/commands/upload-jobs", { token: user.token, body: { files: [file] } });
      expect(created.status).toBe(201);
      const photoId: string = created.body.items[0].photoId;
      const [row] = await s.app.database.db
        .update(photos)
        .set({ checksum: sha256, ...patch })
        .where(eq(photos.id, photoId))
        .returning({ storageKey: photos.storageKey });
      // The bytes are where a finalize leaves them, for job creation to read (hash-stored-photos.ts).
      await s.app.storage.write(row?.storageKey as string, content, { contentType: "image/jpeg" });
      return { name, photoId, bytes, sha256 };
    }

    const ask = (token: string | undefined, body: unknown) =>
      (server as TestServer).api("POST", "/queries/duplicate-sizes", { token, body });

    beforeAll(async () => {
      const db = await backend.database();
      if (db === undefined) return; // PostgreSQL missing outside CI (services.ts fails it under CI)
      drop = db?.drop;
      // --role=web: no processing worker and no sweeps, so the states set by hand stay as set.
      server = await startTestServer({ env: db ? { DATABASE_URL: db.url } : {}, argv: ["--role=web"] });
      alice = await server.register();
      bob = await server.register();
      for (const state of STATES)
        fixtures.set(state.name, await photoIn(alice, state.name, state.patch, state.declared));
      fixtures.set("bob's completed", await photoIn(bob, "bob's completed", { status: "COMPLETED" }, true));
    }, 120_000);
    afterAll(async () => {
      await server?.close();
      await drop?.();
    });

    const fixture = (name: string) => fixtures.get(name) as Fixture;
    const counting = () => STATES.filter((s) => s.counts).map((s) => fixture(s.name).bytes);

    it("answers the sizes of completed photos (in Trash too) and of processing ones", async ({ skip }) => {
      if (!server) skip();
      const res = await ask(alice.token, { bytes: counting() });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ bytes: counting().sort((a, b) => a - b) });
    });

    it.each(STATES.filter((s) => !s.counts).map((s) => s.name))("leaves out the size of a photo %s", async (name) => {
      if (!server) return;
      const res = await ask(alice.token, { bytes: [fixture(name).bytes] });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ bytes: [] });
    });

    it("never answers the size of another user's photo", async ({ skip }) => {
      if (!server) skip();
      const theirs = fixture("bob's completed").bytes;
      expect((await ask(alice.token, { bytes: [theirs] })).body).toEqual({ bytes: [] });
      expect((await ask(bob.token, { bytes: [theirs, fixture("completed").bytes] })).body).toEqual({ bytes: [theirs] });
    });

    it("answers each asked size once, ascending, and only sizes that were asked", async ({ skip }) => {
      if (!server) skip();
      const completed = fixture("completed");
      const trashed = fixture("completed, in Trash");
      // A second photo of the same size as "completed": the size is still answered once.
      await photoIn(alice, "same size", { status: "COMPLETED", bytes: completed.bytes }, true);
      const res = await ask(alice.token, {
        bytes: [trashed.bytes, completed.bytes, 1, completed.bytes, trashed.bytes, MAX_FILE_BYTES],
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ bytes: [completed.bytes, trashed.bytes].sort((a, b) => a - b) });
    });

    it("agrees with job creation: a size left out is never answered as a duplicate, an answered one with its hash is", async ({
      skip,
    }) => {
      if (!server) skip();
      const all = [...fixtures.values()];
      const res = await ask(alice.token, { bytes: all.map((f) => f.bytes) });
      const answered = new Set<number>(res.body.bytes);
      const ascending = (a: number, b: number) => a - b;
      expect([...answered].sort(ascending)).toEqual(counting().sort(ascending));
      for (const f of all) {
        const created = await (server as TestServer).api("POST", "/commands/upload-jobs", {
          token: alice.token,
          body: { files: [{ filename: "again.jpg", mimeType: "image/jpeg", bytes: f.bytes, sha256: f.sha256 }] },
        });
        expect(created.status).toBe(201);
        const duplicateOf = created.body.duplicates[0]?.photoId ?? null;
        expect({ photo: f.name, duplicateOf }).toEqual({
          photo: f.name,
          duplicateOf: answered.has(f.bytes) ? f.photoId : null,
        });
      }
    });

    const bad: [string, unknown][] = [
      ["a missing body", undefined],
      ["no bytes", {}],
      ["bytes that are not an array", { bytes: 1234 }],
      ["no sizes", { bytes: [] }],
      ["more than 1000 sizes", { bytes: Array.from({ length: 1001 }, (_, i) => i + 1) }],
      ["a fractional size", { bytes: [1.5] }],
      ["a size as a string", { bytes: ["10"] }],
      ["a zero size", { bytes: [0] }],
      ["a negative size", { bytes: [-5] }],
      ["a size over 5 GiB", { bytes: [MAX_FILE_BYTES + 1] }],
    ];
    it.each(bad)("rejects %s with 400 naming the field", async (_name, body) => {
      if (!server) return;
      const res = await ask(alice.token, body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe("VALIDATION_FAILED");
      expect(Object.keys(res.body.details.fieldErrors)[0]).toMatch(/^bytes/);
    });

    it("requires a token, before looking at the request", async ({ skip }) => {
      if (!server) skip();
      const sizes = { bytes: [fixture("completed").bytes] };
      expect((await ask(undefined, sizes)).status).toBe(401);
      expect((await ask("not-a-token", sizes)).status).toBe(401);
      expect((await ask(undefined, { bytes: "nope" })).status).toBe(401);
    });
  });
}
