/** What the fan-out bench and its subscriber process say to each other over the fork IPC channel. */

/** "broker": STOMP over /ws/websocket of the real app; "bare": plain `ws` messages, no STOMP. */
export type SubscriberSet = "broker" | "bare";

export type SubscriberCommand =
  | {
      type: "open";
      set: SubscriberSet;
      url: string;
      count: number;
      /** STOMP only: the CONNECT token and the topic every connection subscribes to. */
      stomp?: { token: string; destination: string };
    }
  /** Reset the counters: every connection now expects seq firstSeq … firstSeq + messages − 1, in order. */
  | { type: "arm"; set: SubscriberSet; firstSeq: number; messages: number }
  | { type: "close" };

export type SubscriberReport =
  | { type: "opened"; set: SubscriberSet }
  | { type: "armed"; set: SubscriberSet }
  /**
   * `at` is when the last connection got the last message, on the wall clock (see `wallNow`);
   * `cpuMicros` is the subscriber process' CPU time (user + system) since "arm".
   */
  | { type: "done"; set: SubscriberSet; at: number; deliveries: number; cpuMicros: number }
  | { type: "failed"; message: string };

/**
 * Milliseconds on the wall clock with sub-millisecond resolution: comparable across the two
 * processes (both read the same system clock), unlike `performance.now()` alone.
 */
export const wallNow = () => performance.timeOrigin + performance.now();
