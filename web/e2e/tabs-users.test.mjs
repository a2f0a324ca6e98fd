// Issue 13 §1, one clinician per session: tabs that share a session
// (shareAcrossTabs) on a shared workstation, against the local provider with
// its two demo users and 10 s access tokens (a refresh every ~5 s).
//
// The machine is shared (2 cores, other test runs): every wait polls a
// condition with a generous deadline.
//
// Runs in every engine of ENGINES (harness.mjs forEachEngine): the tabs are pages of one context (one
// profile: one BroadcastChannel, one localStorage); what the Assistant saw is the stand-in's own log.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setup, openApp, sleep, withContext as harnessWithContext, forEachEngine, sidOf, tokenRequests } from "./harness.mjs";
import { SECOND_USER } from "../dev/provider.mjs";

const TTL = 10;

forEachEngine((engine) => {
let h;
before(async () => { h = await setup({ accessTokenTTL: TTL }, engine); });
after(async () => { await h?.close(); });

const withContext = (fn) => harnessWithContext(h.browser, fn);
// Refreshes of one provider session (sid): another session's own schedule does not move it.
const refreshCount = (sid) => tokenRequests(h.env, "refresh_token", sid).length;

async function waitFor(fn, { timeout = 60000, interval = 200, what = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(interval);
  }
}

const subOf = (jwt) => (jwt ? JSON.parse(Buffer.from(jwt.split(".")[1], "base64url")).sub : undefined);

/** Signs in as user (prompt=login: the provider's form even with an SSO session) and handles the callback with a
 *  shareAcrossTabs client; records every access token the page's session ever shows in window.t.seen. */
async function signInShared(page, user) {
  const url = await page.evaluate(() => window.t.client.authorizeURL({ prompt: "login" }));
  await page.goto(url);
  await page.fill("#username", user.username);
  await page.fill("#password", user.password);
  await Promise.all([
    page.waitForURL((u) => u.searchParams.has("state"), { timeout: 60000 }),
    page.click("#kc-login"),
  ]);
  await page.waitForFunction(() => document.body.dataset.ready === "1");
  const r = await page.evaluate(() => window.t.try(async () => {
    window.t.client = window.t.corti.createClient({ ...window.t.config, shareAcrossTabs: true });
    const s = window.t.track(await window.t.client.handleCallback());
    window.t.seen = [s.tokens.access_token];
    s.on("refreshed", (d) => window.t.seen.push(d.access_token));
    return s.tokens.access_token;
  }));
  assert.ok(r.ok, JSON.stringify(r.error));
  return r.value;
}

const ended = (page) => page.evaluate(() => window.t.events.filter((e) => e.name === "ended").map((e) => e.reason));
const seen = (page) => page.evaluate(() => window.t.seen.slice());

test("a second clinician signs in in another tab: the first tab never holds their token, ends user_changed, its Assistant never sees them", { timeout: 180000 }, () => withContext(async (ctx) => {
  // The sign-in as another user ends the first user's session at the provider (oidc-provider logs it out, as the
  // account changes): a refresh of tab 1 between that and the second tab's announcement would end tab 1 with
  // invalid_grant instead. Tab 1's token lives 60 s (its refresh ~30 s after sign-in), so none falls in between.
  h.env.control.setAccessTokenTTL(60);
  const first = h.env.user;
  const tab1 = await openApp(ctx, h.env, "?share=1");
  const at1 = await signInShared(tab1, first).finally(() => h.env.control.setAccessTokenTTL(TTL));
  assert.equal(subOf(at1), first.sub);
  const mounted = await tab1.evaluate(() => window.t.try(async () => {
    window.t.assistant = await window.t.session.mountAssistant("#pane-a", { readyTimeoutMs: 20000 });
    return window.t.assistant.user;
  }));
  assert.ok(mounted.ok, JSON.stringify(mounted.error));
  await waitFor(() => h.env.control.assistantLog().some((r) => r.sub === first.sub), { what: "the first clinician's auth in the Assistant" });

  // Tab 2: the second clinician, same browser, same channel.
  const tab2 = await openApp(ctx, h.env, "?share=1");
  const at2 = await signInShared(tab2, SECOND_USER);
  const second = subOf(at2);
  assert.ok(second && second !== first.sub, "the second tab holds the second user's token");

  const reasons = await waitFor(async () => { const r = await ended(tab1); return r.length ? r : null; }, { what: "tab 1 ended" });
  assert.deepEqual(reasons, ["user_changed"]);
  const gat = await tab1.evaluate(() => window.t.try(() => window.t.session.getAccessToken()));
  assert.equal(gat.error?.code, "session_ended");
  assert.equal(await tab1.evaluate(() => window.t.session.tokens.access_token), "", "an ended session hands out no token");

  // Tab 2 lives on and refreshes; tab 1 takes nothing of it.
  const sid2 = sidOf(at2);
  const base = refreshCount(sid2);
  const before2 = (await seen(tab2)).length;
  await waitFor(async () => (await seen(tab2)).length > before2, { timeout: 60000, what: "tab 2's refresh" });
  assert.ok(refreshCount(sid2) > base, "tab 2 refreshed at the provider");
  assert.deepEqual(await ended(tab2), [], "tab 2 did not end");
  const tokens1 = await seen(tab1);
  assert.ok(tokens1.length >= 1);
  for (const t of tokens1) assert.equal(subOf(t), first.sub, "tab 1 only ever held the first clinician's tokens");
  assert.deepEqual(h.env.control.assistantLog().filter((r) => r.sub === second), [], "tab 1's Assistant never received the second clinician's token");
}));

test("a forged tokens message with a far expiry is ignored: the tab keeps refreshing at the provider", { timeout: 180000 }, () => withContext(async (ctx) => {
  const tab1 = await openApp(ctx, h.env, "?share=1");
  await signInShared(tab1, h.env.user);
  const real = await tab1.evaluate(() => window.t.session.tokens);

  // Another page of the origin listens on the channel, learns the session id from an answer to hello, and posts
  // the session's real tokens with an expiry a century away.
  const tab2 = await openApp(ctx, h.env);
  const name = `corti-auth:${h.env.issuer}|${await tab2.evaluate(() => window.t.config.clientId)}`;
  const forged = await tab2.evaluate((name) => new Promise((resolve, reject) => {
    const ch = new BroadcastChannel(name);
    const timer = setTimeout(() => reject(new Error("no answer to hello")), 10000);
    ch.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.t !== "tokens") return;
      clearTimeout(timer);
      const far = Date.now() + 100 * 365 * 24 * 3600 * 1000;
      const f = { t: "tokens", sid: m.sid, tokens: { ...m.tokens, receivedAt: Date.now(), expiresAt: far } };
      ch.postMessage(JSON.stringify(f));
      resolve({ sid: m.sid, far });
    };
    ch.postMessage(JSON.stringify({ t: "hello" }));
  }), name);

  // The tab keeps its own expiry and refreshes before it at the provider.
  const sid1 = sidOf(real);
  const base = refreshCount(sid1);
  const n0 = (await seen(tab1)).length;
  await waitFor(async () => (await seen(tab1)).length > n0, { timeout: 60000, what: "a refresh of tab 1" });
  assert.ok(refreshCount(sid1) > base, "the refresh went to the provider");
  const now = await tab1.evaluate(() => window.t.session.tokens);
  assert.ok(now.expires_at < Date.now() / 1000 + TTL + 2, `expires_at ${now.expires_at} is the provider's, not the forged ${forged.far / 1000}`);
  assert.notEqual(now.access_token, real.access_token);
  assert.deepEqual(await ended(tab1), []);
}));
});
