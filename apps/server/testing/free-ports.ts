import { createServer, type Server } from "node:net";

/**
 * `count` ports that were free a moment ago, for servers whose port must be known before they
 * start (PUBLIC_URL is signed into storage URLs) and child processes that need fixed ports (Swift).
 * All are held open together so none is handed out twice; another process may still take one
 * before the child binds it, which is why this is "free-ish".
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
      });
    }
    return servers.map((s) => {
      const address = s.address();
      if (address === null || typeof address === "string") throw new Error("Expected a TCP address.");
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}
