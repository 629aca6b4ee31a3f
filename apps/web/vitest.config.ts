import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

export default defineProject({
  // The app's "@/…" imports (tsconfig paths), for unit tests of modules that use them.
  resolve: { alias: { "@": fileURLToPath(new URL("./src", import.meta.url)) } },
  test: {
    name: "web",
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: "forks",
    // Browser suites share one built export and one Chromium at a time.
    fileParallelism: false,
  },
});
