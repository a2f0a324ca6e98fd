// Issue 6, backend-for-frontend: examples/bff (a native Go confidential client)
// in front of the local provider, its page using client.fromTokens(tokens, {refresh})
// in Chromium. The refresh token and the secret stay in the BFF; the page gets
// access tokens only, and corti-auth calls the BFF's POST /token once per refresh
// cycle however many callers wait.
//
// The BFF's token endpoint is pointed (-token-url) at a recording pass-through in
// this test, so the test learns the real refresh token without the BFF ever
// exposing it: it checks the browser never received it and that the provider
// refuses it after POST /logout.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { promisify } from "node:util";
import { createServer } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { setup, sleep, sidOf, tokenRequests } from "./harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
// s; corti-auth's buffer is then min(120, TTL/2) = 12 s. A refresh held TOKEN_DELAY_MS (test 2) is dated from its
// start, less 1 s: its token has about TTL - 5.5 s left when it arrives, which must stay above the buffer (or the
// session refreshes again at once) and above the 5 s a getAccessToken() caller needs. With 10 s tokens a loaded
// machine's round trip left the new token under 5 s (a CortiAuthError "without a usable expiry" to the 5 callers).
const TTL = 24;
const TOKEN_DELAY_MS = 4500; // POST /token is held this long in the browser, so a refresh is visibly in flight (3 s left a loaded machine 1.4 s to see the token enter the buffer: it missed that once at load 30)

let h; // harness: env + browser
let tmp;
let bff; // { child, url, stderr }
let proxy; // recording pass-through to the provider's token endpoint
let ctx; // browser context shared by the tests below (they run in order)
let page;
const bffBodies = []; // every response body the browser got from the BFF (except /dist/)
const accessTokens = []; // every access token the page held, in order

before(async () => {
  tmp = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-bff-e2e-"));
  const built = promisify(execFile)("go", ["build", "-o", join(tmp, "bff"), "./examples/bff"], { cwd: root });
  h = await setup({ accessTokenTTL: TTL });
  await built;
  proxy = await startTokenProxy(h.env.tokenURL);
  bff = await startBFF([
    "-issuer", h.env.issuer,
    "-client-id", h.env.clients.bff.id,
    "-client-secret", h.env.clients.bff.secret,
    "-dist", join(root, "dist"),
    "-listen", "127.0.0.1:0",
    "-token-url", proxy.url,
    "-assistant-base-url", h.env.assistantBaseURL,
  ]);
});

