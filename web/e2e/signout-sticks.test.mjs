// Issue 22 §1 and §2, the shared workstation: a sign-out (logout, idle) sticks until someone types a password, and
// reaches every tab of that clinician. Against the local provider, whose SSO session outlives the module's sign-out:
// after logout({navigate: false}) or an idle end, a reload's restore() resolves null without a code exchange, every
// authorize request carries prompt=login (the provider shows its form although its cookie lives), and a password
// sign-in clears the mark; the mark is a time under the issuer and client in localStorage, nothing else. With
// idleSignOut "provider" the idle end also ends the provider's session. With shareAcrossTabs a logout in one tab ends
// the separately signed-in session of the same clinician in another; close() ends only its own. A page shown again
// from the back/forward cache after a sign-out elsewhere hands out no token.
//
// Runs in every engine of ENGINES (harness.mjs forEachEngine). Token lifetimes are the default 300 s: no refresh
// falls inside a test, so the code-exchange counts are the tests' own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setup, openApp, signIn, withContext, waitFor, forEachEngine } from "./harness.mjs";

forEachEngine((engine) => {
let h;
before(async () => { h = await setup({}, engine); });
after(async () => { await h?.close(); });

const codes = () => h.env.control.stats().token.authorization_code;

/** Signs in with the password and handles the callback on the app page configured by query. */
async function signedInPage(ctx, query = "", page) {
  page = page || await openApp(ctx, h.env, query);
  const callback = await signIn(page, h.env);
  await page.goto(`${h.env.hostURL}/e2e/app.html${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === "1");
  const r = await page.evaluate((u) => window.t.try(async () => { window.t.track(await window.t.client.handleCallback(u)); return true; }), callback);
  assert.ok(r.ok, JSON.stringify(r.error));
  return page;
}

/** The sign-out marks in the page's localStorage: {key: value}. */
const marks = (page) => page.evaluate(() => Object.fromEntries(Object.keys(localStorage)
  .filter((k) => k.startsWith("corti-auth:signedout:")).map((k) => [k, localStorage.getItem(k)])));

/** Reloads page (app.html with query) and calls restore(); returns its result (a sub, or null) and the exchanges it made. */
async function reloadAndRestore(page, query = "") {
  await page.goto(`${h.env.hostURL}/e2e/app.html${query}`);
  await page.waitForFunction(() => document.body.dataset.ready === "1");
  const before = codes();
  const r = await page.evaluate(() => window.t.try(async () => {
    const s = await window.t.client.restore({ timeoutMs: 60000 });
    if (!s) return null;
    window.t.track(s);
    return s.claims.subject;
  }));
  assert.ok(r.ok, JSON.stringify(r.error));
  return { sub: r.value, exchanges: codes() - before };
}

const promptOf = async (page, opts) => new URL(await page.evaluate((o) => window.t.client.authorizeURL(o), opts)).searchParams.get("prompt");

/** The sign-out stuck: restore() null without an exchange, prompt=login on every authorize request. */
async function assertSticks(page, query) {
  const m = await marks(page);
  const issuer = h.env.issuer;
  assert.deepEqual(Object.keys(m), [`corti-auth:signedout:${issuer}|${h.env.clients.public}`], "one mark, for this issuer and client");
  assert.match(Object.values(m)[0], /^\d+$/, "the mark is a time (unix ms), nothing else");
  const r = await reloadAndRestore(page, query);
  assert.deepEqual(r, { sub: null, exchanges: 0 }, "restore() resolves null without a code exchange");
  assert.equal(await promptOf(page, undefined), "login");
  assert.equal(await promptOf(page, { prompt: "none" }), "login");
  assert.equal(await promptOf(page, { prompt: "consent" }), "login consent");
}

test("logout({navigate: false}) sticks: restore() null without an exchange, prompt=login; the provider asks for the password; the password sign-in clears it", async () => {
  await withContext(h.browser, async (ctx) => {
    const page = await signedInPage(ctx);
    const lo = await page.evaluate(() => window.t.try(() => window.t.session.logout({ navigate: false })));
    assert.ok(lo.ok, JSON.stringify(lo.error));
    await assertSticks(page, "");

    // login(): the provider's form, although its SSO session lives (the control below shows it does).
    const before = codes();
    await page.evaluate(() => { window.t.client.login(); });
    await page.waitForSelector("#password", { timeout: 60000 });
    await page.fill("#username", h.env.user.username);
    await page.fill("#password", h.env.user.password);
    await Promise.all([
      page.waitForURL((u) => u.searchParams.has("state"), { timeout: 60000 }),
      page.click("#kc-login"),
    ]);
    await page.waitForFunction(() => document.body.dataset.ready === "1");
    const r = await page.evaluate(() => window.t.try(async () => (await window.t.client.handleCallback()).claims.subject));
    assert.deepEqual(r, { ok: true, value: h.env.user.sub }, "the password sign-in");
    assert.equal(codes(), before + 1);
    assert.deepEqual(await marks(page), {}, "the password sign-in cleared the mark");
    assert.equal(await promptOf(page, undefined), null, "authorize requests are plain again");
    // Control: with the mark gone, a reload's restore() signs in from the provider's session, as before.
    assert.deepEqual(await reloadAndRestore(page), { sub: h.env.user.sub, exchanges: 1 });
  });
});

test("the idle end sticks (idleSignOut local): restore() null without an exchange, prompt=login; the provider's session lives", async () => {
  await withContext(h.browser, async (ctx) => {
    const q = "?idle=4&idleWarn=2";
    const page = await signedInPage(ctx, q);
    await page.waitForFunction(() => window.t.events.some((e) => e.name === "ended"), null, { polling: 50, timeout: 60000 });
    assert.equal((await page.evaluate(() => window.t.events.find((e) => e.name === "ended"))).reason, "idle");
    await assertSticks(page, q);
    // "local": the provider's session lives; it is the mark alone that keeps restore() from using it.
    await page.evaluate(() => { for (const k of Object.keys(localStorage)) if (k.startsWith("corti-auth:signedout:")) localStorage.removeItem(k); });
    const r = await reloadAndRestore(page, "");
    assert.deepEqual(r, { sub: h.env.user.sub, exchanges: 1 });
  });
});

test("idleSignOut provider: the idle end also ends the provider's session (end-session form POST, back on redirectUri)", async () => {
  await withContext(h.browser, async (ctx) => {
    const q = "?idle=4&idleWarn=2&idleSignOut=provider";
    const page = await signedInPage(ctx, q);
    await page.evaluate(() => { window.name = "before-idle"; sessionStorage.setItem("marker", "before-idle"); });
    // The idle end, then the end-session request: the page lands again on redirectUri (app.html) as a new document.
    await waitFor(async () => {
      try {
        return await page.evaluate(() => document.body.dataset.ready === "1" && window.t && window.t.session === null && location.pathname === "/e2e/app.html");
      } catch { return false; } // mid-navigation
    }, { timeout: 60000, what: "the page back on redirectUri after the provider's end-session" });
    assert.deepEqual(Object.keys(await marks(page)).length, 1, "the mark");
    // The provider's session is gone: even without the mark, restore() finds nothing (login_required).
    await page.evaluate(() => { for (const k of Object.keys(localStorage)) if (k.startsWith("corti-auth:signedout:")) localStorage.removeItem(k); });
    assert.deepEqual(await reloadAndRestore(page, ""), { sub: null, exchanges: 0 });
  });
});

test("shareAcrossTabs: two tabs of one clinician signed in separately; close() in one ends only its own, logout in another ends the rest", async () => {
  await withContext(h.browser, async (ctx) => {
    const q = "?share=1";
    const tab1 = await signedInPage(ctx, q);
    const tab2 = await signedInPage(ctx, q);
    const tab3 = await signedInPage(ctx, q);
    const live = (p) => p.evaluate(() => window.t.try(() => window.t.session.getAccessToken().then((t) => !!t)));
    for (const p of [tab1, tab2, tab3]) assert.deepEqual(await live(p), { ok: true, value: true });

    await tab3.evaluate(() => window.t.session.close());
    for (const p of [tab1, tab2]) assert.deepEqual(await live(p), { ok: true, value: true }, "close() ends only its own session");

    const lo = await tab1.evaluate(() => window.t.try(() => window.t.session.logout({ navigate: false })));
    assert.ok(lo.ok, JSON.stringify(lo.error));
    await tab2.waitForFunction(() => window.t.events.some((e) => e.name === "ended"), null, { polling: 50, timeout: 60000 });
    assert.deepEqual(await tab2.evaluate(() => window.t.events.filter((e) => e.name === "ended").map((e) => e.reason)), ["logout"]);
    const r = await live(tab2);
    assert.equal(r.error.code, "session_ended", "tab 2 hands out no token");
  });
});

test("a page shown again from the back/forward cache after its clinician signed out in another tab hands out no token, its Assistant signed out (pageshow persisted dispatched by the test: the drivers turn the cache off)", async () => {
  await withContext(h.browser, async (ctx) => {
    const tab1 = await signedInPage(ctx);
    const mounted = await tab1.evaluate(() => window.t.try(async () => {
      window.t.assistant = await window.t.session.mountAssistant("#pane-a", { readyTimeoutMs: 20000 });
      return true;
    }));
    assert.ok(mounted.ok, JSON.stringify(mounted.error));
    // The page's own pageshow listener, registered after the session started, asks for a token.
    await tab1.evaluate(() => {
      window.shown = [];
      addEventListener("pageshow", (e) => {
        window.t.session.getAccessToken().then(() => window.shown.push("token"), (err) => window.shown.push(err.code));
      });
    });
    const show = () => tab1.evaluate(() => dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true })));
    await show(); // control: no sign-out yet
    await tab1.waitForFunction(() => window.shown.length === 1, null, { polling: 50, timeout: 60000 });
    assert.deepEqual(await tab1.evaluate(() => window.shown), ["token"]);

    // Another tab (its own session, no sharing) signs out.
    const tab2 = await signedInPage(ctx);
    const lo = await tab2.evaluate(() => window.t.try(() => window.t.session.logout({ navigate: false })));
    assert.ok(lo.ok, JSON.stringify(lo.error));
    assert.equal(await tab1.evaluate(() => window.t.session.ended), false, "without shareAcrossTabs the end does not travel");
    // A page comes back from the cache long after the sign-out; here it is at once, and Chromium hands one tab's
    // localStorage write to another renderer process a moment later (a loaded machine's tab 1 read no mark yet, and
    // gave a token). Shown once tab 1 sees the mark tab 2 left.
    const marks = () => Object.entries(localStorage).filter(([k]) => k.startsWith("corti-auth:signedout:"));
    const left = await tab2.evaluate(marks);
    assert.equal(left.length, 1, "tab 2 left a sign-out mark");
    await tab1.waitForFunction((want) => JSON.stringify(Object.entries(localStorage).filter(([k]) => k.startsWith("corti-auth:signedout:"))) === want,
      JSON.stringify(left), { polling: 50, timeout: 60000 });

    await show();
    await tab1.waitForFunction(() => window.shown.length === 2, null, { polling: 50, timeout: 60000 });
    assert.deepEqual(await tab1.evaluate(() => window.shown), ["token", "session_ended"]);
    assert.deepEqual(await tab1.evaluate(() => window.t.events.filter((e) => e.name === "ended").map((e) => e.reason)), ["logout"]);
    await tab1.waitForFunction(() => !document.querySelector("#pane-a iframe"), null, { polling: 50, timeout: 60000 });
  });
});
});
