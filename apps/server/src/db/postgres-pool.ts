import pg from "pg";
import type { Logger } from "../events/event-bus.js";

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

const POOL_SIZE = 10;
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * A pg pool that outlives its connections. PostgreSQL may end a connection at any moment (a
 * restart, a failover, an operator's pg_terminate_backend): the query running on it fails and the
 * request answers 503 (database-errors.ts), while the pool opens a fresh connection for the next.
 *
 * pg emits 'error' on a client whose connection dies while it is checked out but between queries
 * (a transaction waiting for something else); with no listener, Node ends the process. The pool
 * itself only listens to idle clients, so every client gets a listener of its own here.
 */
export class PostgresPool extends pg.Pool {
  constructor(url: string, logger: Logger) {
    super({ connectionString: url, max: POOL_SIZE, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    this.on("error", (err) => logger.warn({ err }, "database: an idle connection was lost; the next query reconnects"));
    this.on("connect", (client) => {
      client.on("error", (err) => logger.warn({ err }, "database: a connection in use was lost"));
    });
  }

  /**
   * Checks a client out for a transaction. If its connection ends before the caller releases it,
   * it is released at once with the error, which removes it from the pool: a caller that never
   * gets to release it (Drizzle does not when BEGIN itself fails) must not shrink the pool for good.
   */
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | undefined {
    if (callback) {
      super.connect(callback);
      return undefined;
    }
    return super.connect().then((client) => {
      const release = client.release.bind(client);
      let released = false;
      const releaseOnce = (err?: Error | boolean) => {
        if (released) return;
        released = true;
        client.off("end", onEnd);
        release(err);
      };
      const onEnd = () => releaseOnce(new Error("connection ended while checked out"));
      client.once("end", onEnd);
      client.release = releaseOnce;
      return client;
    });
  }
}
