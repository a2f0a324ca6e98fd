// Issue 13 §2: client.restore() after a reload, with no token at rest, against the local provider. A reload
// gets the session again from a prompt=none authorization in a hidden iframe (landing on dist/callback.html),
// with no login form and exactly one code exchange; when the provider's session is gone restore() resolves
// null at the provider's answer (login_required), and nothing is left in storage; with the host page on another
// *site* than the provider (localhost vs 127.0.0.1) the iframe gets no provider cookie, the silent step gives
// null, and {redirect: true} resumes by a top-level prompt=none navigation; a CSP whose frame-src lacks the
// provider ends the silent step at once with a console error naming the source to add, and the documented
// CSP (frame-src with the provider) works.
//
// Runs in every engine of ENGINES (harness.mjs forEachEngine). Console errors are read from a wrapper installed
// with evaluate, so every engine can (no page events needed).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setup, openApp, signIn, withContext, waitFor, forEachEngine } from "./harness.mjs";

forEachEngine((engine) => {
let h;
before(async () => { h = await setup({}, engine); });
after(async () => { await h?.close(); });

/** Signs in on the app page and handles the callback; returns the page and the user's sub. */
async function signedIn(ctx, env) {
  const page = await openApp(ctx, env);
  await signIn(page, env);
  const r = await page.evaluate(() => window.t.try(async () => window.t.track(await window.t.client.handleCallback()).claims.subject));
  assert.ok(r.ok, JSON.stringify(r.error));
  return { page, sub: r.value };
}

/** Reloads the app page (a new page load, no token anywhere) and waits until corti-auth is loaded. */
async function reload(page, env, query = "") {
  await page.goto(`${env.hostURL}/e2e/app.html${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === "1");
}

/**
 * Calls restore(opts) on the page; returns {ok, value: {sub, token} | null, ms (restore() alone), sinceNavigation
 * (navigation start → session), errors (console.error lines meanwhile), violations (CSP directives violated
 * meanwhile), iframes, stored (corti-auth keys left in
 * local and session storage)}.
 */
const restore = (page, opts) => page.evaluate(async (o) => {
  const errors = [];
  const orig = console.error;
  console.error = (...a) => { errors.push(a.map(String).join(" ")); orig.apply(console, a); };
  const violations = [];
  let marked = false;
  const onViolation = (e) => {
    if (e.blockedURI === "eval" && !marked) marked = true; // the marker below
    else violations.push(e.effectiveDirective);
  };
  document.addEventListener("securitypolicyviolation", onViolation);
  const t0 = performance.now();
  const r = await window.t.try(async () => {
    const s = await window.t.client.restore(o);
    if (s) window.t.track(s);
    return s && { sub: s.claims.subject, token: s.tokens.access_token.length > 0 };
  });
  const t1 = performance.now();
  console.error = orig;
  // Violation events are queued as tasks, in order: a marker violation made now (an eval, which a CSP without
  // 'unsafe-eval' refuses) comes after every one the library's DOM work caused, so once it is here they all are.
  // No CSP refusing eval (the tests without one): no violation can come, nothing to wait for.
  let refused = false;
  try { (0, eval)("0"); } catch { refused = true; }
  for (const end = Date.now() + 60000; refused && !marked;) { // a hang guard, not a speed bound
    if (Date.now() > end) throw new Error("eval was refused but no securitypolicyviolation event came for it");
    await new Promise((res) => setTimeout(res, 10));
  }
  document.removeEventListener("securitypolicyviolation", onViolation);
  const keys = (st) => Object.keys(st).filter((k) => k.startsWith("corti-auth"));
  return { ...r, ms: t1 - t0, sinceNavigation: t1, errors, violations, iframes: document.querySelectorAll("iframe").length,
    stored: [...keys(localStorage), ...keys(sessionStorage)] };
}, opts);

test("reload → the session again from the hidden iframe: no login form, exactly one code exchange, nothing stored", async () => {
  await withContext(h.browser, async (ctx) => {
    const { page, sub } = await signedIn(ctx, h.env);
    h.env.control.resetStats();
    await reload(page, h.env);
    const r = await restore(page, { timeoutMs: 60000 });
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepEqual(r.value, { sub, token: true }, "the same user, with a token");
    assert.equal(h.env.control.stats().token.authorization_code, 1, "exactly one code exchange");
    assert.equal(r.iframes, 0, "the silent iframe is removed");
    assert.deepEqual(r.stored, [], "no pending login (and no token) in storage");
    const url = new URL(await page.url());
    assert.equal(url.origin + url.pathname, `${h.env.hostURL}/e2e/app.html`, "the page never left for a login form");
    assert.doesNotMatch(url.search, /code=|state=/);
    const at = await page.evaluate(() => window.t.session.getAccessToken());
    assert.ok(at.split(".").length === 3, "a usable access token");
    console.log(`# ${engine}: reload → session ${Math.round(r.sinceNavigation)} ms after navigation start, restore() ${Math.round(r.ms)} ms`);
  });
});

