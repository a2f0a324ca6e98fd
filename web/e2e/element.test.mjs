// Issue 24: the <corti-assistant> element (dist/corti-assistant.js), served with a strict Content-Security-Policy.
//   - One host script written against <corti-embedded>'s element API (pages/element/host.js) runs on <corti-assistant>
//     (component mode: the page calls auth(tokens)) and gives what the official component gives (COMPONENT below,
//     recorded from @corti/embedded-web 1.0.1 by the side-by-side test).
//   - Side by side with the official component: with CORTI_EMBEDDED_WEB=<folder of its build, web-bundle.js> the same
//     script runs on both and the results are compared. The component accepts only https://assistant.<x>.corti.app,
//     so the test maps that origin onto the stand-in with Playwright's request routing (Chromium); CI has no copy of
//     the component, so there the test is skipped, saying why. A build from its source (github.com/corticph/embedded-web,
//     tag v1.0.1; its dependencies from npm): `npm install && npx tsc && npx esbuild dist/web-index.js --bundle
//     --format=esm --platform=browser --outfile=dist/web-bundle.js`, then CORTI_EMBEDDED_WEB=<its dist/>.
//   - The sign-in attributes: the static example (redirect), the desktop page at http://127.0.0.1:<port>/ (popup),
//     the React example (Vite build).
// Runs in every engine of ENGINES.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { setup, forEachEngine, waitFor, CAN } from "./harness.mjs";
import { waitForPopup } from "./engines.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const official = process.env.CORTI_EMBEDDED_WEB ? resolve(process.env.CORTI_EMBEDDED_WEB) : "";
const reactOut = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-react-"));
after(() => rmSync(reactOut, { recursive: true, force: true }));

// How long a page may take to show signed in or out on load: the element's restore() gives its silent step up to 20 s.
// The example's lands on /dist/callback.html (silent-redirect-uri), which loads no wasm; when the step landed on the
// page itself, wasm and all, a loaded machine's WebKit needed more than the 20 s (a soak run resumed signed-out).
const RESTORE = 45000;

// The component's origin rule (https://assistant.<x>.corti.app): the stand-in is reached there through routing.
const ROUTED = "https://assistant.e2e.corti.app";

// What the host script returns on @corti/embedded-web 1.0.1 against the stand-in (side-by-side run, Chromium),
// less what varies per run (ids, ports). <corti-assistant> must give the same.
const TEMPLATES = {
  templates: [
    { id: "soap", name: "SOAP note", templateType: "built-in", language: { code: "en", name: "English" }, isCustom: false },
    { id: "discharge", name: "Discharge summary", templateType: "built-in", language: { code: "en", name: "English" }, isCustom: false },
    { id: "referral", name: "Referral letter", description: "To a specialist", templateType: "custom", language: { code: "en", name: "English" }, isCustom: true },
  ],
};

