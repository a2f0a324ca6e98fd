// Issue 8: the three examples under web/examples/ sign in through the provider's form in Chromium, served with a
// strict Content-Security-Policy, and no securitypolicyviolation fires:
//   script-tag   classic <script> tags only
//   vite-spa     a Vite build importing the ES module, the wasm emitted as a hashed asset
//   iframe-host  the Assistant mounted in a side panel; the stand-in shows the user
// Runs in every engine of ENGINES. The securitypolicyviolation watch needs an init script (Chromium, Firefox);
// WebKit over WebDriver classic has none, so there the tests say so in their names and check the rest.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { setup, frameOf, forEachEngine, CAN } from "./harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const viteOut = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-vite-spa-"));
let built = false; // the Vite build is made once, for the first engine's environment (its settings are the same)
after(() => rmSync(viteOut, { recursive: true, force: true }));

forEachEngine((engine) => {
const can = CAN[engine];
const watched = can.initScript ? "" : " (no securitypolicyviolation watch: needs an init script, not in WebKit's WebDriver)";
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
  }, engine);
  csp = policy(h.env);
  h.env.setHostHeaders({ "Content-Security-Policy": csp });
  // The ports differ per environment, and the SPA's settings are fixed at build time: built for each engine.
  await buildViteSPA(h.env);
  built = true;
});
after(async () => {
  await h?.close();
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
  if (can.binding) {
    await ctx.exposeBinding("__cortiCSPViolation", (_src, v) => { violations.push(v); });
    await ctx.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__cortiCSPViolation({ directive: e.violatedDirective, blocked: e.blockedURI, document: e.documentURI, sample: e.sample });
      }, true);
    });
  } else if (can.initScript) {
    // No binding: each document keeps its violations in sessionStorage (per origin and tab, it outlives the
    // sign-in's navigations); read(page) collects the host origin's.
    await ctx.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        const k = "e2e-csp-violations";
        const v = { directive: e.violatedDirective, blocked: e.blockedURI, document: e.documentURI, sample: e.sample };
        sessionStorage.setItem(k, JSON.stringify([...JSON.parse(sessionStorage.getItem(k) || "[]"), v]));
      }, true);
    });
  }
  const read = async (page) => {
    if (can.binding || !can.initScript) return violations;
    violations.splice(0, violations.length, ...await page.evaluate(() => JSON.parse(sessionStorage.getItem("e2e-csp-violations") || "[]")));
    return violations;
  };
  return { ctx, violations, read };
}

/** Opens an example, presses its Sign in button, fills the provider's form; resolves once the page shows the user. */
async function signInThrough(page, url) {
  const pageErrors = [];
  if (can.events) page.on("pageerror", (e) => pageErrors.push(e.message));
  assert.equal((await fetch(url)).headers.get("content-security-policy"), csp, "served with the policy");
  await page.goto(url);
  await page.waitForSelector('#status[data-state="signed-out"]', { timeout: 60000 });
  await Promise.all([page.waitForURL((u) => u.href.startsWith(h.env.authBaseURL)), page.click("#sign-in")]);
  await page.fill("#username", h.env.user.username);
  await page.fill("#password", h.env.user.password);
  await Promise.all([page.waitForURL((u) => u.href.startsWith(h.env.hostURL)), page.click("#kc-login")]);
  await page.waitForSelector('#status[data-state="signed-in"], #status[data-state="error"]', { timeout: 60000 });
  const state = await page.getAttribute("#status", "data-state");
  assert.equal(state, "signed-in", `${await page.textContent("#status")}: ${await page.textContent("#error")}`);
  assert.deepEqual(pageErrors, []);
  assert.doesNotMatch(await page.url(), /[?&](code|state)=/, "the callback parameters left the address bar");
}

