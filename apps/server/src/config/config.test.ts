import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const SERVER_DIR = path.resolve(import.meta.dirname, "../..");

function problemsOf(env: Record<string, string>, argv: string[] = []): string[] {
  try {
    loadConfig(env, argv);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

/** Runs the real entry point and collects how it ended. */
function runMain(env: Record<string, string>, timeoutMs = 30_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: SERVER_DIR,
      env: { PATH: process.env.PATH, LOG_LEVEL: "silent", ...env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe("configuration", () => {
  it("uses the embedded defaults when nothing is set", () => {
    const config = loadConfig({}, []);
    expect(config).toMatchObject({
      port: 3000,
      host: "127.0.0.1",
      databaseUrl: undefined,
      s3: undefined,
      redisUrl: undefined,
      publicUrl: "http://localhost:3000",
      role: "all",
    });
    expect(path.isAbsolute(config.dataDir)).toBe(true);
  });

  it("holds a sending client's photos for two minutes unless SENDER_LEASE_SECONDS says otherwise", () => {
    expect(loadConfig({}, []).senderLeaseMs).toBe(120_000);
    expect(loadConfig({ SENDER_LEASE_SECONDS: "4" }, []).senderLeaseMs).toBe(4_000);
    expect(problemsOf({ SENDER_LEASE_SECONDS: "0" })).toEqual([expect.stringMatching(/^SENDER_LEASE_SECONDS=/)]);
  });

  it("trusts no proxy by default; takes a hop count or addresses and CIDR ranges; refuses the rest", () => {
    expect(loadConfig({}, []).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "0" }, []).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: "2" }, []).trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: "10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback" }, []).trustProxy).toEqual([
      "10.0.0.0/8",
      "127.0.0.1",
      "::1",
      "fd00::/8",
      "loopback",
    ]);
    expect(problemsOf({ TRUST_PROXY: "true" })[0]).toMatch(/^TRUST_PROXY="true": trusting every peer/);
    expect(problemsOf({ TRUST_PROXY: "11" })[0]).toMatch(/^TRUST_PROXY="11": a hop count must be at most 10/);
    for (const bad of ["10.0.0.0/33", "lb.internal", "10.0.0.1,", "1.2.3.4/8/1", "::1/129", "-1"]) {
      expect(problemsOf({ TRUST_PROXY: bad }), bad).toEqual([expect.stringMatching(/^TRUST_PROXY=/)]);
    }
  });

  it("names each bad variable", () => {
    expect(problemsOf({ PORT: "eighty" })).toEqual([expect.stringMatching(/^PORT="eighty": must be a number/)]);
    expect(problemsOf({ PORT: "70000" })[0]).toMatch(/^PORT="70000": must be between 0 and 65535/);
    expect(problemsOf({ DATABASE_URL: "mysql://x" })[0]).toMatch(/^DATABASE_URL=.*postgres:\/\//);
    expect(problemsOf({ REDIS_URL: "localhost:6379" })[0]).toMatch(/^REDIS_URL=/);
    expect(problemsOf({ JWT_SECRET: "short" })[0]).toMatch(/^JWT_SECRET=.*at least 32/);
    expect(problemsOf({}, ["--role=chef"])[0]).toMatch(/--role=chef/);
    expect(problemsOf({ S3_BUCKET: "photos", S3_ACCESS_KEY_ID: "k" })[0]).toMatch(/S3_SECRET_ACCESS_KEY/);
  });

  it("keeps photos in Trash 30 days unless TRASH_RETENTION_DAYS says otherwise", () => {
    const DAY = 24 * 60 * 60 * 1000;
    expect(loadConfig({}, []).trashRetentionMs).toBe(30 * DAY);
    expect(loadConfig({ TRASH_RETENTION_DAYS: "7" }, []).trashRetentionMs).toBe(7 * DAY);
    expect(problemsOf({ TRASH_RETENTION_DAYS: "0" })[0]).toMatch(/^TRASH_RETENTION_DAYS="0"/);
    expect(problemsOf({ TRASH_RETENTION_DAYS: "forever" })[0]).toMatch(/^TRASH_RETENTION_DAYS=/);
  });

  it("reads at most 1 GiB of stored photos per job creation to hash them, unless HASH_STORED_MAX_BYTES says otherwise", () => {
    expect(loadConfig({}, []).hashStoredMaxBytes).toBe(1024 ** 3);
    expect(loadConfig({ HASH_STORED_MAX_BYTES: "0" }, []).hashStoredMaxBytes).toBe(0);
    expect(loadConfig({ HASH_STORED_MAX_BYTES: "5000000" }, []).hashStoredMaxBytes).toBe(5_000_000);
    for (const bad of ["-1", "2.5", "lots"]) {
      expect(problemsOf({ HASH_STORED_MAX_BYTES: bad }), bad).toEqual([
        expect.stringMatching(/^HASH_STORED_MAX_BYTES=/),
      ]);
    }
  });

  it("holds at most 1,000 files per upload job unless MAX_FILES_PER_JOB says fewer", () => {
    expect(loadConfig({}, []).maxFilesPerJob).toBe(1000);
    expect(loadConfig({ MAX_FILES_PER_JOB: "10" }, []).maxFilesPerJob).toBe(10);
    for (const bad of ["0", "1001", "2.5", "many"]) {
      expect(problemsOf({ MAX_FILES_PER_JOB: bad }), bad).toEqual([expect.stringMatching(/^MAX_FILES_PER_JOB=/)]);
    }
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", REDIS_URL: "" }, []).databaseUrl).toBeUndefined();
  });

  it("stops start-up with a clear message for a bad PORT", async () => {
    const { code, stderr } = await runMain({ PORT: "not-a-port" });
    expect(code).toBe(78);
    expect(stderr).toContain("Invalid configuration");
    expect(stderr).toContain('PORT="not-a-port"');
  });

  it("stops start-up with a clear message for a bad DATABASE_URL", async () => {
    const { code, stderr } = await runMain({ DATABASE_URL: "http://db.example" });
    expect(code).toBe(78);
    expect(stderr).toContain("DATABASE_URL");
  });

  it("stops start-up when the database cannot be reached", async () => {
    const { code, stderr } = await runMain({ DATABASE_URL: "postgres://postgres@127.0.0.1:1/nowhere" });
    expect(code).toBe(1);
    expect(stderr).toMatch(/could not start: .*ECONNREFUSED|could not start/);
  });
});
