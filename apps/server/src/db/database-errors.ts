import { DrizzleQueryError } from "drizzle-orm";

/**
 * PostgreSQL error codes that mean "the connection or the server is gone", not "this query is
 * wrong": class 08 (connection exception), 57P01–57P03 (terminated by an administrator, a crash,
 * or a server still starting), 53300 (too many connections).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;
/** Node socket failures on the way to the database (counted only on errors of a query). */
const UNAVAILABLE_SYSCALL = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENOTFOUND"]);
/** node-postgres reports a lost connection without a code, only in words. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|ended while checked out/i;

/**
 * True when `error` (or what it wraps: Drizzle puts the driver's error in `cause`) says the
 * database could not be reached. Such a failure is worth retrying: the pool reconnects.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  // A refused socket could be anyone's (storage, Redis): it counts only under a failed query.
  let fromQuery = false;
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    if (e instanceof DrizzleQueryError) fromQuery = true;
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === "string" && UNAVAILABLE_SQLSTATE.test(code)) return true;
    if (typeof code === "string" && fromQuery && UNAVAILABLE_SYSCALL.has(code)) return true;
    if (typeof message === "string" && UNAVAILABLE_MESSAGE.test(message)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * PostgreSQL's "try the transaction again" answers: 40001 (serialization failure) and 40P01
 * (deadlock detected, this transaction chosen to give way). The work was fine; only its write lost
 * a race with another transaction's.
 */
const CONFLICT_SQLSTATE = new Set(["40001", "40P01"]);

/** True when `error` (or what it wraps) is a transaction PostgreSQL asks to be run again. */
export function isTransactionConflict(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const { code } = e as { code?: unknown };
    if (typeof code === "string" && CONFLICT_SQLSTATE.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
