import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "server",
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "testing/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Suites start servers, databases and child processes: keep them in separate processes.
    pool: "forks",
  },
});