test(`script-tag: classic scripts sign in and show the user, under the strict CSP${watched}`, async () => {
  const { ctx, violations, read } = await watchedContext();
  try {
    const page = await ctx.newPage();
    await signInThrough(page, `${h.env.hostURL}/examples/script-tag/`);
    assert.equal(await page.textContent("#name"), h.env.user.name);
    assert.equal(await page.textContent("#email"), h.env.user.email);
    assert.equal(await page.textContent("#tenant"), h.env.tenant);
    assert.equal(await page.evaluate(() => typeof window.CortiAuth.load), "function");
    if (can.initScript) {
      assert.deepEqual(await read(page), [], "no securitypolicyviolation");
      // The watch works: a fetch the policy does not allow is reported.
      await page.evaluate((u) => fetch(u).catch(() => {}), `${h.env.assistantBaseURL}/embedded`);
      for (let i = 0; i < 50 && (await read(page)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(violations.length, 1, "a connect-src violation is seen");
      assert.equal(violations[0].directive, "connect-src");
    }
  } finally {
    await ctx.close();
  }
});

test(`vite-spa: the Vite build (wasm as a hashed asset) signs in under the strict CSP${watched}`, async () => {
  assert.ok(built);
  const assets = readdirSync(join(viteOut, "assets"));
  assert.ok(assets.some((f) => /^corti-auth-[\w-]+\.wasm$/.test(f)), `the wasm is an emitted asset: ${assets}`);
  const { ctx, read } = await watchedContext();
  try {
    const page = await ctx.newPage();
    await signInThrough(page, `${h.env.hostURL}/vite-spa/`);
    // The signed-in document's fetches (Resource Timing): its wasm came from the bundle.
    const wasm = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname).filter((p) => p.endsWith(".wasm")));
    assert.equal(await page.textContent("#name"), h.env.user.name);
    assert.equal(await page.textContent("#email"), h.env.user.email);
    assert.match(await page.textContent("#expires"), /^expires in \d+ s$/);
    assert.ok(wasm.length > 0 && wasm.every((p) => /^\/vite-spa\/assets\/corti-auth-[\w-]+\.wasm$/.test(p)), `wasm from the bundle: ${wasm}`);
    if (can.initScript) assert.deepEqual(await read(page), [], "no securitypolicyviolation");
  } finally {
    await ctx.close();
  }
});

test(`iframe-host: the Assistant in the side panel shows the signed-in user, under the strict CSP${watched}`, async () => {
  const { ctx, read } = await watchedContext();
  try {
    const page = await ctx.newPage();
    await signInThrough(page, `${h.env.hostURL}/examples/iframe-host/`);
    await page.waitForFunction(() => /Assistant signed in as /.test(document.getElementById("assistant-status").textContent), null, { timeout: 180000 });
    assert.equal(await page.textContent("#assistant-status"), `Assistant signed in as ${h.env.user.email}`);
    assert.ok(await page.isVisible("#side-panel iframe.corti-assistant"));
    const frame = await frameOf(page, "#side-panel iframe.corti-assistant");
    assert.ok((await frame.url()).startsWith(h.env.assistantBaseURL), "the Assistant frame");
    await frame.waitForSelector('#status[data-state="authenticated"]', { timeout: 60000 });
    assert.match(await frame.textContent("#user"), new RegExp(`${h.env.user.name} <${h.env.user.email}>`));
    if (can.initScript) assert.deepEqual(await read(page), [], "no securitypolicyviolation");
  } finally {
    await ctx.close();
  }
});

test(`connect-src without 'self' is not enough: the page cannot fetch its own wasm${watched}`, async () => {
  h.env.setHostHeaders({ "Content-Security-Policy": policy(h.env, { connectSelf: false }) });
  const { ctx, read } = await watchedContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${h.env.hostURL}/examples/script-tag/`);
    await page.waitForSelector('#status[data-state="error"]', { timeout: 60000 });
    if (can.initScript) {
      const violations = await read(page);
      assert.ok(violations.some((v) => v.directive === "connect-src" && /\/config\.json$|\.wasm$/.test(v.blocked)), JSON.stringify(violations));
    }
  } finally {
    h.env.setHostHeaders({ "Content-Security-Policy": csp });
    await ctx.close();
  }
});
});
