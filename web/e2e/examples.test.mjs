// Issue 8: the three examples under web/examples/ sign in through the provider's form in Chromium, served with a
// strict Content-Security-Policy, and no securitypolicyviolation fires:
//   script-tag   classic <script> tags only
//   vite-spa     a Vite build importing the ES module, the wasm emitted as a hashed asset
//   iframe-host  the Assistant mounted in a side panel; the stand-in shows the user
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { setup } from "./harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const viteOut = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-vite-spa-"));

let h;
let csp; // the policy every example is served with
before(async () => {
  h = await setup({
    staticRoots: {
      "/dist/": join(root, "dist"),
      "/examples/": join(root, "web", "examples"),
      "/vite-spa/": viteOut, // the Vite build of web/examples/vite-spa, made below
      "/": join(root, "web", "demo"),
    },
  });
  csp = policy(h.env);
  h.env.setHostHeaders({ "Content-Security-Policy": csp });
  await buildViteSPA(h.env);
});
after(async () => {
  await h?.close();
  rmSync(viteOut, { recursive: true, force: true });
});

/**
 * The policy of the examples. connect-src must name 'self' as well as the auth origin: connect-src replaces
 * default-src for fetch, and the page fetches its own corti-auth.wasm (and /config.json).
 */
function policy(env, { connectSelf = true } = {}) {
  const auth = new URL(env.authBaseURL).origin;
  const assistant = new URL(env.assistantBaseURL).origin;
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    `connect-src ${connectSelf ? "'self' " : ""}${auth}`,
    `frame-src ${assistant}`,
  ].join("; ");
}

async function buildViteSPA(env) {
  const { build } = await import("vite");
  // The SPA's settings are fixed at build time (see src/main.js).
  Object.assign(process.env, {
    VITE_CORTI_CLIENT_ID: env.clients.public,
    VITE_CORTI_TENANT: env.tenant,
    VITE_CORTI_AUTH_BASE_URL: env.authBaseURL,
    VITE_CORTI_ASSISTANT_BASE_URL: env.assistantBaseURL,
  });
  await build({
    configFile: join(root, "web", "examples", "vite-spa", "vite.config.js"),
    logLevel: "warn",
    build: { outDir: viteOut, emptyOutDir: true },
  });
}

/** A browser context that records every securitypolicyviolation of every page and frame. */
async function watchedContext() {
  const ctx = await h.browser.newContext();
  const violations = [];
  await ctx.exposeBinding("__cortiCSPViolation", (_src, v) => { violations.push(v); });
  await ctx.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cortiCSPViolation({ directive: e.violatedDirective, blocked: e.blockedURI, document: e.documentURI, sample: e.sample });
    }, true);
  });
  return { ctx, violations };
}

/** Opens an example, presses its Sign in button, fills the provider's form; resolves once the page shows the user. */
async function signInThrough(page, url) {
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  const resp = await page.goto(url);
  assert.equal(resp.headers()["content-security-policy"], csp, "served with the policy");
  await page.waitForSelector('#status[data-state="signed-out"]', { timeout: 15000 });
  await Promise.all([page.waitForURL((u) => u.href.startsWith(h.env.authBaseURL)), page.click("#sign-in")]);
  await page.fill("#username", h.env.user.username);
  await page.fill("#password", h.env.user.password);
  await Promise.all([page.waitForURL((u) => u.href.startsWith(h.env.hostURL)), page.click("#kc-login")]);
  await page.waitForSelector('#status[data-state="signed-in"], #status[data-state="error"]', { timeout: 15000 });
  const state = await page.getAttribute("#status", "data-state");
  assert.equal(state, "signed-in", `${await page.textContent("#status")}: ${await page.textContent("#error")}`);
  assert.deepEqual(pageErrors, []);
  assert.doesNotMatch(page.url(), /[?&](code|state)=/, "the callback parameters left the address bar");
}

