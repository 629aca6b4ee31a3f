import { isIP } from "node:net";

/**
 * Which peers may tell us the client's address through `X-Forwarded-For`. Fastify (proxy-addr)
 * takes a hop count or a list of addresses/CIDRs; `false` — the default — believes no one, so a
 * client cannot pick its own address (and with it its own rate-limit bucket).
 */
export type TrustProxy = false | number | string[];

/** proxy-addr's names for well-known ranges. */
const NAMED_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);
const MAX_HOPS = 10; // more proxies than this in front of one app is a misconfiguration, not a topology

/**
 * Parses TRUST_PROXY: unset → false; a whole number of hops (`1`: the one load balancer in front);
 * or a comma-separated list of addresses, CIDR ranges and proxy-addr's names (`loopback`,
 * `linklocal`, `uniquelocal`). `true` ("trust everyone") is refused: behind any proxy it would let
 * clients choose their address again. Returns a problem message for a bad value.
 */
export function parseTrustProxy(value: string | undefined): { value: TrustProxy } | { problem: string } {
  if (value === undefined || value.trim() === "") return { value: false };
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > MAX_HOPS) return { problem: `a hop count must be at most ${MAX_HOPS}` };
    return { value: hops === 0 ? false : hops };
  }
  if (text === "true" || text === "false") {
    return {
      problem:
        text === "true"
          ? "trusting every peer lets any client choose its address; give a hop count or the proxies' addresses"
          : "leave it unset to trust no proxy",
    };
  }
  const entries = text.split(",").map((e) => e.trim());
  const bad = entries.filter((e) => !isTrustEntry(e));
  if (bad.length) {
    return {
      problem: `${bad.map((b) => JSON.stringify(b)).join(", ")} is not an address, a CIDR range, loopback, linklocal or uniquelocal`,
    };
  }
  return { value: entries };
}

function isTrustEntry(entry: string): boolean {
  if (NAMED_RANGES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split("/");
  if (rest.length || !address) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/**
 * The form Fastify takes. Fastify 5 reads a plain number as "trust nothing" (a hop count cannot
 * tell a proxy from a client that connects directly), so hops become the classic
 * "the nearest N peers are proxies" function: right only when clients cannot reach the server
 * except through those proxies, which is what setting a hop count asserts.
 */
export function fastifyTrustProxy(trust: TrustProxy): false | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust !== "number") return trust;
  return (_address, hop) => hop < trust;
}
