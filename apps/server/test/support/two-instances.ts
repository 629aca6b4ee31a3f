import { startTestServer, type TestServer } from "../../testing/index.js";
import {
  createTempPostgresDatabase,
  postgresAvailable,
  REDIS_TEST_URL,
  redisAvailable,
} from "../../testing/services.js";

/** Two instances of the server, as deployed side by side, and how to stop them and drop their database. */
export type TwoInstances = { a: TestServer; b: TestServer; close(): Promise<void> };

/**
 * Two in-process servers sharing one throwaway PostgreSQL database, the machine's Redis (so events
 * cross between them on the bus) and one JWT secret (a token signed by one is good on the other).
 * `argv` per instance takes `--role=…`. Undefined when PostgreSQL or Redis is not running: the
 * tests that need both skip.
 */
export async function startTwoInstances(options: {
  jwtSecret: string;
  argv?: { a?: string[]; b?: string[] };
}): Promise<TwoInstances | undefined> {
  if (!(await postgresAvailable()) || !(await redisAvailable())) return undefined;
  const db = await createTempPostgresDatabase();
  const env = { DATABASE_URL: db.url, REDIS_URL: REDIS_TEST_URL, JWT_SECRET: options.jwtSecret };
  const started: TestServer[] = [];
  const close = async () => {
    for (const server of started) await server.close();
    await db.drop();
  };
  try {
    started.push(await startTestServer({ env, argv: options.argv?.a ?? [] }));
    started.push(await startTestServer({ env, argv: options.argv?.b ?? [] }));
  } catch (error) {
    await close();
    throw error;
  }
  const [a, b] = started as [TestServer, TestServer];
  return { a, b, close };
}