forEachEngine((engine) => {
const can = CAN[engine];
const watched = can.initScript ? "" : " (no securitypolicyviolation watch: needs an init script, not in WebKit's WebDriver)";
let h;
before(async () => {
  h = await setup({
    staticRoots: {
      "/dist/": join(root, "dist"),
      "/e2e/": join(root, "web", "e2e", "pages"),
      "/examples/": join(root, "web", "examples"),
      "/react/": reactOut,
      "/demo/": join(root, "web", "demo"),
      ...(official ? { "/official/": official } : {}),
      // The desktop case: the page is the loopback server's root, http://127.0.0.1:<port>/.
      "/": join(root, "web", "examples", "desktop"),
    },
  }, engine);
  h.env.setHostHeaders({ "Content-Security-Policy": policy(h.env) });
  await buildReact(h.env); // its settings (ports) are fixed at build time: built for each engine's environment
});
after(async () => { await h?.close(); });

/**
 * The examples' policy, plus frame-src 'self' and the auth origin for restore()'s silent step (its hidden iframe loads
 * the provider's authorize endpoint, which redirects to the page itself).
 */
function policy(env, extraFrames = "") {
  return [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    `connect-src 'self' ${new URL(env.authBaseURL).origin}`,
    `frame-src 'self' ${new URL(env.authBaseURL).origin} ${new URL(env.assistantBaseURL).origin}${extraFrames}`,
  ].join("; ");
}

async function buildReact(env) {
  const { build } = await import("vite");
  Object.assign(process.env, {
    VITE_CORTI_CLIENT_ID: env.clients.public,
    VITE_CORTI_TENANT: env.tenant,
    VITE_CORTI_AUTH_BASE_URL: env.authBaseURL,
    VITE_CORTI_ASSISTANT_BASE_URL: env.assistantBaseURL,
  });
  await build({
    configFile: join(root, "web", "examples", "react", "vite.config.js"),
    logLevel: "warn",
    build: { outDir: reactOut, emptyOutDir: true },
  });
}

/** A context recording every securitypolicyviolation (where the engine has init scripts). */
async function watchedContext() {
  const ctx = await h.browser.newContext();
  if (can.initScript) {
    await ctx.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        const k = "e2e-csp-violations";
        sessionStorage.setItem(k, JSON.stringify([...JSON.parse(sessionStorage.getItem(k) || "[]"),
          { directive: e.violatedDirective, blocked: e.blockedURI, sample: e.sample }]));
      }, true);
    });
  }
  const violations = async (page) => (can.initScript ? page.evaluate(() => JSON.parse(sessionStorage.getItem("e2e-csp-violations") || "[]")) : []);
  return { ctx, violations };
}

async function fillLogin(page) {
  await page.waitForSelector("#password", { timeout: 60000 });
  await page.fill("#username", h.env.user.username);
  await page.fill("#password", h.env.user.password);
}

/** Opens the host-script page for tag/src/base, signs in to get a token response, returns the page. */
async function hostPage(ctx, { tag, src, base }) {
  const page = await ctx.newPage();
  const q = new URLSearchParams({ tag, src, base });
  await page.goto(`${h.env.hostURL}/e2e/element/?${q}`);
  await page.waitForFunction(() => document.body.dataset.ready === "1", undefined, { timeout: 60000 });
  const url = await page.evaluate(() => window.t.client.authorizeURL({ prompt: "login" }));
  await page.goto(url);
  await fillLogin(page);
  await Promise.all([page.waitForURL((u) => u.href.startsWith(h.env.hostURL), { timeout: 60000 }), page.click("#kc-login")]);
  await page.waitForFunction(() => document.body.dataset.ready === "1" && !!window.t.tokens, undefined, { timeout: 60000 });
  return page;
}

/** The host script's result with what varies per run (ids, the Assistant's origin) and ready repeats taken out. */
function comparable(out, base) {
  const s = JSON.parse(JSON.stringify(out).split(base).join("<assistant>"));
  const id = s.auth.ok ? s.auth.value.id : null;
  const json = JSON.stringify(s);
  const r = JSON.parse(id ? json.split(id).join("<sub>") : json);
  // The stand-in repeats embedded.ready until its first request; how many a host sees depends on when it listens.
  const isReady = (e) => e.type === "embedded.ready" || (e.type === "event" && e.detail.name === "embedded.ready");
  r.events = r.events.filter((e, i, all) => !isReady(e) || all.findIndex((x) => x.kind === e.kind && isReady(x)) === i);
  delete r.tag;
  return r;
}

/**
 * Makes the stand-in post error.triggered (Playwright's frame access, Chromium) and returns the events it caused on
 * the element: the component raises it as "error" ({ message, code, details }), never as a raw event.
 */
async function triggerError(page) {
  const frame = page.frames().find((f) => /\/embedded/.test(f.url()));
  const before = (await page.evaluate(() => window.hostEvents())).length;
  await frame.evaluate(() => window.__assistant.emit("error.triggered", { message: "Microphone unavailable", code: "MIC_DENIED" }));
  await waitFor(async () => (await page.evaluate(() => window.hostEvents())).length > before, { what: "the error event" });
  return (await page.evaluate(() => window.hostEvents())).slice(before).map((e) => ({
    kind: e.kind, type: e.type, message: e.detail.message, code: e.detail.code,
    detailsEvent: e.detail.details && (e.detail.details.event || (e.detail.details.payload && "payload")),
  }));
}

