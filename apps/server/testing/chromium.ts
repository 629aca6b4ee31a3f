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

/**
 * An init script that takes `showOpenFilePicker` away, so the web app's Upload button opens its
 * <input type="file"> as in a browser without that API. Playwright raises its `filechooser` event
 * for the <input> only, never for showOpenFilePicker (microsoft/playwright#8850), so a test or a
 * bench that picks files through the button drives the <input> path, and says so by installing this.
 * The picker path has its own browser test, with a picker faked in the page.
 */
export const INPUT_PICKER_ONLY = `(() => {
  delete window.showOpenFilePicker;
  if (window.Window) delete window.Window.prototype.showOpenFilePicker;
})();`;
