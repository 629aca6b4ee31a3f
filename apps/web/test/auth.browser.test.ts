import path from "node:path";
import type { Locator } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSuite, SCREENSHOT_DIR, uniqueEmail } from "./harness";

const PASSWORD = "correct horse battery";
const SESSION_KEY = "rapidphoto.session";

/** playwright-core has no web-first assertions; these wait the same way (Playwright's auto-wait). */
const WAIT = { timeout: 30_000 };
const suite = browserSuite({ pages: true });

const visible = (locator: Locator) => locator.waitFor({ state: "visible", ...WAIT });
const attribute = (locator: Locator, name: string) => expect.poll(() => locator.getAttribute(name), WAIT);
const text = (locator: Locator) => expect.poll(async () => (await locator.textContent())?.trim(), WAIT);

/** Opens the app the way a person does (its root) and follows the guard to the sign-in page. */
async function openSignIn() {
  await suite.page.goto("/");
  await suite.page.waitForURL("**/login");
  await visible(suite.page.getByRole("heading", { name: "Sign in" }));
}

async function openRegister() {
  await openSignIn();
  await suite.page.getByRole("link", { name: "Create an account" }).click();
  await suite.page.waitForURL("**/register");
  await visible(suite.page.getByRole("heading", { name: "Create your account" }));
}

async function signIn(email: string, password: string) {
  await suite.page.getByLabel("Email").fill(email);
  await suite.page.getByLabel("Password").fill(password);
  await suite.page.getByRole("button", { name: "Sign in", exact: true }).click();
}