function checkComponentResult(r, sub) {
  const ok = (v) => ({ ok: true, value: v });
  assert.equal(r.visibilityAttr, "hidden", "visibility starts hidden, as the component's");
  assert.equal(r.hiddenDisplay, "none");
  assert.equal(r.shownAttr, "visible");
  assert.equal(r.shownDisplay, "block");
  assert.equal(r.hiddenAgainAttr, "hidden");
  assert.equal(r.hiddenAgainDisplay, "none");
  assert.equal(r.baseURL, "<assistant>");
  assert.deepEqual(r.auth, ok({ id: "<sub>", email: h.env.user.email, name: h.env.user.name }));
  assert.deepEqual(r.getStatus, ok({ auth: { isAuthenticated: true, user: { id: "<sub>", email: h.env.user.email, name: h.env.user.name } }, currentUrl: "<assistant>/", interaction: null }));
  assert.deepEqual(r.createInteraction, ok({ keys: ["createdAt", "id"], idIsString: true }));
  assert.deepEqual(r.navigate, { ok: true });
  assert.deepEqual(r.navigateObject, { ok: true });
  assert.deepEqual(r.navigateBad, { ok: false, isError: true, message: 'navigate needs {path: "/…"}', code: "INVALID_PAYLOAD" });
  assert.deepEqual(r.configureApp, ok({ debug: false, ui: { aiChat: false }, appearance: {}, locale: { interfaceLanguage: "en", dictationLanguage: "en" }, network: {} }));
  for (const k of ["setInteractionOptions", "addFacts", "startRecording", "stopRecording", "setCredentials"]) assert.deepEqual(r[k], { ok: true }, k);
  assert.deepEqual(r.getTemplates, ok(TEMPLATES));
  assert.deepEqual(r.setCredentialsEmpty, { ok: false, isError: true, message: "Password is required" });
  assert.deepEqual(r.showDeviceLinkQR, ok({ status: "dismissed" }));
  assert.deepEqual(r.authAgain, r.auth, "auth(tokens) again: the same user");
  assert.deepEqual(r.getStatusAgain, ok(true));
  assert.deepEqual(r.frame, { title: "Corti Embedded UI", sandbox: "allow-forms allow-modals allow-scripts allow-same-origin",
    allow: ["microphone", "camera", "device-capture", "display-capture", "clipboard-write"].map((p) => `${p} <assistant>`).join("; ") });
  const names = r.events.map((e) => `${e.kind}:${e.type === "event" ? e.detail.name : e.type}`);
  assert.deepEqual(names, [
    "raw:embedded.ready", "event:embedded.ready",
    "raw:embedded.authenticated", "event:embedded.authenticated",
    "raw:embedded.interactionCreated", "event:embedded.interactionCreated",
    "raw:embedded.navigated", "event:embedded.navigated",
    "raw:embedded.navigated", "event:embedded.navigated",
    "error:error",
    "raw:recording.started", "event:recording.started",
    "raw:recording.stopped", "event:recording.stopped",
    "raw:embedded.authenticated", "event:embedded.authenticated",
  ]);
  assert.deepEqual(r.events.find((e) => e.type === "error").detail, { message: 'navigate needs {path: "/…"}', code: "INVALID_PAYLOAD" });
  assert.deepEqual(r.events.find((e) => e.type === "embedded.navigated").detail, { path: "/session/abc" });
  assert.deepEqual(r.events.find((e) => e.type === "embedded.interactionCreated").detail, { interaction: { id: "<id>", createdAt: "<createdAt>" } });
  const authed = r.events.find((e) => e.type === "embedded.authenticated").detail;
  assert.deepEqual({ ...authed, hasProfile: undefined }, { tokenType: "Bearer", scope: "openid profile", expiresIn: 300, refreshExpiresIn: 1800, hasRefreshToken: true, hasIdToken: true, hasProfile: undefined });
  void sub;
}

