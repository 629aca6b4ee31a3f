import { writeFile } from "node:fs/promises";
import path from "node:path";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { makeTestJpeg } from "../../server/testing/generate-test-jpeg";
import { browserSuite } from "./harness";

const WAIT = { timeout: 60_000 };

/** Every CSP violation the page reports, from the DOM event and from the console. */
async function watchViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(`console: ${message.text()}`);
  });
  await page.exposeFunction("__reportCspViolation", (line: string) => violations.push(line));
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (window as unknown as { __reportCspViolation(line: string): void }).__reportCspViolation;
      report(
        `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`,
      );
    });
  });
  return violations;
}

const suite = browserSuite({ dirPrefix: "rapidphoto-csp-" });
describe("the app under its Content-Security-Policy", () => {
  it("signs up, uploads a photo, shows it live and as a thumbnail, with no CSP violation", async () => {
    const context = await suite.browser.newContext({
      baseURL: suite.server.url,
      viewport: { width: 1280, height: 800 },
    });
    const page = await context.newPage();
    const violations = await watchViolations(page);
    try {
      const response = await page.goto("/register");
      const csp = response?.headers()["content-security-policy"] ?? "";
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toMatch(/script-src 'self' 'sha256-/);
      expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);

      await page.getByLabel("Email").fill(`csp-${Date.now()}@example.com`);
      await page.getByLabel("Password").fill("correct horse battery");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`${suite.server.url}/`);
      await page.getByTestId("empty-library").waitFor(WAIT);

      const file = path.join(suite.dir, "csp.jpg");
      await writeFile(file, await makeTestJpeg({ width: 640, height: 480 }));
      await page.getByTestId("photo-picker-input").setInputFiles([file]);
      await page.locator("[data-sonner-toast]").getByText("1 photo uploaded", { exact: true }).waitFor(WAIT);
      // The thumbnail from signed storage URLs is drawn (img-src) — naturalWidth is 0 when blocked.
      const thumbnail = page.locator("main img").first();
      await thumbnail.waitFor(WAIT);
      await expect
        .poll(() => thumbnail.evaluate((img) => (img as HTMLImageElement).naturalWidth), WAIT)
        .toBeGreaterThan(0);
      // Client-side navigation (the router's payload fetches and inline scripts) works too.
      await page.goto("/recent");
      await page.waitForLoadState("networkidle");
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
