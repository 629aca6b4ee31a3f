import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/protocol", "packages/uploader", "apps/server", "apps/web"],
    reporters: ["default", "./scripts/summary-reporter.ts"],
  },
});