test(`the host script of <corti-embedded> on <corti-assistant>: every method, attribute and event as the component's, under the strict CSP${watched}`, async () => {
  const { ctx, violations } = await watchedContext();
  try {
    const page = await hostPage(ctx, { tag: "corti-assistant", src: "/dist/corti-assistant.js", base: h.env.assistantBaseURL });
    const out = await page.evaluate(() => window.t.run());
    const r = comparable(out, h.env.assistantBaseURL);
    checkComponentResult(r);
    // corti-auth's auth adds the profile it reads from the ID token (the component sends the page's, here none).
    assert.equal(r.events.find((e) => e.type === "embedded.authenticated").detail.hasProfile, true);
    if (can.route) {
      assert.deepEqual(await triggerError(page), [{ kind: "error", type: "error", message: "Microphone unavailable", code: "MIC_DENIED", detailsEvent: "error.triggered" }]);
    }
    assert.deepEqual(await violations(page), [], "no securitypolicyviolation");
    // Defined once, under its own name only.
    assert.deepEqual(await page.evaluate(() => [!!customElements.get("corti-assistant"), !!customElements.get("corti-embedded")]), [true, false]);
  } finally {
    await ctx.close();
  }
});

/** Records the element's sign-in events on the page (after load: no init script needed). */
async function recordSignins(page) {
  await page.evaluate(() => {
    const el = document.querySelector("corti-assistant");
    window.elementEvents = [];
    for (const type of ["signedin", "signedout", "error"]) {
      el.addEventListener(type, (e) => window.elementEvents.push({ type, reason: e.detail && e.detail.reason, message: e.detail && e.detail.message }));
    }
  });
}

const state = (page) => page.evaluate(() => document.querySelector("corti-assistant")?.getAttribute("state") || "");
const assistantStatus = (page) => page.evaluate(() => document.querySelector("corti-assistant").getStatus().then((s) => ({ authed: s.auth.isAuthenticated, email: s.auth.user && s.auth.user.email })));

