import path from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { launchBrowser, prepareWebBuild, type RunningServer, SCREENSHOT_DIR, startServer } from "./harness";

const PASSWORD = "correct horse battery";
const SESSION_KEY = "rapidphoto.session";

let server: RunningServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;

/** playwright-core has no web-first assertions; these wait the same way (Playwright's auto-wait). */
const WAIT = { timeout: 30_000 };
const visible = (locator: Locator) => locator.waitFor({ state: "visible", ...WAIT });
const attribute = (locator: Locator, name: string) => expect.poll(() => locator.getAttribute(name), WAIT);
const text = (locator: Locator) => expect.poll(async () => (await locator.textContent())?.trim(), WAIT);

const uniqueEmail = (label: string) => `${label}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

beforeAll(async () => {
  await prepareWebBuild();
  server = await startServer();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

beforeEach(async () => {
  context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(WAIT.timeout);
  page = await context.newPage();
});

afterEach(async () => {
  await context?.close();
});

/** Opens the app the way a person does (its root) and follows the guard to the sign-in page. */
async function openSignIn() {
  await page.goto("/");
  await page.waitForURL("**/login");
  await visible(page.getByRole("heading", { name: "Sign in" }));
}

async function openRegister() {
  await openSignIn();
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.waitForURL("**/register");
  await visible(page.getByRole("heading", { name: "Create your account" }));
}

async function signIn(email: string, password: string) {
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

async function registerThroughApi(email: string) {
  const response = await fetch(`${server.url}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(response.status).toBe(201);
}

async function expectShell(email: string) {
  await page.waitForURL(`${server.url}/`);
  const header = page.getByRole("banner");
  await visible(header.getByText("RapidPhoto"));
  await visible(header.getByRole("searchbox", { name: "Search photos" }));
  await visible(header.getByRole("button", { name: "Upload", exact: true }));
  await text(header.getByRole("button", { name: `Account menu for ${email}` })).toContain(email);

  await visible(page.getByRole("button", { name: "New", exact: true }));
  const nav = page.getByRole("navigation", { name: "Library" });
  for (const item of ["My Files", "Recent", "Trash"]) {
    await visible(nav.getByRole("link", { name: item }));
  }
  await attribute(nav.getByRole("link", { name: "My Files" }), "aria-current").toBe("page");
  await text(page.getByTestId("empty-library")).toContain("Drop photos here or click Upload");
}

async function signOut(email: string) {
  await page.getByRole("button", { name: `Account menu for ${email}` }).click();
  const menu = page.getByRole("menu");
  await text(menu).toContain(email);
  await menu.getByRole("menuitem", { name: "Sign out" }).click();
  await page.waitForURL("**/login");
  await visible(page.getByRole("heading", { name: "Sign in" }));
  expect(await page.evaluate((key) => localStorage.getItem(key), SESSION_KEY)).toBeNull();
}

