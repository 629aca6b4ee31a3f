import type { Logger } from "../../src/events/event-bus.js";

export type LogRecord = { level: "debug" | "info" | "warn" | "error"; msg: string; data: unknown };

/** A Logger that keeps what it is given, for tests that assert a failure was logged. */
export function captureLogger(): { logger: Logger; records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at =
    (level: LogRecord["level"]) =>
    (data: unknown, msg?: unknown): void => {
      if (typeof data === "string") records.push({ level, msg: data, data: undefined });
      else records.push({ level, msg: String(msg ?? ""), data });
    };
  return { logger: { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") }, records };
}
