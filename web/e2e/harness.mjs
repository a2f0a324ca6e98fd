// Shared set-up of the browser end-to-end tests: the local environment (real
// oidc-provider, stand-in Assistant, host server) and a browser: Debian's Chromium
// driven by playwright-core, or any of the three engines of engines.mjs (README.md here).
import { describe } from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startEnv } from "../dev/env.mjs";
import { chromiumArgs, launchChromium } from "../dev/browsers.mjs";
import { ENGINES, CAN, launch, poll } from "./engines.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const baseTmp = process.env.TMPDIR || tmpdir(); // setup() points TMPDIR into its own folder while it runs

export { chromiumArgs, ENGINES, CAN };

/**
 * Runs body(engine) inside describe(engine) for each engine of ENGINES (all three unless ENGINES=… says
 * otherwise): a test file written once runs per engine, each engine with its own environment (before/after
 * inside body).
 */
export function forEachEngine(body) {
  for (const engine of ENGINES) describe(engine, { concurrency: 1 }, () => body(engine));
}

/**
 * Starts the local environment and a browser. engine: "chromium" | "firefox" | "webkit" gives the driver of
 * engines.mjs (h.browser.can tells what it can do); without it, Playwright's Chromium (as before the engines).
 */
export async function setup(envOpts = {}, engine) {
  const tmp = mkdtempSync(join(baseTmp, "corti-e2e-"));
  process.env.TMPDIR = tmp; // browsers leave profile folders behind
  const env = await startEnv({
    staticRoots: {
      "/dist/": join(root, "dist"),
      "/e2e/": join(root, "web", "e2e", "pages"),
      "/examples/": join(root, "web", "examples"),
      "/": join(root, "web", "demo"),
    },
    ...envOpts,
  });
  let browser;
  try {
    // A fresh profile under TMPDIR per launch. A browser that dies while starting (Chromium 148 crashed once at
    // launch in a fresh-clone run: "Target page, context or browser has been closed") is started again, twice at most.
    for (let attempt = 1; ; attempt++) {
      try {
        browser = engine ? await launch(engine) : await launchChromium();
        break;
      } catch (e) {
        if (attempt >= 3 || !/has been closed|Browser closed|exited|crash/i.test(String(e && e.message))) throw e;
        process.stderr.write(`e2e: ${engine || "chromium"} died while starting (${String(e.message).split("\n")[0]}); attempt ${attempt + 1}\n`);
      }
    }
  } catch (e) {
    await env.close().catch(() => {});
    throw e;
  }
  return {
    env,
    browser,
    engine: engine || "chromium",
    can: browser.can || { events: true, initScript: true, route: true, binding: true, cdp: true },
    async close() {
      await browser.close().catch(() => {});
      await env.close().catch(() => {});
      // A browser's last child process can still be writing into its profile when close() resolves (Firefox's
      // telemetry database: ENOTEMPTY): retried, and a folder left behind is reported, not a failed test (.ci/run
      // removes its TMPDIR at the end).
      try {
        rmSync(tmp, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
      } catch (e) {
        process.stderr.write(`e2e: ${tmp} left behind: ${e.message}\n`);
      }
      if (process.env.TMPDIR === tmp) process.env.TMPDIR = baseTmp; // the next engine's setup starts from the base again
    },
  };
}

/** Opens the e2e app page and waits until corti-auth is loaded. */
export async function openApp(context, env, query = "") {
  const page = await context.newPage();
  try { page.on("pageerror", (e) => console.error("pageerror:", e.message)); } catch { /* an engine without page events */ }
  await page.goto(`${env.hostURL}/e2e/app.html${query}`);
  // 60 s: a hang guard, as the harness's other condition waits (a loaded machine took over 30 s to load the wasm)
  await page.waitForFunction(() => document.body.dataset.ready === "1", undefined, { timeout: 60000 });
  return page;
}

/** Starts a login from the page and fills the provider's form. Resolves at the callback URL. */
export async function signIn(page, env, { password = env.user.password, authorize = { prompt: "login" } } = {}) {
  const url = await page.evaluate((o) => window.t.client.authorizeURL(o), authorize);
  await page.goto(url);
  await page.fill("#username", env.user.username);
  await page.fill("#password", password);
  await Promise.all([
    page.waitForURL((u) => u.searchParams.has("state") || u.hash.includes("state="), { timeout: 60000 }),
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

/** The document inside the iframe matching sel, in any engine: evaluate, url, waitForSelector, textContent. */
export async function frameOf(page, sel) {
  if (typeof page.contentFrame === "function") return page.contentFrame(sel);
  const el = await page.waitForSelector(sel, { state: "attached" });
  return el.contentFrame();
}

/** Polls fn (async; a throw counts as not yet) until it returns a truthy value, which it returns. */
export const waitFor = (fn, { timeout = 60000, interval = 100, what = "condition" } = {}) => poll(fn, { timeout, interval, what });

/** A PNG of the page's viewport, or of the element sel, in any engine. */
export async function shoot(page, path, sel) {
  if (typeof page.elementScreenshot === "function") return sel ? page.elementScreenshot(sel, { path }) : page.screenshot({ path });
  const opts = { path, animations: "disabled", caret: "hide" }; // Playwright
  return sel ? page.locator(sel).screenshot(opts) : page.screenshot(opts);
}

/** The provider's session id (sid) of a token response or an access token (a JWT), read without verifying. */
export function sidOf(tokensOrJWT) {
  const jwt = typeof tokensOrJWT === "string" ? tokensOrJWT : tokensOrJWT.access_token;
  return JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()).sid;
}

/**
 * The provider's token requests of one kind (grant "refresh_token", "authorization_code", …) for one provider
 * session (sid): what a test caused, not what another session's own refresh schedule did meanwhile.
 */
export const tokenRequests = (env, grant, sid) => env.control.tokenRequests({ grant, sid });
