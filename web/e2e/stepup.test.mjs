// Issue 13 §5: step-up and re-authentication against the local provider. Before
// a "sensitive action" the page asks for a fresh login (prompt "login", maxAge
// 0): the provider shows its form although its SSO session lives, and the new
// ID token's auth_time is fresh. A requested acr the provider does not give is
// refused at the callback (id_token_invalid, check "acr"); a maxAge the SSO
// session satisfies needs no form. Redirect login only: loginWithPopup is not
// built on this branch.
//
// Runs in every engine of ENGINES (harness.mjs forEachEngine).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setup, openApp, signIn, withContext, forEachEngine } from "./harness.mjs";

forEachEngine((engine) => {
let h;
before(async () => { h = await setup({}, engine); });
after(async () => { await h?.close(); });

const idTokenClaims = (page) => page.evaluate(() => window.t.corti.decodeToken(window.t.session.tokens.id_token));

const handle = (page) => page.evaluate(() => window.t.try(async () => {
  window.t.track(await window.t.client.handleCallback());
  return true;
}));

/** Polls until the wall clock has passed epoch second s (auth_time has a resolution of one second). */
async function pastSecond(page, s) {
  await page.waitForFunction((sec) => Date.now() / 1000 > sec + 1, s, { polling: 100, timeout: 60000 });
}

test("prompt login + maxAge 0 before a sensitive action: the form again, a fresh auth_time", async () => {
  await withContext(h.browser, async (ctx) => {
    const page = await openApp(ctx, h.env);
    await signIn(page, h.env);
    const r = await handle(page);
    assert.ok(r.ok, JSON.stringify(r.error));
    const first = await idTokenClaims(page);
    assert.equal(typeof first.authTime, "number");
    assert.ok(first.authTime > 0, "the provider puts auth_time in the ID token");
    await pastSecond(page, first.authTime);

    // The sensitive action: re-authenticate first.
    const url = await page.evaluate(() => window.t.client.authorizeURL({ prompt: "login", maxAge: 0, acrValues: ["1"] }));
    assert.equal(new URL(url).searchParams.get("max_age"), "0");
    assert.equal(new URL(url).searchParams.get("acr_values"), "1");
    await page.goto(url);
    await page.waitForSelector("#password", { timeout: 60000 }); // asked again, despite the live SSO session
    await page.fill("#username", h.env.user.username);
    await page.fill("#password", h.env.user.password);
    const before = Date.now() / 1000;
    await Promise.all([
      page.waitForURL((u) => u.searchParams.has("state"), { timeout: 60000 }),
      page.click("#kc-login"),
    ]);
    await page.waitForFunction(() => document.body.dataset.ready === "1");
    const r2 = await handle(page);
    assert.ok(r2.ok, JSON.stringify(r2.error));
    const fresh = await idTokenClaims(page);
    assert.ok(fresh.authTime > first.authTime, `auth_time moved on: ${first.authTime} → ${fresh.authTime}`);
    assert.ok(fresh.authTime >= Math.floor(before) - 1 && fresh.authTime <= Date.now() / 1000 + 1,
      `auth_time ${fresh.authTime} is the login just made (${before})`);
    assert.equal(fresh.subject, first.subject);
    assert.equal(fresh.acr, "1", "the acr asked for: a password login's, as Keycloak gives it");
  });
});

test("maxAge the SSO session satisfies: no form, the old auth_time accepted", async () => {
  await withContext(h.browser, async (ctx) => {
    const page = await openApp(ctx, h.env);
    await signIn(page, h.env);
    assert.ok((await handle(page)).ok);
    const first = await idTokenClaims(page);
    const url = await page.evaluate(() => window.t.client.authorizeURL({ maxAge: 3600 }));
    await page.goto(url);
    await page.waitForURL((u) => u.searchParams.has("state"), { timeout: 60000 }); // straight back, no form
    await page.waitForFunction(() => document.body.dataset.ready === "1");
    const r = await handle(page);
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal((await idTokenClaims(page)).authTime, first.authTime, "the SSO session's authentication");
  });
});

test("acrValues the provider does not meet: id_token_invalid, check acr, no session, nothing left in storage", async () => {
  await withContext(h.browser, async (ctx) => {
    const page = await openApp(ctx, h.env);
    await signIn(page, h.env, { authorize: { prompt: "login", acrValues: ["2"] } });
    const before = h.env.control.stats().token.authorization_code;
    const r = await handle(page);
    assert.equal(r.ok, false);
    assert.equal(r.error.code, "id_token_invalid");
    assert.equal(r.error.check, "acr");
    assert.equal(h.env.control.stats().token.authorization_code, before + 1, "checked after the exchange, on the ID token");
    const pending = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("corti-auth:pending:")));
    assert.deepEqual(pending, []);
    assert.equal(await page.evaluate(() => window.t.session), null);
  });
});
});