describe("signing up and in", () => {
  it("registers, stays signed in across a reload, signs out and back in, and rejects a wrong password", async () => {
    const email = uniqueEmail("flow");
    await openSignIn();
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "web-login.png") });

    await page.getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL("**/register");
    await visible(page.getByRole("heading", { name: "Create your account" }));
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();
    await expectShell(email);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "web-shell.png") });

    const stored = await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "null"), SESSION_KEY);
    expect(stored).toMatchObject({ email, token: expect.any(String), expiresAt: expect.any(Number) });
    expect(stored.expiresAt).toBeGreaterThan(Date.now());

    // A reload keeps the session: the stored token is checked with GET /api/auth/me.
    const meChecked = page.waitForResponse((response) => response.url().endsWith("/api/auth/me"));
    await page.reload();
    expect((await meChecked).status()).toBe(200);
    await expectShell(email);

    await signOut(email);
    await signIn(email, PASSWORD);
    await expectShell(email);

    await signOut(email);
    await signIn(email, "not the password");
    await text(page.locator("form").getByRole("alert")).toBe("Email or password is incorrect.");
    expect(page.url()).toBe(`${server.url}/login`);
  });

  it("validates the registration form inline without sending a request", async () => {
    const authRequests: string[] = [];
    page.on("request", (request) => {
      if (request.url().includes("/api/auth/")) authRequests.push(request.url());
    });
    await openRegister();

    await page.getByLabel("Email").fill("not-an-email");
    await page.getByLabel("Password").fill("short");
    await page.getByRole("button", { name: "Create account" }).click();

    await visible(page.getByText("Enter a valid email address."));
    await visible(page.getByText("Use at least 8 characters."));
    await attribute(page.getByLabel("Email"), "aria-invalid").toBe("true");
    await attribute(page.getByLabel("Password"), "aria-invalid").toBe("true");
    await expect
      .poll(() => page.getByLabel("Email").evaluate((element) => element === document.activeElement), WAIT)
      .toBe(true);
    await page.screenshot({ path: path.join(SCREENSHOT_DIR, "web-register-errors.png") });
    expect(authRequests).toEqual([]);
    expect(page.url()).toBe(`${server.url}/register`);
  });

  it("says under the email field when the address is already registered", async () => {
    const email = uniqueEmail("taken");
    await registerThroughApi(email);

    await openRegister();
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Create account" }).click();

    await visible(page.getByText("An account with this email already exists."));
    await attribute(page.getByLabel("Email"), "aria-invalid").toBe("true");
  });

  it("sends a stored token the server rejects back to sign-in", async () => {
    // Settle on the signed-out app first, so the forged session is read only by the next page load.
    await openSignIn();
    const forged = { token: "forged", userId: "user_x", email: "x@example.com", expiresAt: Date.now() + 3_600_000 };
    await page.evaluate(({ key, value }) => localStorage.setItem(key, value), {
      key: SESSION_KEY,
      value: JSON.stringify(forged),
    });

    const meChecked = page.waitForResponse((response) => response.url().endsWith("/api/auth/me"));
    await page.goto("/");
    expect((await meChecked).status()).toBe(401);
    await page.waitForURL("**/login");
    await visible(page.getByRole("heading", { name: "Sign in" }));
    expect(await page.evaluate((key) => localStorage.getItem(key), SESSION_KEY)).toBeNull();
  });
});

describe("the signed-in shell", () => {
  it("opens the photo picker from Upload, New and the empty library, uploads photos and names skipped files", async () => {
    const email = uniqueEmail("picker");
    await registerThroughApi(email);
    await openSignIn();
    await signIn(email, PASSWORD);
    await expectShell(email);

    const buttons = [
      page.getByRole("banner").getByRole("button", { name: "Upload", exact: true }),
      page.getByRole("button", { name: "New", exact: true }),
      page.getByTestId("empty-library").getByRole("button", { name: "Upload photos" }),
    ];
    for (const button of buttons) {
      const chooser = page.waitForEvent("filechooser");
      await button.click();
      expect((await chooser).isMultiple()).toBe(true);
      await (await chooser).setFiles([]);
    }

    const chooser = page.waitForEvent("filechooser");
    await buttons[0]!.click();
    await (await chooser).setFiles([
      { name: "beach.jpg", mimeType: "image/jpeg", buffer: Buffer.from([0xff, 0xd8, 0xff]) },
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") },
    ]);
    await visible(page.getByText("1 file skipped"));
    await visible(page.getByText(/notes\.txt isn't an image RapidPhoto takes/));
    const row = page.locator('[data-testid="upload-row"][data-name="beach.jpg"]');
    await visible(row);
    // Three bytes of JPEG header: stored, then failed by the server's image check.
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 60_000 }).toBe("FAILED");
  });
});

describe("static pages", () => {
  it("serves each page at its clean URL and unknown paths as the 404 page", async () => {
    for (const [url, heading] of [
      ["/login", "Sign in"],
      ["/register", "Create your account"],
    ] as const) {
      const response = await page.goto(url);
      expect(response?.status(), `GET ${url}`).toBe(200);
      await visible(page.getByRole("heading", { name: heading }));
    }

    const missing = await page.goto("/no-such-page");
    expect(missing?.status()).toBe(404);
    await visible(page.getByRole("heading", { name: "This page doesn't exist" }));
  });
});
