// Issue 15 §1: when the session ends, for any reason, the Assistant's frame is
// navigated to about:blank and removed, and the assistant emits "ended": after
// logout({navigate:false}), after revocation (the refresh refused), after
// expiry (fromTokens with an access token only) and after destroy(), the
// stand-in Assistant's document is gone — it reports its unload to its server
// (env.control.assistantLog(), kind "unload", with the page's id) — the
// iframe was blanked before it left the DOM, and no later message reaches it.
//
// Instruments (see newContext): the top page records the src of every iframe
// removed from the DOM (window.__removed), at the moment of removal — from an
// init script where the engine has them, else installed after load, before
// any mount. Where the engine has bindings too (Chromium), every sub-frame
// records each message it receives through a Playwright binding (rec); in the
// other engines "nothing reached the Assistant after the end" is checked on
// the stand-in's own records (its unload report's count of messages received,
// no later auth report, no Assistant frame left in the page), and the test
// names say so.
//
// Runs in every engine of ENGINES (harness.mjs forEachEngine).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setup, signedInPage, openApp, signIn, sleep, frameOf, forEachEngine, CAN } from "./harness.mjs";

forEachEngine((engine) => {
const can = CAN[engine];
const recorder = can.binding && can.initScript;
const after_ = recorder ? "" : " (after the end: the stand-in's own records; a per-frame recorder needs a binding: Chromium only)";
let h;
before(async () => { h = await setup({ accessTokenTTL: 10 }, engine); });
after(async () => { await h?.close(); });

/** The top page records the src of every iframe removed from the DOM in window.__removed. */
function watchRemovals() {
  if (window.top !== window || window.__removed) return;
  window.__removed = [];
  new MutationObserver((list) => {
    for (const m of list) {
      for (const n of m.removedNodes) {
        if (n.nodeName === "IFRAME") window.__removed.push({ src: n.getAttribute("src"), at: Date.now() });
      }
    }
  }).observe(document, { childList: true, subtree: true });
}

/** A context; rec is the frame recorder's list where the engine has one (Chromium), else null. */
async function newContext() {
  const ctx = await h.browser.newContext();
  if (can.initScript) await ctx.addInitScript(watchRemovals); // else signedIn installs it after load
  if (!recorder) return { ctx, rec: null };
  const rec = [];
  await ctx.exposeBinding("__e2eRecord", ({ frame }, r) => { rec.push({ ...r, frameURL: frame.url() }); });
  await ctx.addInitScript(() => {
    if (window.top === window) return;
    addEventListener("message", (e) => {
      let data;
      try { data = JSON.parse(JSON.stringify(e.data)); } catch { data = String(e.data); }
      try { window.__e2eRecord({ at: Date.now(), origin: location.origin, from: e.origin, data }); } catch { /* binding gone */ }
    }, true);
  });
  return { ctx, rec };
}

/** A signed-in page with the removal watch installed (before any mount). */
async function signedIn(ctx) {
  const page = await signedInPage(ctx, h.env);
  if (!can.initScript) await page.evaluate(watchRemovals);
  assert.deepEqual(await page.evaluate(() => window.__removed), [], "the removal watch is on");
  return page;
}

/** Polls fn (async, may throw while a frame navigates) until it returns a truthy value. */
async function until(fn, { timeout = 60000, interval = 50, what = "condition" } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}; last: ${last instanceof Error ? last.message : JSON.stringify(last)}`);
    await sleep(interval);
  }
}

/** Mounts an Assistant for session (window.t.session, or window.t.bare) in #pane-a; records its events in t.AE. */
const mount = (page, which = "session") => page.evaluate((which) => window.t.try(async () => {
  const t = window.t;
  const a = await t[which].mountAssistant("#pane-a", { requestTimeoutMs: 20000 });
  t.A = a;
  t.AE = [];
  a.on("*", (d, n) => t.AE.push({ name: n, reason: d && d.reason, at: Date.now() }));
  return a.user;
}), which);

const assistantFrame = (page) => frameOf(page, "#pane-a iframe");

const unloadOf = (pageId) => h.env.control.assistantLog().find((r) => r.kind === "unload" && r.page === pageId);

/**
 * After the end: the frame reported its unload, the iframe was blanked before it left the DOM and is gone,
 * no message reached the Assistant after the end, and requests reject with code.
 */
async function assertGone(page, rec, pageId, { ended, code }) {
  if (ended) {
    const e = await until(() => page.evaluate(() => window.t.AE.find((x) => x.name === "ended")), { timeout: 60000, what: "the assistant's ended" });
    assert.equal(e.reason, ended, "ended carries the session's reason");
  }
  const u = await until(() => unloadOf(pageId), { timeout: 60000, what: "the stand-in's unload report" });
  assert.ok(u.event === "pagehide" || u.event === "unload", `unload event ${u.event}`);
  assert.equal(await page.evaluate(() => document.querySelector("#pane-a iframe")), null, "the iframe is no longer in the DOM");
  const removed = await page.evaluate(() => window.__removed);
  assert.equal(removed.length, 1, JSON.stringify(removed));
  assert.equal(removed[0].src, "about:blank", "navigated to about:blank before it was removed");
  // Nothing more: a request, the session's own refresh; then nothing was received by an Assistant document.
  const r = await page.evaluate(() => window.t.try(() => window.t.A.getStatus()));
  assert.equal(r.ok, false);
  assert.equal(r.error.code, code);
  await page.evaluate(() => window.t.try(() => window.t.session.refresh()));
  if (rec) {
    const late = rec.filter((x) => x.origin === h.env.assistantBaseURL && x.at >= removed[0].at);
    assert.deepEqual(late, [], "no message reached the Assistant after the end");
  } else {
    // The document that had the session's tokens is gone (its unload report), no Assistant frame is left or
    // was made since, and no Assistant document accepted an auth after the removal.
    assert.equal(await page.evaluate((base) => [...document.querySelectorAll("iframe")].filter((f) => (f.src || "").startsWith(base)).length, h.env.assistantBaseURL), 0, "no Assistant frame in the page");
    const later = h.env.control.assistantLog().filter((r) => r.at >= removed[0].at && !(r.kind === "unload" && r.page === pageId));
    assert.deepEqual(later, [], "the stand-in recorded nothing after the end but this document's unload");
  }
  assert.ok(u.received >= 1, "the stand-in had received the auth before");
}

test("logout({navigate:false}) → the Assistant's document is blanked and removed, ended, nothing more reaches it" + after_, { timeout: 180000 }, async () => {
  const { ctx, rec } = await newContext();
  try {
    const page = await signedIn(ctx);
    const m = await mount(page);
    assert.ok(m.ok, JSON.stringify(m.error));
    const pageId = await (await assistantFrame(page)).evaluate(() => window.__assistant.pageId);
    assert.equal(unloadOf(pageId), undefined, "no unload while signed in");
    const lo = await page.evaluate(() => window.t.try(() => window.t.session.logout({ navigate: false })));
    assert.ok(lo.ok, JSON.stringify(lo.error));
    await assertGone(page, rec, pageId, { ended: "logout", code: "session_ended" });
  } finally {
    await ctx.close();
  }
});

test("fromTokens with an access token only: at expiry the Assistant's document is gone, ended {reason: expired}" + after_, { timeout: 180000 }, async () => {
  const { ctx, rec } = await newContext();
  try {
    const page = await signedIn(ctx);
    const made = await page.evaluate(() => window.t.try(async () => {
      const full = window.t.session.tokens;
      window.t.bare = window.t.client.fromTokens({ access_token: full.access_token, expires_in: full.expires_at - Math.floor(Date.now() / 1000), token_type: "Bearer" });
      return true;
    }));
    assert.ok(made.ok, JSON.stringify(made.error));
    const m = await mount(page, "bare");
    assert.ok(m.ok, JSON.stringify(m.error));
    const pageId = await (await assistantFrame(page)).evaluate(() => window.__assistant.pageId);
    await assertGone(page, rec, pageId, { ended: "expired", code: "session_ended" });
  } finally {
    await ctx.close();
  }
});

test("destroy() → the Assistant's document is blanked and removed, nothing more reaches it" + after_, { timeout: 180000 }, async () => {
  const { ctx, rec } = await newContext();
  try {
    const page = await signedIn(ctx);
    const m = await mount(page);
    assert.ok(m.ok, JSON.stringify(m.error));
    const pageId = await (await assistantFrame(page)).evaluate(() => window.__assistant.pageId);
    await page.evaluate(() => window.t.A.destroy());
    await assertGone(page, rec, pageId, { code: "assistant_error" });
    assert.equal(await page.evaluate(() => window.t.AE.some((x) => x.name === "ended")), false, "destroy() emits no ended");
  } finally {
    await ctx.close();
  }
});

// Issue 22 §4: close() signs the Assistant out like any end.
test("close() → the Assistant's document is blanked and removed, ended {reason: closed}, nothing more reaches it" + after_, { timeout: 180000 }, async () => {
  const { ctx, rec } = await newContext();
  try {
    const page = await signedIn(ctx);
    const m = await mount(page);
    assert.ok(m.ok, JSON.stringify(m.error));
    const pageId = await (await assistantFrame(page)).evaluate(() => window.__assistant.pageId);
    await page.evaluate(() => window.t.session.close());
    await assertGone(page, rec, pageId, { ended: "closed", code: "session_ended" });
  } finally {
    await ctx.close();
  }
});

// Issue 22 §4: an Assistant mounted early, on the callback page, under a page-wide unsafe-url policy (older EHR
// set-ups send one) never gets the code and state in its Referer: the iframe says referrerpolicy="origin", and its src
// is set only once handleCallback() has cleaned the address (WebKit sends the page's address despite the attribute).
const exactOrigin = engine !== "webkit";
test("an Assistant mounted before handleCallback(), page policy unsafe-url: no code or state in its Referer" + (exactOrigin ? ", the origin only" : " (WebKit ignores the iframe's referrerpolicy: the clean address)"), { timeout: 180000 }, async () => {
  const { ctx } = await newContext();
  try {
    const page = await openApp(ctx, h.env);
    await signIn(page, h.env); // on the callback page now: ?code=…&state=…
    const loads = h.env.control.assistantReferers().length;
    const r = await page.evaluate(() => window.t.try(async () => {
      const m = document.createElement("meta"); m.name = "referrer"; m.content = "unsafe-url"; document.head.append(m);
      const early = window.t.client.mountAssistant("#pane-a");
      const policy = early.iframe.getAttribute("referrerpolicy");
      const s = window.t.track(await window.t.client.handleCallback());
      await early.authenticate(s);
      return policy;
    }));
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal(r.value, "origin", "the iframe's referrerpolicy");
    const referers = h.env.control.assistantReferers().slice(loads);
    assert.equal(referers.length, 1, JSON.stringify(referers));
    const referer = referers[0].referer || "";
    assert.doesNotMatch(referer, /code=|state=/, "no authorization response in the Assistant's Referer");
    const docReferrer = await (await assistantFrame(page)).evaluate(() => document.referrer);
    assert.doesNotMatch(docReferrer, /code=|state=/, "nor in its document.referrer");
    if (exactOrigin) {
      assert.equal(referer, h.env.hostURL + "/", "the origin only");
      assert.equal(docReferrer, h.env.hostURL + "/");
    }
  } finally {
    await ctx.close();
  }
});

test("close() with assistantRefreshes: the refresh token the Assistant was handed is revoked", { timeout: 180000 }, async () => {
  const { ctx } = await newContext();
  try {
    const page = await signedIn(ctx);
    const m = await page.evaluate(() => window.t.try(async () => {
      window.t.A = await window.t.session.mountAssistant("#pane-a", { assistantRefreshes: true });
      return true;
    }));
    assert.ok(m.ok, JSON.stringify(m.error));
    const rt = await page.evaluate(() => window.t.session.tokens.refresh_token);
    const revocations = h.env.control.stats().revocations;
    await page.evaluate(() => window.t.session.close());
    await until(() => h.env.control.stats().revocations > revocations, { timeout: 60000, what: "the revocation" });
    const r = await page.evaluate(async ([url, clientId, token]) => {
      const res = await fetch(url, { method: "POST", body: new URLSearchParams({ grant_type: "refresh_token", client_id: clientId, refresh_token: token }) });
      return { status: res.status, body: await res.json() };
    }, [h.env.tokenURL, await page.evaluate(() => window.t.config.clientId), rt]);
    assert.equal(r.status, 400, JSON.stringify(r));
    assert.equal(r.body.error, "invalid_grant", "the handed-over refresh token is dead");
  } finally {
    await ctx.close();
  }
});

test("showDeviceLinkQR() hands the refresh token over only when asked: invalid_config naming shareRefreshToken, then shared", { timeout: 180000 }, async () => {
  const { ctx } = await newContext();
  try {
    const page = await signedIn(ctx);
    const m = await mount(page);
    assert.ok(m.ok, JSON.stringify(m.error));
    const frame = await assistantFrame(page);
    const refused = await page.evaluate(() => window.t.try(() => window.t.A.showDeviceLinkQR()));
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, "invalid_config", JSON.stringify(refused.error));
    assert.match(refused.error.message, /shareRefreshToken/);
    assert.equal(await frame.evaluate(() => window.__assistant.qr.length), 0, "nothing reached the Assistant");
    const shared = await page.evaluate(() => window.t.try(() => window.t.A.showDeviceLinkQR({ shareRefreshToken: true })));
    assert.ok(shared.ok, JSON.stringify(shared.error));
    assert.ok(["approved", "denied", "expired", "dismissed"].includes(shared.value.status), JSON.stringify(shared.value));
    const qr = await frame.evaluate(() => window.__assistant.qr);
    assert.equal(qr.length, 1);
    assert.ok(qr[0].keys.includes("refresh_token"));
  } finally {
    await ctx.close();
  }
});

// Last: it revokes every grant at the provider.
test("revocation (the refresh refused) → the Assistant's document is gone, ended, nothing more reaches it" + after_, { timeout: 180000 }, async () => {
  const { ctx, rec } = await newContext();
  try {
    const page = await signedIn(ctx);
    const m = await mount(page);
    assert.ok(m.ok, JSON.stringify(m.error));
    const pageId = await (await assistantFrame(page)).evaluate(() => window.__assistant.pageId);
    await h.env.control.revokeAll();
    const ref = await page.evaluate(() => window.t.try(() => window.t.session.refresh()));
    assert.equal(ref.ok, false, "the refresh is refused");
    await assertGone(page, rec, pageId, { ended: "invalid_grant", code: "session_ended" });
  } finally {
    await ctx.close();
  }
});
});
