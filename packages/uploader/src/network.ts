import { onAbort } from "./abort.js";

/** Whether the device is online, so the engine can wait for the network instead of spending retries. */
export interface NetworkMonitor {
  isOnline(): boolean;
  /** Called with the new state on every change. Returns an unsubscribe function. */
  subscribe(listener: (online: boolean) => void): () => void;
}

/** Node, workers without `online` events, tests: assume online and let requests fail on their own. */
export const alwaysOnline: NetworkMonitor = {
  isOnline: () => true,
  subscribe: () => () => {},
};

type OnlineEventTarget = {
  addEventListener(type: "online" | "offline", listener: () => void): void;
  removeEventListener(type: "online" | "offline", listener: () => void): void;
};

/** The browser's `navigator.onLine` and window `online`/`offline` events; `alwaysOnline` elsewhere. */
export function defaultNetworkMonitor(): NetworkMonitor {
  const g = globalThis as unknown as { navigator?: { onLine?: boolean } } & Partial<OnlineEventTarget>;
  if (typeof g.navigator?.onLine !== "boolean" || typeof g.addEventListener !== "function") return alwaysOnline;
  const target = g as OnlineEventTarget;
  return {
    isOnline: () => g.navigator?.onLine !== false,
    subscribe(listener) {
      const online = () => listener(true);
      const offline = () => listener(false);
      target.addEventListener("online", online);
      target.addEventListener("offline", offline);
      return () => {
        target.removeEventListener("online", online);
        target.removeEventListener("offline", offline);
      };
    },
  };
}

/** Resolves once online (at once if already), or rejects with the signal's reason. */
export function waitOnline(monitor: NetworkMonitor, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  if (monitor.isOnline()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const unsubscribe = monitor.subscribe((online) => {
      if (!online) return;
      cleanup();
      resolve();
    });
    const stop = onAbort(signal, () => {
      cleanup();
      reject(signal.reason);
    });
    const cleanup = () => {
      unsubscribe();
      stop();
    };
  });
}