test("silentRedirectUri left at its default (the app page itself): the framed app page's handleCallback hands the callback over → session", async () => {
  await withContext(h.browser, async (ctx) => {
    const { page, sub } = await signedIn(ctx, h.env);
    h.env.control.resetStats();
    await reload(page, h.env, "?silentApp=1");
    const r = await restore(page, { timeoutMs: 60000 });
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepEqual(r.value, { sub, token: true }, "the same user, with a token");
    assert.equal(h.env.control.stats().token.authorization_code, 1, "exactly one code exchange (in this tab, not in the iframe)");
    assert.equal(r.iframes, 0, "the silent iframe is removed");
    assert.deepEqual(r.stored, [], "no pending login in storage");
  });
});

test("the provider's session ended → restore() resolves null at its answer (login_required), nothing left in storage", async () => {
  await withContext(h.browser, async (ctx) => {
    const { page } = await signedIn(ctx, h.env);
    h.env.control.revokeAll(); // the provider forgets its sessions (an admin's sign-out, a restart without persistence)
    h.env.control.resetStats();
    await reload(page, h.env);
    // A limit far above the test's own wait: null within it is the provider's answer, not the timeout.
    const r = await waitFor(() => restore(page, { timeoutMs: 120000 }), { timeout: 60000, what: "restore() to settle" });
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal(r.value, null);
    assert.equal(h.env.control.stats().token.authorization_code, 0, "no code to exchange");
    assert.equal(r.iframes, 0);
    assert.deepEqual(r.stored, [], "the silent login's pending entry is deleted");
    assert.deepEqual(r.errors, []);
    // The default limit: still null, within it.
    const d = await restore(page);
    assert.ok(d.ok && d.value === null && d.ms < 5000 + 1000, `default: ${JSON.stringify(d)}`);
    assert.deepEqual(d.stored, []);
    // silent: false skips the iframe (no sibling without shareAcrossTabs): null at once, no request made.
    const s = await restore(page, { silent: false });
    assert.ok(s.ok && s.value === null && s.iframes === 0, JSON.stringify(s));
    // Wrong options are invalid_config.
    for (const bad of [{ timeoutMs: 0 }, { silnet: false }, { redirect: "yes" }]) {
      const b = await restore(page, bad);
      assert.equal(b.ok ? "resolved" : b.error.code, "invalid_config", JSON.stringify(bad));
    }
  });
});

