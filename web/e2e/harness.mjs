// Shared set-up of the browser end-to-end tests: the local environment (real
// oidc-provider, stand-in Assistant, host server) and Debian's Chromium driven
// by playwright-core.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startEnv } from "../dev/env.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export const chromiumArgs = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export async function setup(envOpts = {}) {
  const tmp = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-e2e-"));
  process.env.TMPDIR = tmp; // Chromium leaves profile folders behind
  const env = await startEnv({
    staticRoots: {
      "/dist/": join(root, "dist"),
      "/e2e/": join(root, "web", "e2e", "pages"),
      "/examples/": join(root, "web", "examples"),
      "/": join(root, "web", "demo"),
    },
    ...envOpts,
  });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: chromiumArgs, // playwright gives every launch a fresh profile under TMPDIR
  });
  return {
    env,
    browser,
    async close() {
      await browser.close().catch(() => {});
      await env.close().catch(() => {});
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** Opens the e2e app page and waits until corti-auth is loaded. */
export async function openApp(context, env, query = "") {
  const page = await context.newPage();
  page.on("pageerror", (e) => console.error("pageerror:", e.message));
  await page.goto(`${env.hostURL}/e2e/app.html${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === "1");
  return page;
}

/** Starts a login from the page and fills the provider's form. Resolves at the callback URL. */
export async function signIn(page, env, { password = env.user.password, authorize = { prompt: "login" } } = {}) {
  const url = await page.evaluate((o) => window.t.client.authorizeURL(o), authorize);
  await page.goto(url);
  await page.fill("#username", env.user.username);
  await page.fill("#password", password);
  await Promise.all([
    page.waitForURL((u) => u.searchParams.has("state") || u.hash.includes("state="), { timeout: 15000 }),
    page.click("#kc-login"),
  ]);
  await page.waitForFunction(() => document.body.dataset.ready === "1");
  return page.url();
}

/** Signs in and completes the callback; returns the page with window.t.session set. */
export async function signedInPage(context, env, query = "") {
  const page = await openApp(context, env, query);
  await signIn(page, env);
  const r = await page.evaluate(() => window.t.try(async () => { window.t.track(await window.t.client.handleCallback()); return true; }));
  if (!r.ok) throw new Error("handleCallback failed: " + JSON.stringify(r.error));
  return page;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Runs fn(ctx) in a fresh context of browser, closed afterwards whatever happens. */
export async function withContext(browser, fn) {
  const ctx = await browser.newContext();
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
