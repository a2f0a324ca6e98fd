// Issue 15 §3: who refreshes. The stand-in Assistant can refresh by itself
// (selfRefresh=1: with the refresh token auth gave it, at the provider's real
// token endpoint; here at 10 % of the access token's life, selfRefreshAt=0.1,
// so before the host, which refreshes at about half of it with these
// short tokens), and the provider rotates
// refresh tokens or not (env.control.setRotation; off is Keycloak's default).
//
// The matrix, each against a real session of several refresh cycles:
//   default (the host is the only refresher: auth carries no refresh token)
//     rotation off / on, stand-in refreshing by itself or not → no session lost;
//   assistantRefreshes: true (the refresh token is handed over too)
//     rotation off, refreshing by itself → no session lost, its own refreshes succeed;
//     rotation on, not refreshing by itself → no session lost (the host alone uses the chain);
//     rotation on, refreshing by itself → the provider revokes the grant: the session ends,
//       and first the session and the assistant get an "error" assistant_refresh_conflict naming the cause.
//
// "No session lost": three host refreshes, each followed by an auth the stand-in accepted; the session never
// ended and had no error; the stand-in reports itself authenticated with an unexpired token at the end.
// Runs in every engine of ENGINES (harness.mjs forEachEngine).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setup, signedInPage, withContext, waitFor, frameOf, forEachEngine } from "./harness.mjs";

const TTL = 8; // seconds (more than MinValidity, 5 s, + 1 s of expiry margin): the host refreshes every ~3.5 s, a self-refreshing stand-in 0.8 s after a token's receipt

forEachEngine((engine) => {
let h;
before(async () => { h = await setup({ accessTokenTTL: TTL }, engine); });
after(async () => { await h?.close(); });

/** Signs in (rotation as given, stand-in mode as given), mounts with opts; records session and assistant events. */
async function mounted(ctx, { rotate, selfRefresh, opts }) {
  h.env.control.setRotation(rotate);
  h.env.control.setAssistantDefaults(selfRefresh ? "selfRefresh=1&selfRefreshAt=0.1" : "");
  const page = await signedInPage(ctx, h.env);
  const r = await page.evaluate((opts) => window.t.try(async () => {
    const t = window.t;
    t.AE = [];
    t.A = await t.session.mountAssistant("#pane-a", opts);
    t.A.on("*", (d, n) => t.AE.push({ name: n, code: d && d.code, reason: d && d.reason, message: d && d.message, at: Date.now() }));
    return t.A.user;
  }), opts || null);
  assert.ok(r.ok, JSON.stringify(r.error));
  const frame = await frameOf(page, "#pane-a iframe");
  const pageId = await waitFor(() => frame.evaluate(() => window.__assistant && window.__assistant.pageId), { what: "the stand-in's page id" });
  return { page, pageId };
}

const sessionEvents = (page) => page.evaluate(() => window.t.events.map((e) => ({ name: e.name, code: e.code, reason: e.reason })));
const assistantEvents = (page) => page.evaluate(() => window.t.AE);
const ownRefreshes = (pageId) => h.env.control.assistantLog().filter((r) => r.kind === "refresh" && r.page === pageId);

/** Three host refreshes with an accepted auth after each; nothing ended, no error; the stand-in authenticated. */
async function assertNoSessionLost(page, pageId, { ownRefreshesExpected }) {
  await waitFor(async () => {
    const ev = await sessionEvents(page);
    if (ev.some((e) => e.name === "ended")) throw new Error("the session ended: " + JSON.stringify(ev));
    const auths = (await assistantEvents(page)).filter((e) => e.name === "auth").length;
    return ev.filter((e) => e.name === "refreshed").length >= 3 && auths >= 3;
  }, { timeout: 60000, interval: 200, what: "three refreshes, each re-authenticating the Assistant" });
  const ev = await sessionEvents(page);
  assert.deepEqual(ev.filter((e) => e.name === "error" || e.name === "ended"), [], "no session error, no end");
  assert.deepEqual((await assistantEvents(page)).filter((e) => e.name === "error" || e.name === "ended"), [], "no assistant error, no end");
  const st = await page.evaluate(() => window.t.try(() => window.t.A.getStatus()));
  assert.ok(st.ok && st.value.auth.isAuthenticated, "the stand-in is authenticated: " + JSON.stringify(st));
  const own = ownRefreshes(pageId);
  if (ownRefreshesExpected) {
    assert.ok(own.length >= 1, "the stand-in refreshed by itself");
    assert.ok(own.every((r) => r.ok), "its own refreshes succeeded: " + JSON.stringify(own));
  } else {
    assert.deepEqual(own, [], "the stand-in had no refresh token to refresh with");
  }
}

for (const rotate of [false, true]) {
  for (const selfRefresh of [true, false]) {
    test(`default (the host refreshes): rotation ${rotate ? "on" : "off"}, stand-in ${selfRefresh ? "refreshing by itself" : "not refreshing"}: no session lost`, { timeout: 180000 }, async () => {
      await withContext(h.browser, async (ctx) => {
        const { page, pageId } = await mounted(ctx, { rotate, selfRefresh });
        await assertNoSessionLost(page, pageId, { ownRefreshesExpected: false });
        const frame = await frameOf(page, "#pane-a iframe");
        const sent = await frame.evaluate(() => window.__assistant.received.filter((r) => r.data && r.data.action === "auth").map((r) => "refresh_token" in r.data.payload));
        assert.ok(sent.length >= 3 && sent.every((has) => !has), "no auth carried a refresh token: " + JSON.stringify(sent));
      });
    });
  }
}

test("assistantRefreshes, rotation off, stand-in refreshing by itself: no session lost, its own refreshes succeed", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const { page, pageId } = await mounted(ctx, { rotate: false, selfRefresh: true, opts: { assistantRefreshes: true } });
    await assertNoSessionLost(page, pageId, { ownRefreshesExpected: true });
  });
});