test(`element example: one tag signs in by redirect, authenticates its Assistant, keeps it; logout blanks the frame${watched}`, async () => {
  const { ctx, violations } = await watchedContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${h.env.hostURL}/examples/element/`);
    await waitFor(async () => (await state(page)) === "signed-out", { timeout: RESTORE, what: "the sign-in button" });
    // The element's own button, in its shadow root (a redirect needs no user gesture).
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(h.env.authBaseURL), { timeout: 60000 }),
      page.evaluate(() => document.querySelector("corti-assistant").shadowRoot.querySelector("button").click()),
    ]);
    await fillLogin(page);
    await Promise.all([page.waitForURL((u) => u.href.startsWith(h.env.hostURL), { timeout: 60000 }), page.click("#kc-login")]);
    await waitFor(async () => (await state(page)) === "signed-in", { what: "signed in" });
    await recordSignins(page);
    await waitFor(async () => (await assistantStatus(page)).authed, { what: "the Assistant authenticated" });
    assert.deepEqual(await assistantStatus(page), { authed: true, email: h.env.user.email });
    assert.equal(await page.evaluate(() => document.querySelector("corti-assistant").session.claims.email), h.env.user.email);
    assert.doesNotMatch(await page.url(), /[?&](code|state)=/, "the callback parameters left the address bar");
    assert.equal(await page.evaluate(() => document.querySelector("corti-assistant").shadowRoot.querySelectorAll("iframe").length), 1);
    // A reload resumes without the form (restore(): the provider's session, through the silent iframe).
    await page.goto(`${h.env.hostURL}/examples/element/`);
    // The silent step lands on /dist/callback.html in its hidden iframe (the element's restore() allows it 20 s).
    await waitFor(async () => ["signed-in", "signed-out"].includes(await state(page)), { timeout: RESTORE, what: "restore() to settle" });
    assert.equal(await state(page), "signed-in", "resumed after the reload");
    await recordSignins(page);
    await waitFor(async () => (await assistantStatus(page)).authed, { what: "the Assistant authenticated again" });
    // Sign-out without leaving the page: signedout, and the frame is gone (no Corti page keeps the tokens).
    await page.evaluate(() => document.querySelector("corti-assistant").logout({ navigate: false }));
    await waitFor(async () => (await state(page)) === "signed-out", { what: "signed out" });
    assert.deepEqual(await page.evaluate(() => window.elementEvents.filter((e) => e.type === "signedout").map((e) => e.reason)), ["logout"]);
    assert.equal(await page.evaluate(() => document.querySelector("corti-assistant").shadowRoot.querySelectorAll("iframe").length), 0);
    assert.equal(await page.evaluate(() => document.querySelector("corti-assistant").session), null);
    assert.deepEqual(await violations(page), [], "no securitypolicyviolation");
  } finally {
    await ctx.close();
  }
});

test(`desktop: the page at http://127.0.0.1:<port>/ signs in with a popup (the popup attribute, a slotted button)${watched}`, async () => {
  const { ctx, violations } = await watchedContext();
  try {
    const page = await ctx.newPage();
    const home = `${h.env.hostURL}/`;
    assert.match(home, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    await page.goto(home);
    await waitFor(async () => (await state(page)) === "signed-out", { timeout: RESTORE, what: "the sign-in button" });
    await recordSignins(page);
    assert.equal(await page.isVisible("#sign-in"), true, "the slotted button replaces the element's own");
    const popped = waitForPopup(page);
    await page.click("#sign-in");
    const popup = await popped;
    await fillLogin(popup);
    await popup.click("#kc-login").catch(() => {}); // the popup may close under the click
    await waitFor(async () => (await state(page)) === "signed-in", { timeout: 60000, what: "signed in through the popup" });
    await waitFor(async () => (await assistantStatus(page)).authed, { what: "the Assistant authenticated" });
    assert.deepEqual(await assistantStatus(page), { authed: true, email: h.env.user.email });
    assert.equal(await page.url(), home, "the page never left");
    assert.deepEqual(await page.evaluate(() => window.elementEvents.map((e) => e.type)), ["signedin"]);
    assert.deepEqual(await violations(page), [], "no securitypolicyviolation");
  } finally {
    await ctx.close();
  }
});

test(`react: React 19 renders <corti-assistant> with its attributes and listens to signedin / event / signedout (Vite build)${watched}`, async () => {
  const { ctx, violations } = await watchedContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${h.env.hostURL}/react/`);
    await waitFor(async () => (await state(page)) === "signed-out", { timeout: RESTORE, what: "the sign-in button" });
    assert.equal(await page.textContent("#who"), "Not signed in");
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(h.env.authBaseURL), { timeout: 60000 }),
      page.evaluate(() => document.querySelector("corti-assistant").shadowRoot.querySelector("button").click()),
    ]);
    await fillLogin(page);
    await Promise.all([page.waitForURL((u) => u.href.startsWith(h.env.hostURL), { timeout: 60000 }), page.click("#kc-login")]);
    await waitFor(async () => (await page.textContent("#who")) === `Signed in as ${h.env.user.name}`, { what: "React saw signedin" });
    await waitFor(async () => (await page.textContent("#last-event")) === "embedded.authenticated", { what: "React saw the Assistant's event" });
    assert.deepEqual(await assistantStatus(page), { authed: true, email: h.env.user.email });
    const wasm = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname).filter((p) => p.endsWith(".wasm")));
    assert.ok(wasm.length > 0 && wasm.every((p) => /^\/react\/assets\/corti-auth-[\w-]+\.wasm$/.test(p)), `wasm from the bundle: ${wasm}`);
    await page.click("#sign-out");
    await waitFor(async () => (await page.textContent("#who")) === "Not signed in", { what: "React saw signedout" });
    assert.equal(await state(page), "signed-out");
    assert.deepEqual(await violations(page), [], "no securitypolicyviolation");
  } finally {
    await ctx.close();
  }
});

test(`demo: the second page signs in with the element and shows its events${watched}`, async () => {
  const { ctx, violations } = await watchedContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${h.env.hostURL}/demo/`);
    await page.waitForSelector('a[href="element.html"]');
    await page.goto(`${h.env.hostURL}/demo/element.html`);
    await waitFor(async () => (await page.getAttribute("#state", "data-state")) === "signed-out", { timeout: RESTORE, what: "signed out" });
    await Promise.all([
      page.waitForURL((u) => u.href.startsWith(h.env.authBaseURL), { timeout: 60000 }),
      page.evaluate(() => document.querySelector("corti-assistant").shadowRoot.querySelector("button").click()),
    ]);
    await fillLogin(page);
    await Promise.all([page.waitForURL((u) => u.href.startsWith(h.env.hostURL), { timeout: 60000 }), page.click("#kc-login")]);
    await waitFor(async () => (await page.textContent("#state")) === `Signed in as ${h.env.user.name}`, { what: "signedin on the page" });
    await waitFor(async () => (await page.textContent("#last-event")) === "Last Assistant event: embedded.authenticated", { what: "the Assistant's event" });
    await page.click("#element-sign-out");
    await waitFor(async () => (await page.textContent("#state")) === "Signed out (logout)", { what: "signedout on the page" });
    assert.deepEqual(await violations(page), [], "no securitypolicyviolation");
  } finally {
    await ctx.close();
  }
});

