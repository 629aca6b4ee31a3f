import net from "node:net";

/**
 * A TCP proxy in front of a real service (Redis, PostgreSQL, the server itself) that a test can cut
 * and restore, so "the service went down" is tested against the real thing without stopping a
 * shared server.
 */
export type CuttableProxy = {
  /** host:port to give the code under test. */
  readonly port: number;
  /**
   * Drops every open connection. New ones are refused until restore(), or with `hang` accepted and
   * never answered, as on a network that silently loses packets: a client then waits out its own
   * connect timeout instead of failing at once. Hung connections stay hung after restore(), as a
   * request lost in the outage is never answered: the client has to give up on it and try again.
   */
  cut(options?: { hang?: boolean }): void;
  restore(): void;
  close(): Promise<void>;
};

export async function startCuttableProxy(target: { host: string; port: number }): Promise<CuttableProxy> {
  const sockets = new Set<net.Socket>();
  const hung = new Set<net.Socket>();
  let down: false | "refuse" | "hang" = false;
  const server = net.createServer((client) => {
    if (down === "hang") {
      hung.add(client);
      client.on("error", () => {});
      client.on("close", () => hung.delete(client));
      return;
    }
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target);
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(a);
      a.on("error", () => b.destroy());
      a.on("close", () => {
        sockets.delete(a);
        b.destroy();
      });
      a.pipe(b);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  const dropAll = () => {
    for (const s of [...sockets, ...hung]) s.destroy();
  };
  return {
    port,
    cut(options = {}) {
      down = options.hang ? "hang" : "refuse";
      for (const s of sockets) s.destroy();
    },
    restore() {
      down = false;
    },
    close() {
      down = "refuse";
      dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
