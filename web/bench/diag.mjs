// Shared set-up of the diagnostic scripts (profile.mjs, startup-profile.mjs, refresh-profile.mjs,
// login-profile.mjs, inittrace.mjs): the local environment serving the bench pages and a dist folder, Chromium,
// contexts carrying the bench pages' configuration, and the corti page's sign-in up to the filled form.
import { chromium } from "playwright-core";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startEnv } from "../dev/env.mjs";
import { chromiumArgs } from "../e2e/harness.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Starts the environment (serving dist, default dist/) and Chromium; close() stops both. */
export async function launch(dist = process.argv[2]) {
  const env = await startEnv({ staticRoots: { "/bench/": join(root, "web/bench/pages"), "/dist/": dist ? resolve(dist) : join(root, "dist") } });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: chromiumArgs });
  return { env, browser, close: async () => { await browser.close(); await env.close(); } };
}

/** A fresh context whose pages get the bench configuration (window.BENCH); godebug is passed to the Go program. */
export async function benchContext(browser, env, { godebug = "" } = {}) {
  const ctx = await browser.newContext();
  await ctx.addInitScript((c) => {
    window.BENCH = c;
    if (!c.godebug) return;
    let G; // GODEBUG reaches the Go program through a wrapped Go constructor (its env)
    Object.defineProperty(globalThis, "Go", {
      configurable: true,
      get() { return G; },
      set(v) { G = class extends v { constructor() { super(); this.env = { ...this.env, GODEBUG: c.godebug }; } }; },
    });
  }, { authBaseURL: env.authBaseURL, issuer: env.issuer, realm: env.tenant, clientId: env.clients.public, godebug });
  return ctx;
}

/** Opens the corti bench page, starts a login and fills the provider's form; the caller submits (#kc-login). */
export async function fillLoginForm(page, env) {
  await page.goto(`${env.hostURL}/bench/corti.html`);
  await page.waitForFunction(() => document.body.dataset.ready === "1");
  await page.click("#sign-in");
  await page.waitForSelector("#username");
  await page.fill("#username", env.user.username);
  await page.fill("#password", env.user.password);
}