const sideSkip = !official ? "no copy of @corti/embedded-web: set CORTI_EMBEDDED_WEB to the folder of its build (web-bundle.js)"
  : engine !== "chromium" ? "Chromium only: needs request routing to serve the stand-in at an https://assistant.<x>.corti.app origin"
    : !existsSync(join(official, "web-bundle.js")) ? `no web-bundle.js in ${official}` : false;
test(`side by side: the same host script on @corti/embedded-web's <corti-embedded> and on <corti-assistant> gives the same results${sideSkip ? ` (skipped: ${sideSkip})` : ""}`, { skip: sideSkip }, async () => {
  h.env.setHostHeaders({ "Content-Security-Policy": policy(h.env, ` ${ROUTED}`) });
  const results = {};
  const violated = {};
  try {
    for (const [tag, src] of [["corti-embedded", "/official/web-bundle.js"], ["corti-assistant", "/dist/corti-assistant.js"]]) {
      const { ctx, violations } = await watchedContext();
      try {
        await ctx.route(`${ROUTED}/**`, async (route) => {
          const u = new URL(route.request().url());
          const headers = { ...route.request().headers() };
          if (headers.origin) headers.origin = h.env.assistantBaseURL; // the stand-in's /verify takes its own origin only
          await route.fulfill({ response: await route.fetch({ url: h.env.assistantBaseURL + u.pathname + u.search, headers }) });
        });
        const page = await hostPage(ctx, { tag, src, base: ROUTED });
        results[tag] = comparable(await page.evaluate(() => window.t.run()), ROUTED);
        results[tag].triggered = await triggerError(page);
        violated[tag] = await violations(page);
      } finally {
        await ctx.close();
      }
    }
  } finally {
    h.env.setHostHeaders({ "Content-Security-Policy": policy(h.env) });
  }
  const theirs = results["corti-embedded"];
  const ours = results["corti-assistant"];
  // The one difference: corti-auth's auth carries the profile it reads from the ID token.
  const authed = (r) => r.events.filter((e) => JSON.stringify(e).includes("embedded.authenticated"));
  for (const e of authed(theirs)) assert.equal((e.detail.payload || e.detail).hasProfile, false);
  for (const e of authed(ours)) { const d = e.detail.payload || e.detail; assert.equal(d.hasProfile, true); d.hasProfile = false; }
  if (process.env.ELEMENT_DUMP) (await import("node:fs")).writeFileSync(process.env.ELEMENT_DUMP, JSON.stringify({ theirs, ours }, null, 1));
  assert.deepEqual(ours, theirs);
  checkComponentResult(theirs);
  // Under the strict CSP the component's Lit template sets a style attribute on its iframe (style-src-attr); ours sets none.
  assert.deepEqual(violated["corti-assistant"], []);
  console.log(`# the component under the strict CSP: ${JSON.stringify(violated["corti-embedded"])}`);
});
});

