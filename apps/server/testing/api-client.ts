/** What both test servers (in-process and child process) offer a test: JSON calls and sign-ups. */
export type ServerClient = {
  /** Origin the server listens on, e.g. http://127.0.0.1:41234 */
  url: string;
  /** fetch against the server with JSON in and out; a body that is not JSON comes back as text. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON an endpoint answers, checked by their assertions
  api(method: string, path: string, opts?: { token?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  /** Registers a user (a fresh address unless one is given) and returns its token. */
  register(
    email?: string,
    password?: string,
  ): Promise<{ token: string; userId: string; email: string; expiresIn: number }>;
};

let userCounter = 0;

export function serverClient(url: string): ServerClient {
  const api: ServerClient["api"] = async (method, p, o = {}) => {
    const headers: Record<string, string> = {};
    if (o.body !== undefined) headers["content-type"] = "application/json";
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    const res = await fetch(`${url}${p}`, {
      method,
      headers,
      body: o.body === undefined ? undefined : JSON.stringify(o.body),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {}
    return { status: res.status, body };
  };
  return {
    url,
    api,
    async register(email, password = "correct horse battery") {
      const address = email ?? `user${++userCounter}-${process.pid}-${Date.now()}@example.com`;
      const res = await api("POST", "/api/auth/register", { body: { email: address, password } });
      if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { token: res.body.token, userId: res.body.userId, email: res.body.email, expiresIn: res.body.expiresIn };
    },
  };
}