test("a strict CSP whose frame-src lacks the provider: the silent step ends at once with a console error naming what to add; with it, restore() works", async () => {
  await withContext(h.browser, async (ctx) => {
    const { page, sub } = await signedIn(ctx, h.env); // the provider's session is alive
    const base = `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; connect-src 'self' ${h.env.authBaseURL}`;
    try {
      h.env.setHostHeaders({ "Content-Security-Policy": `${base}; frame-src 'self'` });
      await reload(page, h.env);
      // A limit far above the test's wait: an answer within it is the CSP watch, not the timeout.
      const r = await waitFor(() => restore(page, { timeoutMs: 120000 }), { timeout: 60000, what: "restore() to settle" });
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.value, null, "no session (the iframe was blocked)");
      assert.deepEqual(r.violations, ["frame-src"], "the frame, and nothing else (no inline style)");
      const msg = r.errors.find((e) => e.includes("corti-auth") && e.includes("Content-Security-Policy"));
      assert.ok(msg, `a console error about the CSP: ${JSON.stringify(r.errors)}`);
      assert.match(msg, new RegExp(`add ${h.env.authBaseURL.replace(/[.]/g, "\\.")} to frame-src`));
      assert.equal(r.iframes, 0);
      assert.deepEqual(r.stored, []);

      // The CSP the README documents: frame-src 'self' and the provider.
      h.env.setHostHeaders({ "Content-Security-Policy": `${base}; frame-src 'self' ${h.env.authBaseURL}` });
      await reload(page, h.env);
      const ok = await restore(page, { timeoutMs: 60000 });
      assert.ok(ok.ok, JSON.stringify(ok.error));
      assert.deepEqual(ok.value, { sub, token: true });
      assert.deepEqual(ok.errors, []);
      assert.deepEqual(ok.violations, [], "the iframe needs nothing beyond frame-src (no inline style)");
    } finally {
      h.env.setHostHeaders({});
    }
  });
});

test("the host page on another site than the provider: the silent step gives null, {redirect: true} resumes by top-level navigation", async () => {
  const x = await setup({ hostName: "localhost" }, engine); // host http://localhost:R, provider http://127.0.0.1:P
  try {
    assert.match(x.env.hostURL, /^http:\/\/localhost:/);
    await withContext(x.browser, async (ctx) => {
      const { page, sub } = await signedIn(ctx, x.env);
      await reload(page, x.env);
      // No provider cookie in a cross-site iframe: login_required (or, should an engine show nothing, the timeout).
      const r = await restore(page, { timeoutMs: 8000 });
      console.log(`# ${engine}: cross-site silent step ${Math.round(r.ms)} ms`);
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.value, null, "no session from a cross-site iframe");
      assert.deepEqual(r.stored, []);
      x.env.control.resetStats();
      // The last resort: a top-level prompt=none navigation, first-party, answered without a form.
      await page.evaluate(() => { window.t.client.restore({ redirect: true, timeoutMs: 8000 }); });
      await page.waitForURL((u) => u.origin === new URL(x.env.hostURL).origin && u.searchParams.has("state"), { timeout: 60000 });
      await page.waitForFunction(() => document.body.dataset.ready === "1");
      const s = await page.evaluate(() => window.t.try(async () => window.t.track(await window.t.client.handleCallback()).claims.subject));
      assert.ok(s.ok, JSON.stringify(s.error));
      assert.equal(s.value, sub, "the same user, resumed");
      assert.equal(x.env.control.stats().token.authorization_code, 1, "one code exchange");
      assert.deepEqual(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("corti-auth"))), []);

      // And with the provider's session gone, the redirect comes back with login_required.
      x.env.control.revokeAll();
      await page.evaluate(() => { window.t.client.restore({ redirect: true, silent: false }); });
      await page.waitForURL((u) => u.origin === new URL(x.env.hostURL).origin && u.searchParams.has("error"), { timeout: 60000 });
      await page.waitForFunction(() => document.body.dataset.ready === "1");
      const e = await page.evaluate(() => window.t.try(() => window.t.client.handleCallback()));
      assert.equal(e.ok, false);
      assert.equal(e.error.code, "oauth_error");
      assert.equal(e.error.oauthError, "login_required");
    });
  } finally {
    await x.close();
  }
});
});
