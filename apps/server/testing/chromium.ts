/** Debian's Chromium, never a downloaded one: launched by the browser tests and the browser benches alike. */
export const CHROMIUM = "/usr/bin/chromium";

/** Headless on this machine: no sandbox as root, no GPU, and no calls home (the network is closed). */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];
