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
import { setup, sleep } from "./harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const TTL = 10; // s; corti-auth's buffer is then min(120, TTL/2) = 5 s
const TOKEN_DELAY_MS = 3000; // POST /token is held this long in the browser, so a refresh is visibly in flight

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
  await signInThroughBFF(page);
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
  assert.deepEqual(await bffStats(), { token: 0, refresh: 0, sessions: 1 });
  accessTokens.push(st.tokens.access_token);

  // The Assistant, mounted with the BFF's access token.
  await page.click("#open-assistant");
  await page.waitForFunction(() => window.bff.assistant || window.bff.errors.length, null, { timeout: 30000 });
  const a = await page.evaluate(() => ({ user: window.bff.assistant?.user, errors: window.bff.errors }));
  assert.deepEqual(a.errors, [], "mountAssistant succeeded");
  assert.ok(a.user, "the Assistant reports a signed-in user");
  await waitFor(() => h.env.control.assistantLog().some((r) => r.accessToken === st.tokens.access_token), "the Assistant verified the first token");
});

test("5 concurrent getAccessToken() when a refresh is due → 1 refresh callback, 1 POST /token, 1 provider refresh per cycle, over 2 cycles", async () => {
  // Hold POST /token in flight for a while, so the refresh planned by the
  // session timer and the callers' refresh certainly overlap.
  await ctx.route(bff.url + "/token", async (route) => {
    await sleep(TOKEN_DELAY_MS);
    await route.continue();
  });
  try {
    for (let cycle = 1; cycle <= 2; cycle++) {
      const t0 = Date.now();
      const stats0 = await bffStats();
      const provider0 = h.env.control.stats().token.refresh_token;
      const r = await page.evaluate(async () => {
        const b = window.bff;
        const s = b.session;
        const calls0 = b.callbackCalls;
        const refreshed0 = b.refreshed;
        const before = s.tokens.access_token;
        // corti-auth's buffer: 120 s capped at half the lifetime (expires_in).
        const buffer = Math.min(120, s.tokens.expires_in / 2);
        // Wait until the token is inside the refresh buffer, then ask 5 times
        // at once. tokens.expires_at is whole epoch seconds (up to 1 s earlier
        // than the session's own instant), hence the extra second. The
        // session's timer fires at 5–5.5 s left and its POST /token is held
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
          buffer, sameToken, left, token: after, got: tokens.map(which), refreshedToken: after !== before,
          afterLeft: s.tokens.expires_at - Date.now() / 1000,
          calls: b.callbackCalls - calls0, refreshed: b.refreshed - refreshed0, errors: b.errors, expiring: b.expiring,
        };
      });
      const stats1 = await bffStats();
      const provider1 = h.env.control.stats().token.refresh_token;
      console.log(`cycle ${cycle}: buffer ${r.buffer} s, asked at ${r.left.toFixed(2)} s left (timer refresh ${r.sameToken ? "not finished" : "already finished"}), ` +
        `callbacks ${r.calls}, /token ${stats1.token - stats0.token}, provider refreshes ${provider1 - provider0}, ${Date.now() - t0} ms` +
        (r.expiring.length ? `; expiring events: ${JSON.stringify(r.expiring)}` : ""));
      assert.equal(r.sameToken, true, "the 5 calls were made while the old token was current");
      assert.deepEqual(r.errors, [], "no error event");
      assert.ok(r.refreshedToken, "the token was refreshed");
      assert.ok(r.afterLeft > r.buffer, `the new token lives beyond the buffer (${r.afterLeft.toFixed(2)} s)`);
      assert.deepEqual(r.got, Array(5).fill("new"), "every caller waited for the refresh and got the new token");
      assert.equal(r.calls, 1, "exactly one refresh callback call");
      assert.equal(r.refreshed, 1, "exactly one refreshed event");
      assert.equal(stats1.token - stats0.token, 1, "exactly one POST /token at the BFF");
      assert.equal(stats1.refresh - stats0.refresh, 1, "exactly one refresh by the BFF");
      assert.equal(provider1 - provider0, 1, "exactly one refresh_token grant at the provider");
      accessTokens.push(r.token);
      // The mounted Assistant is re-authenticated with the refreshed token.
      await waitFor(() => h.env.control.assistantLog().some((x) => x.accessToken === r.token), `the Assistant got the token of cycle ${cycle}`);
    }
  } finally {
    await ctx.unroute(bff.url + "/token");
  }
  assert.equal(await page.evaluate(() => document.getElementById("refreshes").textContent), "2");
});

test("POST /token without the CSRF header → 403 and no refresh; a cross-origin page cannot refresh either", async () => {
  const stats0 = await bffStats();
  const provider0 = h.env.control.stats().token.refresh_token;
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
  const stats1 = await bffStats();
  assert.equal(stats1.refresh, stats0.refresh, "no refresh happened");
  assert.equal(h.env.control.stats().token.refresh_token, provider0);
  assert.ok(stats1.token - stats0.token >= 2, "the requests reached the BFF and were refused");
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
  await page.waitForURL(bff.url + "/", { timeout: 15000 });
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

test("the BFF stops when its stdin closes", async () => {
  const t0 = Date.now();
  const code = await new Promise((resolve) => {
    bff.child.once("exit", (c, sig) => resolve(c ?? sig));
    bff.child.stdin.end();
  });
  assert.equal(code, 0, `exit status; stderr:\n${bff.stderr()}`);
  assert.ok(Date.now() - t0 < 5000);
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
  await Promise.all([p.waitForURL(bff.url + "/", { timeout: 15000 }), p.click("#kc-login")]);
  await p.waitForFunction(() => window.bff?.ready === true, null, { timeout: 15000 });
}

async function waitFor(fn, what, ms = 5000) {
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
