// Issue 22 §3: step-up that proves who confirmed. session.reauthenticate() opens the provider in a popup from the
// user's click (prompt=login, max_age, login_hint = the session's user); the popup lands on /dist/callback.html, which
// hands the callback to this page. The same clinician: this session takes the new tokens (fresh auth_time,
// "refreshed") and the promise resolves to it. Another clinician (the provider's second user): user_mismatch, the
// session's tokens untouched, the other's refresh token revoked at once, and their provider session ended by the
// end-session form the popup submits before it closes (a later prompt=none sign-in finds no session).
//
// Runs in every engine of ENGINES (harness.mjs forEachEngine).
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { setup, openApp, withContext, forEachEngine, waitFor } from "./harness.mjs";
import { waitForPopup } from "./engines.mjs";
import { SECOND_USER } from "../dev/provider.mjs";

forEachEngine((engine) => {
let h;
before(async () => { h = await setup({}, engine); });
after(async () => { await h?.close(); });
afterEach(() => h.env.control.setProviderCOOP(null));

const CALLBACK = "/dist/callback.html";

/** Adds a button to page that calls fn's method on click: "login" → loginWithPopup(), "confirm" → reauthenticate(). */
async function arm(page, kind, opts = {}) {
  await page.evaluate(([k, o]) => {
    document.getElementById("arm")?.remove();
    const b = document.createElement("button");
    b.id = "arm";
    b.textContent = k;
    b.style.cssText = "display:block;width:200px;height:40px";
    b.onclick = () => {
      window.t.result = null;
      const p = k === "login" ? window.t.client.loginWithPopup(o) : window.t.session.reauthenticate(o);
      p.then((s) => {
        const same = s === window.t.session;
        if (k === "login") window.t.track(s);
        window.t.result = { ok: true, same };
      }, (e) => { window.t.result = { ok: false, error: { code: e.code, message: e.message, name: e.name } }; });
    };
    document.body.prepend(b);
  }, [kind, opts]);
  const popped = waitForPopup(page);
  armedAt = Date.now();
  await page.click("#arm");
  return popped;
}
let armedAt = 0;

async function fillLogin(popup, user, { hinted } = {}) {
  await popup.waitForSelector("#password", { timeout: 60000 });
  if (hinted !== undefined) assert.equal(await popup.evaluate(() => document.querySelector("#username").value), hinted, "login_hint fills in the session's user");
  await popup.fill("#username", user.username);
  await popup.fill("#password", user.password);
  // The popup may close under the click: its error is not a failure, but it is written down (a wait for the result
  // that times out after one is the click's, not the product's; seen once under a soak's load, cause not known).
  await popup.click("#kc-login").catch((e) => process.stderr.write(`# reauth: the click on #kc-login failed: ${String(e && e.message).split("\n")[0]}\n`));
}

// A result that does not come says what the flow did meanwhile, as the provider and the host saw it (WebKit's driver
// may answer nothing about the popup then): where it stopped.
const result = (page, timeout = 60000) => waitFor(() => page.evaluate(() => window.t.result), { timeout, what: "the popup call to settle" })
  .catch((e) => { e.message += `\nsince the click:\n${h.env.control.trail(armedAt)}`; throw e; });
const stats = () => h.env.control.stats();
const idClaims = (page) => page.evaluate(() => window.t.corti.decodeToken(window.t.session.tokens.id_token));
// Closed: evaluate fails on five polls in a row (one failure may be a navigation in progress).
const closed = (popup) => {
  let fails = 0;
  return waitFor(async () => {
    fails = await popup.evaluate(() => false).then(() => 0, () => fails + 1);
    return fails >= 5;
  }, { timeout: 60000, what: "the popup closed" });
};

async function signedIn(page) {
  const popup = await arm(page, "login");
  await fillLogin(popup, h.env.user);
  const r = await result(page);
  assert.ok(r.ok, JSON.stringify(r.error));
  await closed(popup);
}

for (const coop of [false, true]) {
  test(`the same clinician confirms (provider COOP ${coop ? "same-origin" : "off"}): the same session, new tokens, fresh auth_time, refreshed`, async () => {
    h.env.control.setProviderCOOP(coop ? "same-origin" : null);
    await withContext(h.browser, async (ctx) => {
      const page = await openApp(ctx, h.env, `?popup=${CALLBACK}`);
      await signedIn(page);
      const first = await idClaims(page);
      const firstAT = await page.evaluate(() => window.t.session.tokens.access_token);
      await page.waitForFunction((s) => Date.now() / 1000 > s + 1, first.authTime, { timeout: 60000 });
      await page.evaluate(() => { window.t.refreshedMarks = 0; window.t.session.on("refreshed", () => { window.t.refreshedMarks++; }); });
      const exchanges = stats().token.authorization_code;
      const popup = await arm(page, "confirm", { maxAge: 0 });
      // The form although the SSO session lives (prompt=login), the user filled in (login_hint); the parameters
      // themselves are auth/reauth_test.go's.
      await fillLogin(popup, h.env.user, { hinted: h.env.user.username });
      const r = await result(page);
      assert.ok(r.ok, JSON.stringify(r.error));
      assert.equal(r.same, true, "resolves to the same session object");
      assert.equal(stats().token.authorization_code, exchanges + 1, "one code exchange");
      const fresh = await idClaims(page);
      assert.ok(fresh.authTime > first.authTime, `auth_time moved on: ${first.authTime} → ${fresh.authTime}`);
      assert.equal(fresh.subject, first.subject);
      assert.notEqual(await page.evaluate(() => window.t.session.tokens.access_token), firstAT, "the session took the new tokens");
      assert.ok(await page.evaluate(() => window.t.refreshedMarks) >= 1, "refreshed fired");
      assert.equal(await page.evaluate(() => window.t.session.ended), false);
      await closed(popup);
    });
  });

  test(`another clinician signs in at the prompt (provider COOP ${coop ? "same-origin" : "off"}): user_mismatch, the session untouched, theirs revoked and their provider session ended`, async () => {
    h.env.control.setProviderCOOP(coop ? "same-origin" : null);
    await withContext(h.browser, async (ctx) => {
      const page = await openApp(ctx, h.env, `?popup=${CALLBACK}`);
      await signedIn(page);
      const before = await page.evaluate(() => ({ ...window.t.session.tokens }));
      await page.evaluate(() => { window.t.refreshedMarks = 0; window.t.session.on("refreshed", () => { window.t.refreshedMarks++; }); });
      const revocations = stats().revocations;
      const popup = await arm(page, "confirm");
      await fillLogin(popup, SECOND_USER);
      const r = await result(page);
      assert.equal(r.ok, false);
      assert.equal(r.error.code, "user_mismatch", JSON.stringify(r.error));
      assert.equal(r.error.name, "CortiAuthError");
      const after = await page.evaluate(() => ({ ...window.t.session.tokens }));
      assert.equal(after.access_token, before.access_token, "the session kept its access token");
      assert.equal(after.refresh_token, before.refresh_token, "the session kept its refresh token");
      assert.equal(await page.evaluate(() => window.t.refreshedMarks), 0, "no refreshed event");
      assert.equal((await idClaims(page)).subject, h.env.user.sub);
      assert.equal(stats().revocations, revocations + 1, "the other clinician's refresh token revoked");
      await closed(popup); // after the end-session form, back on the callback page, which closes itself
      // Their provider session is gone: a silent sign-in finds nobody.
      const restored = await page.evaluate(() => window.t.try(async () => {
        const s = await window.t.client.restore({ timeoutMs: 10000 });
        return s ? window.t.corti.decodeToken(s.tokens.access_token).preferredUsername : null;
      }));
      assert.ok(restored.ok, JSON.stringify(restored.error));
      assert.equal(restored.value, null, "no SSO session signs anyone in");
    });
  });
}

// WebKitWebDriver answers no command into a popup whose opener closes it while its wasm page loads (seen: 310 s
// without an answer), and at times none into the opener either while that popup goes (a restore() evaluated in the
// opener got no answer in 90 s, under load, in CI and in make soak-e2e): in WebKit the test asks the provider, not the
// browser, whether the other clinician's session ended, and looks at neither window after the prompt (not even at the
// opener's result).
const watchClose = engine !== "webkit";
test("another clinician, the popup landing on a page that calls handleCallback() (wasm hands over): user_mismatch, their provider session ended there" + (watchClose ? ", the popup closed, no silent sign-in" : " (WebKit: asked of the provider, not the windows; its driver hangs there)"), async () => {
  await withContext(h.browser, async (ctx) => {
    // popupRedirectUri: the app page, which calls handleCallback() itself there (?popupApp).
    const page = await openApp(ctx, h.env, `?popup=${encodeURIComponent("/e2e/app.html?popupApp=1")}`);
    await signedIn(page);
    const t0 = Date.now();
    const popup = await arm(page, "confirm");
    await fillLogin(popup, SECOND_USER);
    if (watchClose) {
      const r = await result(page);
      assert.equal(r.error?.code, "user_mismatch", JSON.stringify(r));
    }
    // WebKit: the opener is not asked either (its driver held an evaluate of window.t.result there for 90 to 180 s
    // while the popup closed, in a fresh-clone run and in make soak-e2e). The outcome is read at the provider: the
    // end-session form that ends the other clinician's session is submitted only on user_mismatch (the code itself
    // is asserted in WebKit by the two tests above).
    // Their provider session ends in the popup, by the end-session form it submits: the provider logs it.
    await waitFor(() => h.env.control.endSessions().some((e) => e.at >= t0 && e.accountId && e.accountId !== h.env.user.sub),
      { timeout: 60000, what: "the other clinician's provider session ended" });
    if (!watchClose) return;
    await closed(popup);
    // And seen from the page: poll until a silent sign-in finds nobody.
    await waitFor(() => page.evaluate(() => window.t.client.restore({ timeoutMs: 5000 }).then((s) => s === null, () => false)),
      { timeout: 60000, what: "no SSO session left" });
    const restored = await page.evaluate(() => window.t.try(async () => (await window.t.client.restore({ timeoutMs: 10000 })) !== null));
    assert.equal(restored.value, false, "no SSO session signs anyone in: " + JSON.stringify(restored));
  });
});

test("called outside the session's life: session_ended; a bad maxAge: invalid_config, no popup", async () => {
  await withContext(h.browser, async (ctx) => {
    const page = await openApp(ctx, h.env, `?popup=${CALLBACK}`);
    await signedIn(page);
    const bad = await page.evaluate(() => window.t.try(() => window.t.session.reauthenticate({ maxAge: -1 })));
    assert.equal(bad.error?.code, "invalid_config", JSON.stringify(bad));
    await page.evaluate(() => window.t.session.logout({ navigate: false }));
    const ended = await page.evaluate(() => window.t.try(() => window.t.session.reauthenticate()));
    assert.equal(ended.error?.code, "session_ended", JSON.stringify(ended));
  });
});
});
