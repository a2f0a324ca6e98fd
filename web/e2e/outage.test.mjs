// Issue 14.13: right after an outage of the token endpoint, a caller gets a
// fresh attempt, never the last (stale) error. 8 s access tokens, buffer
// min(120 s, 8 s / 2) = 4 s: the planned refresh falls inside a 10 s run of
// 503s, the session backs off, and the old token expires meanwhile. The call
// made right after the provider answers again must resolve with a new token,
// from an attempt made after the outage (docs/api.md, Session: such a call "makes the retry
// now … and gets its answer, never an older error"): told by the provider's
// token log (this session's refresh that issued the token, and when it was
// answered), not by how long the call took, which docs/api.md does not bound.
//
// Runs in every engine of ENGINES (harness.mjs forEachEngine): the outage is the provider's, the timing is
// read in the page (performance.now), so nothing here needs more than the common driver.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setup, signedInPage, sleep, withContext as harnessWithContext, forEachEngine, sidOf, tokenRequests } from "./harness.mjs";

const TTL = 8;
const OUTAGE = 10000;

forEachEngine((engine) => {
let h;
before(async () => { h = await setup({ accessTokenTTL: TTL }, engine); });
after(async () => { await h?.close(); });

const withContext = (fn) => harnessWithContext(h.browser, fn);
const events = (page) => page.evaluate(() => window.t.events.slice());

async function waitFor(fn, { timeout = 60000, interval = 200, what = "condition" } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(interval);
  }
}

test("right after a 10 s outage, getAccessToken() resolves with a fresh token from an attempt after the outage", { timeout: 180000 }, () => withContext(async (ctx) => {
  const page = await signedInPage(ctx, h.env);
  const old = await page.evaluate(() => window.t.session.tokens.access_token);
  const sid = sidOf(old);
  const mark = (await events(page)).length;
  const outageEnd = Date.now() + OUTAGE; // read first: the provider's own end is at or after it
  h.env.control.failTokenEndpoint(503, OUTAGE);
  // The planned refresh fails inside the outage: the session is backing off.
  await waitFor(async () => (await events(page)).slice(mark).some((e) => e.name === "error"), { timeout: OUTAGE, what: "an error event during the outage" });
  // The provider answers again (the outage is a window of the provider's clock: wait it out).
  await sleep(Math.max(0, outageEnd - Date.now()) + 50);
  const calledAt = Date.now(); // the provider runs in this process: its log's `at` is on this clock
  const r = await page.evaluate(async () => {
    const held = window.t.session.tokens.access_token; // what the session had when the call was made
    const t0 = performance.now();
    try {
      const tok = await window.t.session.getAccessToken();
      return { ok: true, ms: performance.now() - t0, tok, held };
    } catch (e) {
      return { ok: false, ms: performance.now() - t0, code: e && e.code, status: e && e.status, held };
    }
  });
  console.log(`# outage: the call right after it ${r.ok ? "resolved" : `rejected (${r.code} ${r.status})`} in ${Math.round(r.ms)} ms`);
  assert.ok(r.ok, `getAccessToken() right after the outage rejected: ${JSON.stringify(r)}`);
  assert.notEqual(r.tok, old, "a fresh token");
  // The refresh of this session that issued it, answered after the outage: by the call's own attempt (answered
  // after the call began), or — when the session's backoff retry got there first — already held at the call.
  const issued = tokenRequests(h.env, "refresh_token", sid).find((e) => e.accessToken === r.tok);
  assert.ok(issued, "the token came from a refresh of this session");
  assert.equal(issued.status, 200);
  assert.ok(issued.at >= outageEnd, `answered ${outageEnd - issued.at} ms before the outage ended`);
  if (r.tok !== r.held) assert.ok(issued.at >= calledAt, "a new token is the call's own attempt, made after it began");
  assert.equal(await page.evaluate(() => window.t.session.ended), false);
}));
});