async function registerThroughApi(email: string) {
  const response = await fetch(`${suite.server.url}/api/auth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  expect(response.status).toBe(201);
}

async function expectShell(email: string) {
  await suite.page.waitForURL(`${suite.server.url}/`);
  const header = suite.page.getByRole("banner");
  await visible(header.getByText("RapidPhoto"));
  await visible(header.getByRole("searchbox", { name: "Search photos" }));
  await visible(header.getByRole("button", { name: "Upload", exact: true }));
  await text(header.getByRole("button", { name: `Account menu for ${email}` })).toContain(email);

  await visible(suite.page.getByRole("button", { name: "New", exact: true }));
  const nav = suite.page.getByRole("navigation", { name: "Library" });
  for (const item of ["My Files", "Recent", "Trash"]) {
    await visible(nav.getByRole("link", { name: item }));
  }
  await attribute(nav.getByRole("link", { name: "My Files" }), "aria-current").toBe("page");
  await text(suite.page.getByTestId("empty-library")).toContain("Drop photos here or click Upload");
}

async function signOut(email: string) {
  await suite.page.getByRole("button", { name: `Account menu for ${email}` }).click();
  const menu = suite.page.getByRole("menu");
  await text(menu).toContain(email);
  await menu.getByRole("menuitem", { name: "Sign out" }).click();
  await suite.page.waitForURL("**/login");
  await visible(suite.page.getByRole("heading", { name: "Sign in" }));
  expect(await suite.page.evaluate((key) => localStorage.getItem(key), SESSION_KEY)).toBeNull();
}

describe("signing up and in", () => {
  it("registers, stays signed in across a reload, signs out and back in, and rejects a wrong password", async () => {
    const email = uniqueEmail("flow");
    await openSignIn();
    await suite.page.screenshot({ path: path.join(SCREENSHOT_DIR, "web-login.png") });

    await suite.page.getByRole("link", { name: "Create an account" }).click();
    await suite.page.waitForURL("**/register");
    await visible(suite.page.getByRole("heading", { name: "Create your account" }));
    await suite.page.getByLabel("Email").fill(email);
    await suite.page.getByLabel("Password").fill(PASSWORD);
    await suite.page.getByRole("button", { name: "Create account" }).click();
    await expectShell(email);
    await suite.page.screenshot({ path: path.join(SCREENSHOT_DIR, "web-shell.png") });

    const stored = await suite.page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? "null"), SESSION_KEY);
    expect(stored).toMatchObject({ email, token: expect.any(String), expiresAt: expect.any(Number) });
    expect(stored.expiresAt).toBeGreaterThan(Date.now());

    // A reload keeps the session: the stored token is checked with GET /api/auth/me.
    const meChecked = suite.page.waitForResponse((response) => response.url().endsWith("/api/auth/me"));
    await suite.page.reload();
    expect((await meChecked).status()).toBe(200);
    await expectShell(email);

    await signOut(email);
    await signIn(email, PASSWORD);
    await expectShell(email);

    await signOut(email);
    await signIn(email, "not the password");
    await text(suite.page.locator("form").getByRole("alert")).toBe("Email or password is incorrect.");
    expect(suite.page.url()).toBe(`${suite.server.url}/login`);
  });

  it("validates the registration form inline without sending a request", async () => {
    const authRequests: string[] = [];
    suite.page.on("request", (request) => {
      if (request.url().includes("/api/auth/")) authRequests.push(request.url());
    });
    await openRegister();

    await suite.page.getByLabel("Email").fill("not-an-email");
    await suite.page.getByLabel("Password").fill("short");
    await suite.page.getByRole("button", { name: "Create account" }).click();

    await visible(suite.page.getByText("Enter a valid email address."));
    await visible(suite.page.getByText("Use at least 8 characters."));
    await attribute(suite.page.getByLabel("Email"), "aria-invalid").toBe("true");
    await attribute(suite.page.getByLabel("Password"), "aria-invalid").toBe("true");
    await expect
      .poll(() => suite.page.getByLabel("Email").evaluate((element) => element === document.activeElement), WAIT)
      .toBe(true);
    await suite.page.screenshot({ path: path.join(SCREENSHOT_DIR, "web-register-errors.png") });
    expect(authRequests).toEqual([]);
    expect(suite.page.url()).toBe(`${suite.server.url}/register`);
  });

  it("says under the email field when the address is already registered", async () => {
    const email = uniqueEmail("taken");
    await registerThroughApi(email);

    await openRegister();
    await suite.page.getByLabel("Email").fill(email);
    await suite.page.getByLabel("Password").fill(PASSWORD);
    await suite.page.getByRole("button", { name: "Create account" }).click();

    await visible(suite.page.getByText("An account with this email already exists."));
    await attribute(suite.page.getByLabel("Email"), "aria-invalid").toBe("true");
  });

  it("sends a stored token the server rejects back to sign-in", async () => {
    // Settle on the signed-out app first, so the forged session is read only by the next page load.
    await openSignIn();
    const forged = { token: "forged", userId: "user_x", email: "x@example.com", expiresAt: Date.now() + 3_600_000 };
    await suite.page.evaluate(({ key, value }) => localStorage.setItem(key, value), {
      key: SESSION_KEY,
      value: JSON.stringify(forged),
    });

    const meChecked = suite.page.waitForResponse((response) => response.url().endsWith("/api/auth/me"));
    await suite.page.goto("/");
    expect((await meChecked).status()).toBe(401);
    await suite.page.waitForURL("**/login");
    await visible(suite.page.getByRole("heading", { name: "Sign in" }));
    expect(await suite.page.evaluate((key) => localStorage.getItem(key), SESSION_KEY)).toBeNull();
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
      suite.page.getByRole("banner").getByRole("button", { name: "Upload", exact: true }),
      suite.page.getByRole("button", { name: "New", exact: true }),
      suite.page.getByTestId("empty-library").getByRole("button", { name: "Upload photos" }),
    ];
    for (const button of buttons) {
      const chooser = suite.page.waitForEvent("filechooser");
      await button.click();
      expect((await chooser).isMultiple()).toBe(true);
      await (await chooser).setFiles([]);
    }

    const chooser = suite.page.waitForEvent("filechooser");
    await buttons[0]!.click();
    await (await chooser).setFiles([
      { name: "beach.jpg", mimeType: "image/jpeg", buffer: Buffer.from([0xff, 0xd8, 0xff]) },
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") },
    ]);
    await visible(suite.page.getByText("1 file skipped"));
    await visible(suite.page.getByText(/notes\.txt isn't an image RapidPhoto takes/));
    const row = suite.page.locator('[data-testid="upload-row"][data-name="beach.jpg"]');
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
      const response = await suite.page.goto(url);
      expect(response?.status(), `GET ${url}`).toBe(200);
      await visible(suite.page.getByRole("heading", { name: heading }));
    }

    const missing = await suite.page.goto("/no-such-page");
    expect(missing?.status()).toBe(404);
    await visible(suite.page.getByRole("heading", { name: "This page doesn't exist" }));
  });
});