test("assistantRefreshes, rotation on, stand-in not refreshing: no session lost (the host alone uses the chain)", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const { page, pageId } = await mounted(ctx, { rotate: true, selfRefresh: false, opts: { assistantRefreshes: true } });
    await assertNoSessionLost(page, pageId, { ownRefreshesExpected: false });
  });
});

test("assistantRefreshes, rotation on, stand-in refreshing by itself: the grant is revoked, and assistant_refresh_conflict names the cause before the end", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const { page, pageId } = await mounted(ctx, { rotate: true, selfRefresh: true, opts: { assistantRefreshes: true } });
    const ev = await waitFor(async () => {
      const ev = await sessionEvents(page);
      return ev.some((e) => e.name === "ended") && ev;
    }, { timeout: 60000, interval: 200, what: "the session's end" });
    const end = ev.findIndex((e) => e.name === "ended");
    assert.equal(ev[end].reason, "invalid_grant");
    const conflict = ev.findIndex((e) => e.name === "error" && e.code === "assistant_refresh_conflict");
    assert.ok(conflict >= 0 && conflict < end, "the session's error named the cause before ended: " + JSON.stringify(ev));
    assert.ok(ev.some((e, i) => i < conflict && e.name === "error" && e.code === "oauth_error"), "after the provider's own refusal");
    const own = ownRefreshes(pageId);
    // Whichever side refreshed first consumed the token the other still held: the stand-in's refresh either
    // rotated it (and the host's was the reuse) or was itself the reuse, refused (or it was cut short by the
    // frame's unload at the end).
    assert.ok(own.length >= 1 && own.every((r) => (r.ok && r.rotated) || r.error === "invalid_grant" || /^network/.test(r.error)), "the stand-in refreshed by itself: " + JSON.stringify(own));
    const ae = await waitFor(async () => {
      const ae = await assistantEvents(page);
      return ae.some((e) => e.name === "ended") && ae;
    }, { what: "the assistant's end" });
    const aConflict = ae.findIndex((e) => e.name === "error" && e.code === "assistant_refresh_conflict");
    assert.ok(aConflict >= 0 && aConflict < ae.findIndex((e) => e.name === "ended"), "the assistant's error before its ended: " + JSON.stringify(ae));
    assert.match(ae[aConflict].message, /assistantRefreshes/);
    assert.equal(await page.evaluate(() => document.querySelector("#pane-a iframe")), null, "the frame is gone with the session");
  });
});
});
