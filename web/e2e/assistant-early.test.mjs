// Issue 15 §6: the Assistant loads while the clinician signs in.
// client.mountAssistant(target, opts) is synchronous: the iframe is in the page and loading at once, before any
// session exists; assistant.authenticate(session) signs it in when there is one (after handleCallback here, or any
// session: fromTokens, restore, a popup login). The stand-in announces ready after a delay (readyDelayMs, as a
// large application loading would), so authenticate waits for it; nothing is posted to the frame before its ready.
// Also: authenticate twice (one auth), an ended session (session_ended, the frame stays for a live one), a
// client-credentials token (not_user_token, nothing posted), the session's end (the early mount's frame is blanked
// and removed, "ended"), a second session of another user (refused while the first lives), and
// session.mountAssistant's object authenticating with its own session.
// Runs in every engine of ENGINES (harness.mjs forEachEngine).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setup, openApp, signIn, signedInPage, withContext, waitFor, frameOf, forEachEngine } from "./harness.mjs";

const DELAY = 1500; // the stand-in's wait before embedded.ready

forEachEngine((engine) => {
let h;
before(async () => { h = await setup({ accessTokenTTL: 30 }, engine); });
after(async () => { await h?.close(); });

/** The stand-in's record: when it announced ready, and what it received (time and action). */
async function standIn(page) {
  const frame = await frameOf(page, "#pane-a iframe");
  return waitFor(() => frame.evaluate(() => window.__assistant && {
    pageId: window.__assistant.pageId,
    readyAt: window.__assistant.readyAt,
    authCount: window.__assistant.authCount,
    received: window.__assistant.received.map((r) => ({ at: r.at, action: r.data && r.data.action })),
  }), { what: "the stand-in's record" });
}

/** Mounts early on the page (window.t.E), recording its events in window.t.EE. Returns what was true at once. */
const mountEarly = (page, opts) => page.evaluate((opts) => window.t.try(() => {
  const t = window.t;
  const before = Date.now();
  t.E = t.client.mountAssistant("#pane-a", opts || undefined);
  t.EE = [];
  t.E.on("*", (d, n) => t.EE.push({ name: n, reason: d && d.reason, code: d && d.code, at: Date.now() }));
  const iframe = document.querySelector("#pane-a iframe");
  return { sync: !(t.E instanceof Promise) && typeof t.E.authenticate === "function", mountedIn: Date.now() - before,
    inDOM: iframe === t.E.iframe, src: iframe && iframe.getAttribute("src"), user: t.E.user };
}), opts || null);

const authenticate = (page, which = "session") => page.evaluate((which) => window.t.try(async () => {
  const at = Date.now();
  const u = await window.t.E.authenticate(window.t[which]);
  return { user: u, at, done: Date.now() };
}), which);

test("mounted before the callback is handled: the frame loads once handleCallback() cleaned the address (before the exchange), authenticate(session) after handleCallback signs it in after its ready", { timeout: 180000 }, async () => {
  h.env.control.setAssistantDefaults(`readyDelayMs=${DELAY}`);
  await withContext(h.browser, async (ctx) => {
    const page = await openApp(ctx, h.env);
    await signIn(page, h.env); // the callback page is loaded; handleCallback not called yet
    const m = await mountEarly(page);
    assert.ok(m.ok, JSON.stringify(m.error));
    assert.equal(m.value.sync, true, "mountAssistant returned the Assistant itself, not a promise");
    assert.equal(m.value.inDOM, true, "the iframe is in the page at once");
    // Issue 22 §4: not with the code and state in the address (they would reach the Assistant as its Referer).
    assert.equal(m.value.src, null, "no src while the address holds the callback");
    assert.equal(m.value.user, null, "not signed in yet");
    const r = await page.evaluate(() => window.t.try(async () => {
      const p = window.t.client.handleCallback();
      window.t.srcAtClean = window.t.E.iframe.getAttribute("src"); // the address is clean before the exchange starts
      const s = window.t.track(await p);
      const session = Date.now();
      const u = await window.t.E.authenticate(s);
      return { user: u, session, done: Date.now(), same: window.t.E.user && window.t.E.user.id === u.id };
    }));
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal(r.value.user.id, h.env.user.sub);
    assert.equal(r.value.same, true, "assistant.user is set");
    assert.equal(await page.evaluate(() => window.t.srcAtClean), `${h.env.assistantBaseURL}/embedded`, "loading while the code is exchanged");
    const st = await standIn(page);
    assert.equal(st.authCount, 1);
    const firstPost = st.received.find((x) => x.action);
    assert.ok(st.readyAt !== null && firstPost.at >= st.readyAt, "nothing was posted before embedded.ready");
    assert.equal(firstPost.action, "auth");
    const ev = await page.evaluate(() => window.t.EE.map((e) => e.name));
    assert.ok(ev.includes("embedded.ready") && ev.includes("auth"), JSON.stringify(ev));
  });
});

test("authenticate before the frame is ready waits for it; twice with the same session: one auth, the same user", { timeout: 180000 }, async () => {
  h.env.control.setAssistantDefaults(`readyDelayMs=${DELAY}`);
  await withContext(h.browser, async (ctx) => {
    const page = await signedInPage(ctx, h.env);
    assert.ok((await mountEarly(page)).ok);
    const both = await page.evaluate(() => window.t.try(async () => {
      const [a, b] = await Promise.all([window.t.E.authenticate(window.t.session), window.t.E.authenticate(window.t.session)]);
      const c = await window.t.E.authenticate(window.t.session); // and once more after it
      return [a.id, b.id, c.id];
    }));
    assert.ok(both.ok, JSON.stringify(both.error));
    assert.deepEqual(both.value, [h.env.user.sub, h.env.user.sub, h.env.user.sub]);
    const st = await standIn(page);
    assert.equal(st.authCount, 1, "one auth for three calls");
    assert.ok(st.received.filter((x) => x.action).every((x) => x.at >= st.readyAt), "nothing before ready");
  });
});

test("an ended session is refused (session_ended), a client-credentials token too (not_user_token, nothing posted); a live session then signs the frame in", { timeout: 180000 }, async () => {
  h.env.control.setAssistantDefaults("");
  const svc = await h.env.control.clientCredentialsToken();
  await withContext(h.browser, async (ctx) => {
    const page = await signedInPage(ctx, h.env);
    assert.ok((await mountEarly(page)).ok);
    const r = await page.evaluate((svc) => window.t.try(async () => {
      const t = window.t;
      const short = t.client.fromTokens({ access_token: t.session.tokens.access_token, token_type: "Bearer", expires_in: 1 });
      await new Promise((res) => { if (short.ended) res(); else short.on("ended", res); });
      const out = {};
      for (const [k, s] of [["ended", short], ["service", t.client.fromTokens(svc)]]) {
        try { await t.E.authenticate(s); out[k] = "resolved"; } catch (e) { out[k] = e.code; }
      }
      try { await t.E.authenticate({ not: "a session" }); out.other = "resolved"; } catch (e) { out.other = e.code; }
      out.user = (await t.E.authenticate(t.session)).id;
      return out;
    }), svc);
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.deepEqual(r.value, { ended: "session_ended", service: "not_user_token", other: "invalid_config", user: h.env.user.sub });
    const st = await standIn(page);
    assert.deepEqual(st.received.filter((x) => x.action).map((x) => x.action), ["auth"], "only the user session's auth was posted");
  });
});

test("the session's end blanks and removes the early-mounted frame and emits ended; authenticate then rejects", { timeout: 180000 }, async () => {
  h.env.control.setAssistantDefaults("");
  await withContext(h.browser, async (ctx) => {
    const page = await signedInPage(ctx, h.env);
    assert.ok((await mountEarly(page)).ok);
    assert.ok((await authenticate(page)).ok);
    const { pageId } = await standIn(page);
    await page.evaluate(() => window.t.try(() => window.t.session.logout({ navigate: false })));
    const ended = await waitFor(() => page.evaluate(() => window.t.EE.find((e) => e.name === "ended")), { what: "the assistant's ended" });
    assert.equal(ended.reason, "logout");
    await waitFor(() => h.env.control.assistantLog().find((x) => x.kind === "unload" && x.page === pageId), { what: "the stand-in's unload" });
    assert.equal(await page.evaluate(() => document.querySelector("#pane-a iframe")), null, "the frame is gone");
    const again = await authenticate(page);
    assert.equal(again.ok, false);
    assert.equal(again.error.code, "session_ended");
  });
});

test("a second session of another user is refused while the first lives; session.mountAssistant's object authenticates with its own session", { timeout: 180000 }, async () => {
  h.env.control.setAssistantDefaults("");
  const nurse = await h.env.control.passwordToken("nurse", "battery-staple");
  await withContext(h.browser, async (ctx) => {
    const page = await signedInPage(ctx, h.env);
    assert.ok((await mountEarly(page)).ok);
    assert.ok((await authenticate(page)).ok);
    const r = await page.evaluate((nurse) => window.t.try(async () => {
      const t = window.t;
      t.nurse = t.client.fromTokens(nurse);
      const out = {};
      try { await t.E.authenticate(t.nurse); out.nurse = "resolved"; } catch (e) { out.nurse = e.code; out.message = e.message; }
      out.still = t.E.user && t.E.user.id;
      const b = await t.session.mountAssistant("#pane-b");
      out.own = (await b.authenticate(t.session)).id;
      try { await b.authenticate(t.nurse); out.bNurse = "resolved"; } catch (e) { out.bNurse = e.code; }
      return out;
    }), nurse);
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal(r.value.nurse, "invalid_config");
    assert.match(r.value.message, /signed in with/);
    assert.equal(r.value.still, h.env.user.sub, "the first clinician stays signed in");
    assert.equal(r.value.own, h.env.user.sub);
    assert.equal(r.value.bNurse, "invalid_config");
  });
});
});