test("script-tag: classic scripts sign in and show the user, under the strict CSP", async () => {
  const { ctx, violations } = await watchedContext();
  try {
    const page = await ctx.newPage();
    await signInThrough(page, `${h.env.hostURL}/examples/script-tag/`);
    assert.equal(await page.textContent("#name"), h.env.user.name);
    assert.equal(await page.textContent("#email"), h.env.user.email);
    assert.equal(await page.textContent("#tenant"), h.env.tenant);
    assert.equal(await page.evaluate(() => typeof window.CortiAuth.load), "function");
    assert.deepEqual(violations, [], "no securitypolicyviolation");

    // The watch works: a fetch the policy does not allow is reported.
    await page.evaluate((u) => fetch(u).catch(() => {}), `${h.env.assistantBaseURL}/embedded`);
    for (let i = 0; i < 50 && violations.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(violations.length, 1, "a connect-src violation is seen");
    assert.equal(violations[0].directive, "connect-src");
  } finally {
    await ctx.close();
  }
});

test("vite-spa: the Vite build (wasm as a hashed asset) signs in under the strict CSP", async () => {
  const assets = readdirSync(join(viteOut, "assets"));
  assert.ok(assets.some((f) => /^corti-auth-[\w-]+\.wasm$/.test(f)), `the wasm is an emitted asset: ${assets}`);
  const { ctx, violations } = await watchedContext();
  try {
    const page = await ctx.newPage();
    const wasm = [];
    page.on("request", (r) => { if (r.url().endsWith(".wasm")) wasm.push(new URL(r.url()).pathname); });
    await signInThrough(page, `${h.env.hostURL}/vite-spa/`);
    assert.equal(await page.textContent("#name"), h.env.user.name);
    assert.equal(await page.textContent("#email"), h.env.user.email);
    assert.match(await page.textContent("#expires"), /^expires in \d+ s$/);
    assert.ok(wasm.length > 0 && wasm.every((p) => /^\/vite-spa\/assets\/corti-auth-[\w-]+\.wasm$/.test(p)), `wasm from the bundle: ${wasm}`);
    assert.deepEqual(violations, [], "no securitypolicyviolation");
  } finally {
    await ctx.close();
  }
});

test("iframe-host: the Assistant in the side panel shows the signed-in user, under the strict CSP", async () => {
  const { ctx, violations } = await watchedContext();
  try {
    const page = await ctx.newPage();
    await signInThrough(page, `${h.env.hostURL}/examples/iframe-host/`);
    await page.waitForFunction(() => /Assistant signed in as /.test(document.getElementById("assistant-status").textContent), null, { timeout: 15000 });
    assert.equal(await page.textContent("#assistant-status"), `Assistant signed in as ${h.env.user.email}`);
    assert.ok(await page.isVisible("#side-panel iframe.corti-assistant"));
    const frame = page.frames().find((f) => f.url().startsWith(h.env.assistantBaseURL));
    assert.ok(frame, "the Assistant frame");
    await frame.waitForSelector('#status[data-state="authenticated"]', { timeout: 15000 });
    assert.match(await frame.textContent("#user"), new RegExp(`${h.env.user.name} <${h.env.user.email}>`));
    assert.deepEqual(violations, [], "no securitypolicyviolation");
  } finally {
    await ctx.close();
  }
});

test("connect-src without 'self' is not enough: the page cannot fetch its own wasm", async () => {
  h.env.setHostHeaders({ "Content-Security-Policy": policy(h.env, { connectSelf: false }) });
  const { ctx, violations } = await watchedContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${h.env.hostURL}/examples/script-tag/`);
    await page.waitForSelector('#status[data-state="error"]', { timeout: 15000 });
    assert.ok(violations.some((v) => v.directive === "connect-src" && /\/config\.json$|\.wasm$/.test(v.blocked)), JSON.stringify(violations));
  } finally {
    h.env.setHostHeaders({ "Content-Security-Policy": csp });
    await ctx.close();
  }
});