after(async () => {
  await ctx?.close().catch(() => {});
  if (bff) await stopChild(bff.child);
  await proxy?.close();
  await h?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("sign in through the BFF: the page holds an access token, never the refresh token, the secret or the session cookie", async () => {
  ctx = await h.browser.newContext();
  page = await ctx.newPage();
  page.on("pageerror", (e) => console.error("pageerror:", e.message));
  page.on("response", async (r) => {
    const u = r.url();
    if (!u.startsWith(bff.url) || u.startsWith(bff.url + "/dist/")) return;
    bffBodies.push(`${u}\n${JSON.stringify(await r.allHeaders())}\n${await r.text().catch(() => "")}`);
  });
  const codes0 = h.env.control.stats().token.authorization_code;

  await page.goto(bff.url + "/");
  await page.waitForFunction(() => window.bff?.ready === true);
  assert.equal(await page.evaluate(() => document.body.dataset.state), "signed-out");
  await signInThroughBFF(page); // a navigation: the page is new
  // Each call of the page's refresh callback (app.js counts them in bff.callbackCalls) is logged with the access
  // token it refreshes (installed right after sign-in, seconds before the first refresh is due), so a test counts
  // the calls for one token, not those in a window of time the session's own timer may have started before.
  await page.evaluate(() => {
    const b = window.bff;
    let n = b.callbackCalls;
    b.callbackTokens = [];
    Object.defineProperty(b, "callbackCalls", {
      configurable: true,
      get: () => n,
      set: (v) => { b.callbackTokens.push(b.session?.tokens?.access_token ?? null); n = v; },
    });
  });
  const st = await page.evaluate(() => ({
    state: document.body.dataset.state,
    errors: window.bff.errors,
    tokens: window.bff.session?.tokens,
    claims: window.bff.session?.claims,
    user: document.getElementById("user").textContent,
    email: document.getElementById("email").textContent,
    tenant: document.getElementById("tenant").textContent,
    cookie: document.cookie,
    storage: JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
  }));
  assert.equal(st.state, "signed-in", `page errors: ${JSON.stringify(st.errors)}`);
  assert.equal(h.env.control.stats().token.authorization_code, codes0 + 1, "one code exchange");
  assert.equal(st.tokens.access_token.split(".").length, 3, "a JWT access token");
  assert.equal(st.tokens.refresh_token, undefined, "no refresh token in the page");
  assert.ok(st.tokens.expires_at - Date.now() / 1000 <= TTL + 1, "expires_at from the remaining lifetime");
  assert.equal(st.claims.clientId, h.env.clients.bff.id);
  assert.equal(st.claims.tenant, "base");
  assert.equal(st.user, h.env.user.name);
  assert.equal(st.email, h.env.user.email);
  assert.equal(st.tenant, "base");
  assert.doesNotMatch(st.cookie, /bff_session|bff_login/, "the session cookie is HttpOnly");
  assert.ok(!/eyJ|refresh/i.test(st.storage), `nothing token-like in web storage: ${st.storage}`);

  const cookies = await ctx.cookies(bff.url);
  const session = cookies.find((c) => c.name === "bff_session");
  assert.ok(session, "the browser holds bff_session");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");
  assert.equal(session.path, "/");
  assert.equal(session.expires, -1, "a browser-session cookie");
  assert.ok(!cookies.some((c) => c.name === "bff_login"), "the pre-login cookie is gone");

  assert.equal(proxy.refreshTokens.size, 1, "the provider issued one refresh token");
  // Signing in refreshed nothing: every POST /token the BFF saw so far is a refresh of the page's own schedule (short
  // tokens: one may fall here on a slow machine), which the page counted when its token arrived.
  await waitFor(async () => {
    const st = await bffStats();
    const pageRefreshes = await page.evaluate(() => window.bff.refreshed);
    return st.sessions === 1 && st.token === st.refresh && st.refresh === pageRefreshes;
  }, "the BFF's refreshes to be the page's own");
  accessTokens.push(st.tokens.access_token);

  // The Assistant, mounted with the BFF's access token.
  await page.click("#open-assistant");
  await page.waitForFunction(() => window.bff.assistant || window.bff.errors.length, null, { timeout: 60000 });
  const a = await page.evaluate(() => ({ user: window.bff.assistant?.user, errors: window.bff.errors }));
  assert.deepEqual(a.errors, [], "mountAssistant succeeded");
  assert.ok(a.user, "the Assistant reports a signed-in user");
  await waitFor(() => h.env.control.assistantLog().some((r) => r.accessToken === st.tokens.access_token), "the Assistant verified the first token");
});

test("5 concurrent getAccessToken() when a refresh is due → 1 refresh callback, 1 POST /token, 1 provider refresh per cycle, over 2 cycles", async () => {
  // Hold POST /token in flight for a while, so the refresh planned by the
  // session timer and the callers' refresh certainly overlap.
  // Counted by the token each request refreshes, not in a window of time (the session's own timer may send its
  // refresh before a cycle's counters are read on a loaded machine): the route logs, for every POST /token the
  // page sends to the BFF, the access token the page holds while that request is held (the one it refreshes).
  const routeTokens = [];
  // From a token whose refresh is at least 3 s away (a refresh the session began during test 1 is not held: wait it out).
  await waitFor(() => page.evaluate(() => {
    const t = window.bff.session.tokens;
    return t.expires_at - Date.now() / 1000 > Math.min(120, t.expires_in / 2) + 3;
  }), "a token whose refresh is not yet due", 60000);
  await ctx.route(bff.url + "/token", async (route) => {
    routeTokens.push(await page.evaluate(() => window.bff.session?.tokens?.access_token ?? null).catch(() => null));
    await sleep(TOKEN_DELAY_MS);
    await route.continue().catch(() => {}); // (unrouted meanwhile, at the test's end: the page is past it)
  });
  const refreshes0 = await page.evaluate(() => window.bff.refreshed);
  try {
    for (let cycle = 1; cycle <= 2; cycle++) {
      const t0 = Date.now();
      const r = await page.evaluate(async () => {
        const b = window.bff;
        const s = b.session;
        const refreshed0 = b.refreshed;
        const before = s.tokens.access_token;
        // corti-auth's buffer: 120 s capped at half the lifetime (expires_in).
        const buffer = Math.min(120, s.tokens.expires_in / 2);
        // Wait until the token is inside the refresh buffer, then ask 5 times
        // at once. tokens.expires_at is whole epoch seconds (up to 1 s earlier
        // than the session's own instant), hence the extra second. The
        // session's timer fires at 12–12.5 s left and its POST /token is held
        // for TOKEN_DELAY_MS, so that refresh is in flight now: the 5 callers
        // must join it.
        while (s.tokens.access_token === before && s.tokens.expires_at - Date.now() / 1000 > buffer - 1.1) {
          await new Promise((r) => setTimeout(r, 20));
        }
        const sameToken = s.tokens.access_token === before;
        const left = s.tokens.expires_at - Date.now() / 1000;
        const tokens = await Promise.all(Array.from({ length: 5 }, () => s.getAccessToken()));
        const deadline = Date.now() + 5000;
        while (s.tokens.access_token === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        const after = s.tokens.access_token;
        // Tokens are long: report which one each caller got, not the token.
        const which = (t) => (t === before ? "old" : t === after ? "new" : "other");
        return {
          buffer, sameToken, left, before, token: after, got: tokens.map(which), refreshedToken: after !== before,
          afterLeft: s.tokens.expires_at - Date.now() / 1000,
          // the callback calls that refreshed this cycle's token, whenever they began (the timer's may precede
          // this evaluate on a loaded machine)
          calls: b.callbackTokens.filter((t) => t === before).length, refreshed: b.refreshed - refreshed0, errors: b.errors, expiring: b.expiring,
        };
      });
      const posts = routeTokens.filter((t) => t === r.before).length;
      // The provider's log of this session (sid): each token request with the access token it issued. Between the
      // request that issued the cycle's old token and the one that issued its new token there is none: one refresh.
      const log = tokenRequests(h.env, undefined, sidOf(r.before));
      const iOld = log.findIndex((e) => e.accessToken === r.before);
      const iNew = log.findIndex((e) => e.accessToken === r.token);
      console.log(`cycle ${cycle}: buffer ${r.buffer} s, asked at ${r.left.toFixed(2)} s left (timer refresh ${r.sameToken ? "not finished" : "already finished"}), ` +
        `callbacks ${r.calls}, /token ${posts}, provider requests from old to new token ${iNew - iOld}, ${Date.now() - t0} ms` +
        (r.expiring.length ? `; expiring events: ${JSON.stringify(r.expiring)}` : ""));
      assert.equal(r.sameToken, true, "the 5 calls were made while the old token was current");
      assert.deepEqual(r.errors, [], "no error event");
      assert.ok(r.refreshedToken, "the token was refreshed");
      assert.ok(r.afterLeft > r.buffer, `the new token lives beyond the buffer (${r.afterLeft.toFixed(2)} s)`);
      assert.deepEqual(r.got, Array(5).fill("new"), "every caller waited for the refresh and got the new token");
      assert.equal(r.calls, 1, "exactly one refresh callback call");
      assert.equal(r.refreshed, 1, "exactly one refreshed event");
      assert.equal(posts, 1, "exactly one POST /token to the BFF for this token");
      assert.ok(iOld >= 0 && iNew >= 0, "both tokens are in the provider's log of this session");
      assert.equal(iNew - iOld, 1, "exactly one token request of this session at the provider, from the old token to the new");
      assert.equal(log[iNew].grant, "refresh_token", "the BFF's refresh_token grant");
      accessTokens.push(r.token);
      // The mounted Assistant is re-authenticated with the refreshed token.
      await waitFor(() => h.env.control.assistantLog().some((x) => x.accessToken === r.token), `the Assistant got the token of cycle ${cycle}`);
    }
  } finally {
    await ctx.unroute(bff.url + "/token");
  }
  assert.equal(await page.evaluate(() => document.getElementById("refreshes").textContent), String(refreshes0 + 2), "the page shows two more refreshes");
});

test("POST /token without the CSRF header → 403 and no refresh; a cross-origin page cannot refresh either", async () => {
  // The page's session goes on refreshing on its own schedule (short tokens) while this test runs: those refreshes
  // are POST /token requests with the header, answered 200. Only refreshes beyond them would be the test's doing.
  // They are told apart by token, not by counters read at two moments (a refresh the page sent before the
  // listeners below were attached is in no "in flight" set, and may reach the BFF and the provider on either side
  // of a counter read): every refresh of this session at the provider since the test began issued a token the
  // page received; one the forged requests caused would have issued a token no page ever got.
  await page.evaluate(() => {
    const s = window.bff.session;
    window.bff.seenTokens = [s.tokens.access_token];
    s.on("refreshed", (t) => window.bff.seenTokens.push(t.access_token));
  });
  const sid = sidOf(accessTokens[0]);
  const own = []; // the session's own refresh calls that began and reached the BFF during the test
  const started = new Set();
  const onFinished = async (req) => {
    if (req.method() !== "POST" || req.url() !== bff.url + "/token" || !started.has(req)) return;
    const headers = await req.allHeaders().catch(() => ({}));
    const res = await req.response().catch(() => null);
    if (headers["x-requested-with"] === "corti-auth" && res?.status() === 200) own.push(req.url());
  };
  const inFlight = new Set();
  const onRequest = (req) => { if (req.method() === "POST" && req.url() === bff.url + "/token") { inFlight.add(req); started.add(req); } };
  const onDone = (req) => { inFlight.delete(req); };
  ctx.on("request", onRequest);
  ctx.on("requestfinished", onDone);
  ctx.on("requestfailed", onDone);
  ctx.on("requestfinished", onFinished);
  // Start from a quiet moment: no refresh of the page's own in flight.
  await waitFor(() => inFlight.size === 0, "no POST /token in flight");
  const stats0 = await bffStats();
  const testBegan = Date.now(); // the provider runs in this process: its log's `at` is on this clock
  const r = await page.evaluate(async () => {
    const res = await fetch("/token", { method: "POST" });
    return { status: res.status, body: await res.json() };
  });
  assert.equal(r.status, 403);
  assert.equal(r.body.error, "csrf");

  // Another origin on the same site (127.0.0.1, another port): the browser
  // sends the SameSite=Strict cookie, so only the header requirement protects.
  const other = await ctx.newPage();
  try {
    await other.goto(h.env.hostURL + "/config.json");
    const x = await other.evaluate(async (url) => {
      const out = {};
      try {
        await fetch(url + "/token", { method: "POST", mode: "no-cors", credentials: "include" });
        out.noCors = "sent";
      } catch (e) { out.noCors = String(e); }
      try {
        const res = await fetch(url + "/token", { method: "POST", credentials: "include", headers: { "X-Requested-With": "corti-auth" } });
        out.cors = `status ${res.status}`;
      } catch (e) { out.cors = e.name; }
      return out;
    }, bff.url);
    assert.equal(x.cors, "TypeError", "the preflight for the custom header is refused");
  } finally {
    await other.close();
  }
  // The forged requests were answered (403, an opaque response, a refused preflight): a refresh they caused at the
  // BFF would be in the provider's log by now. Each refresh of this session logged since the test began must have
  // issued a token that reached the page (polled: the page's own refresh may still be on its way back).
  const stray = () => tokenRequests(h.env, "refresh_token", sid).filter((e) => e.at >= testBegan && e.status === 200);
  let missing = [];
  await waitFor(async () => {
    const seen = await page.evaluate(() => window.bff.seenTokens);
    missing = stray().filter((e) => !seen.includes(e.accessToken));
    return missing.length === 0;
  }, "every refresh of this session since the test began to have issued a token the page received", 60000).catch(() => {});
  assert.deepEqual(missing.map((e) => e.at), [], "a refresh at the provider whose token no page received (the test's doing)");
  // Read when nothing the test saw start is in flight: the test's two requests reached the BFF and were refused.
  let stats1;
  await waitFor(async () => {
    if (inFlight.size) return false;
    stats1 = await bffStats();
    await new Promise((r) => setImmediate(r)); // requestfinished handlers of a request that just ended
    return inFlight.size === 0;
  }, "no POST /token in flight");
  ctx.off("request", onRequest);
  ctx.off("requestfinished", onDone);
  ctx.off("requestfailed", onDone);
  ctx.off("requestfinished", onFinished);
  // own: the page's refreshes that began during the test, all counted at the BFF by now; one that began before may
  // add to the BFF's count as well, never subtract
  assert.ok(stats1.token - stats0.token - own.length >= 2, "the test's requests reached the BFF and were refused");
});

test("POST /logout revokes the refresh token at the provider, drops the server session; signing out ends at the BFF page", async () => {
  assert.equal(proxy.refreshTokens.size, 1, "rotation is off: one refresh token all along");
  const [rt] = proxy.refreshTokens;
  // Control: the refresh token works before logout.
  const ok = await refreshAtProvider(rt);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const revocations0 = h.env.control.stats().revocations;

  const out = await page.evaluate(async () => {
    const res = await fetch("/logout", { method: "POST", headers: { "X-Requested-With": "corti-auth" } });
    return { status: res.status, body: await res.json() };
  });
  assert.equal(out.status, 200);
  assert.equal(out.body.revoked, true);
  assert.equal(h.env.control.stats().revocations, revocations0 + 1, "one revocation at the provider");

  const refused = await refreshAtProvider(rt);
  assert.equal(refused.status, 400, JSON.stringify(refused.body));
  assert.equal(refused.body.error, "invalid_grant", "the old refresh token is dead at the provider");

  const after = await page.evaluate(async () => {
    const t = await fetch("/token", { method: "POST", headers: { "X-Requested-With": "corti-auth" } });
    const s = await fetch("/session");
    return { token: t.status, tokenBody: await t.json(), session: s.status };
  });
  assert.equal(after.token, 401);
  assert.equal(after.tokenBody.error, "invalid_grant");
  assert.equal(after.session, 401);
  assert.ok(!(await ctx.cookies(bff.url)).some((c) => c.name === "bff_session"), "the session cookie is cleared");
  assert.equal((await bffStats()).sessions, 0);

  // The end-session URL ends the provider's SSO session and comes back to the BFF page.
  const es = new URL(out.body.end_session_url);
  assert.equal(es.origin + es.pathname, h.env.issuer + "/protocol/openid-connect/logout");
  assert.equal(es.searchParams.get("post_logout_redirect_uri"), bff.url + "/");
  assert.ok(es.searchParams.get("id_token_hint"));
  await page.goto(out.body.end_session_url);
  await page.waitForURL(bff.url + "/", { timeout: 60000 });
  await page.waitForFunction(() => window.bff?.ready === true);
  assert.equal(await page.evaluate(() => document.body.dataset.state), "signed-out");

  // Nothing the browser received from the BFF carried the refresh token or the secret.
  assert.ok(bffBodies.length > 5, "responses were recorded");
  for (const body of bffBodies) {
    assert.ok(!body.includes(rt), `the browser received the refresh token:\n${body.slice(0, 400)}`);
    assert.ok(!body.includes(h.env.clients.bff.secret), `the browser received the client secret:\n${body.slice(0, 400)}`);
    assert.ok(!/"refresh_token"/.test(body), `a response names refresh_token:\n${body.slice(0, 400)}`);
  }
});

test("the provider refuses the refresh token (revoked there) → POST /token 401 invalid_grant, the server session is dropped, the page signs out", async () => {
  const ctx2 = await h.browser.newContext();
  try {
    const p = await ctx2.newPage();
    p.on("pageerror", (e) => console.error("pageerror:", e.message));
    await p.goto(bff.url + "/");
    await p.waitForFunction(() => window.bff?.ready === true);
    await signInThroughBFF(p);
    assert.equal(await p.evaluate(() => document.body.dataset.state), "signed-in");
    assert.equal((await bffStats()).sessions, 1);
    await h.env.control.revokeAll();
    const r = await p.evaluate(async () => {
      try { await window.bff.session.refresh(); return { ok: true }; } catch (e) { return { ok: false, name: e.name, code: e.code, message: e.message }; }
    });
    assert.equal(r.ok, false);
    assert.equal(r.code, "oauth_error", "the BFF's invalid_grant answer is final, not retried");
    await p.waitForFunction(() => document.body.dataset.state === "signed-out");
    assert.match(await p.textContent("#error"), /session ended: invalid_grant/);
    assert.equal((await bffStats()).sessions, 0, "the server session is dropped");
    assert.ok(!(await ctx2.cookies(bff.url)).some((c) => c.name === "bff_session"), "the session cookie is cleared");
  } finally {
    await ctx2.close();
  }
});

// That it stops is the exit itself (status 0: it stopped by itself, not killed); how soon is no contract
// (examples/bff/README.md: "stops … when its stdin is a pipe that closes"), so no clock: the test's timeout is the
// hang guard.
test("the BFF stops when its stdin closes", { timeout: 180000 }, async () => {
  const code = await new Promise((resolve) => {
    bff.child.once("exit", (c, sig) => resolve(c ?? sig));
    bff.child.stdin.end();
  });
  assert.equal(code, 0, `exit status; stderr:\n${bff.stderr()}`);
  bff = null;
});

// ---- helpers ----

/** From the BFF page (signed out): Sign in → the provider's form → back on the BFF page, signed in. */
async function signInThroughBFF(p) {
  await p.click("#sign-in"); // → /login → the provider's form
  await p.waitForSelector("#username");
  assert.ok(p.url().startsWith(h.env.issuer + "/"), `at the provider: ${p.url()}`);
  await p.fill("#username", h.env.user.username);
  await p.fill("#password", h.env.user.password);
  await Promise.all([p.waitForURL(bff.url + "/", { timeout: 60000 }), p.click("#kc-login")]);
  await p.waitForFunction(() => window.bff?.ready === true, null, { timeout: 60000 });
}

/** Polls fn until it holds; ms is a hang guard (60 s, as the harness's), not a speed bound. */
async function waitFor(fn, what, ms = 60000) {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) assert.fail(`timed out: ${what}`);
    await sleep(50);
  }
}

async function bffStats() {
  const res = await fetch(bff.url + "/stats");
  return res.json();
}

async function refreshAtProvider(refreshToken) {
  const { id, secret } = h.env.clients.bff;
  const res = await fetch(h.env.tokenURL, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      Authorization: "Basic " + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64"),
    },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }),
  });
  return { status: res.status, body: await res.json() };
}

/** Starts the BFF binary; resolves once it prints its URL. */
function startBFF(args) {
  const child = spawn(join(tmp, "bff"), args, { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr.on("data", (d) => { err += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error("the BFF did not start within 15 s")), 15000);
    function fail(e) {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(new Error(`${e.message}\nstdout:\n${out}\nstderr:\n${err}`));
    }
    child.once("error", fail);
    child.once("exit", (code, sig) => fail(new Error(`the BFF exited (${code ?? sig})`)));
    child.stdout.on("data", (d) => {
      out += d;
      const m = /^BFF listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        child.removeAllListeners("exit");
        resolve({ child, url: m[1], stderr: () => err });
      }
    });
  });
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.stdin.end();
  child.kill("SIGTERM");
  const t = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(t);
}

/**
 * A pass-through to the provider's token endpoint that remembers every refresh
 * token the provider hands out (to the BFF only).
 */
async function startTokenProxy(target) {
  const refreshTokens = new Set();
  const server = createServer(async (req, res) => {
    try {
      const chunks = [];
      for await (const c of req) chunks.push(c);
      const headers = { "Content-Type": req.headers["content-type"] || "application/x-www-form-urlencoded" };
      if (req.headers.authorization) headers.Authorization = req.headers.authorization;
      const up = await fetch(target, { method: "POST", headers, body: Buffer.concat(chunks) });
      const text = await up.text();
      try {
        const j = JSON.parse(text);
        if (j.refresh_token) refreshTokens.add(j.refresh_token);
      } catch { /* not JSON */ }
      res.writeHead(up.status, { "Content-Type": up.headers.get("content-type") || "application/json", "Cache-Control": "no-store" });
      res.end(text);
    } catch (e) {
      res.writeHead(502, { "Content-Type": "text/plain" });
      res.end(String(e));
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/token`,
    refreshTokens,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
