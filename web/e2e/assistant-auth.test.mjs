// Issue 15 §2: the auth payload as Corti's component sends it — only its 11
// members of the token response (CortiEmbedded.auth: access_token,
// token_type, expires_at, expires_in, refresh_expires_in, refresh_token,
// id_token, not-before-policy, session_state, scope, profile), token_type
// "Bearer" when the provider left it out, profile only when complete; a
// console warning, once, when id_token or refresh_token is missing; and the
// stand-in refusing a payload that breaks the component's type
// (INVALID_PAYLOAD).
//
// Runs in every engine of ENGINES (harness.mjs forEachEngine). The warnings are
// read from the engine's console events where it has them (Chromium, Firefox);
// in WebKit (no page events over WebDriver classic) from console.warn wrapped
// inside the page before the mount, which the module calls through the global
// console at each warning.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setup, signedInPage, withContext, sleep, frameOf, forEachEngine, CAN } from "./harness.mjs";

forEachEngine((engine) => {
const can = CAN[engine];
let h;
before(async () => { h = await setup({}, engine); });
after(async () => { await h?.close(); });

const COMPONENT = ["access_token", "token_type", "expires_at", "expires_in", "refresh_expires_in", "refresh_token",
  "id_token", "not-before-policy", "session_state", "scope", "profile"];

/**
 * Console warnings of page that mention the Assistant's tokens: read() resolves with them. From the console
 * events where the engine has them, else from console.warn wrapped in the page (installed now).
 */
async function warnings(page) {
  if (can.events) {
    const out = [];
    page.on("console", (m) => { if (m.type() === "warning" && m.text().includes("Corti Assistant")) out.push(m.text()); });
    return { read: async () => out };
  }
  await page.evaluate(() => {
    window.__warnings = [];
    const warn = console.warn;
    console.warn = function (...args) {
      const text = args.map(String).join(" ");
      if (text.includes("Corti Assistant")) window.__warnings.push(text);
      return warn.apply(this, args);
    };
  });
  return { read: () => page.evaluate(() => window.__warnings) };
}

/** Mounts an Assistant for window.t[which] in #pane-a; resolves with the auth payloads the stand-in received. */
async function mountAndRead(page, which, opts) {
  const m = await page.evaluate(([which, opts]) => window.t.try(async () => {
    window.t.A = await window.t[which].mountAssistant("#pane-a", opts);
    return window.t.A.user;
  }), [which, opts || null]);
  assert.ok(m.ok, JSON.stringify(m.error));
  const frame = await frameOf(page, "#pane-a iframe");
  return frame.evaluate(() => window.__assistant.received.filter((r) => r.data && r.data.action === "auth").map((r) => r.data.payload));
}

test("signed in: the component's members only, with token_type, expires_at and a complete profile; no warning", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const page = await signedInPage(ctx, h.env);
    const warned = await warnings(page);
    const [p, ...more] = await mountAndRead(page, "session");
    assert.equal(more.length, 0, "one auth");
    for (const k of Object.keys(p)) assert.ok(COMPONENT.includes(k), `${k} is not one of the component's members`);
    for (const k of ["access_token", "token_type", "expires_at", "expires_in", "id_token", "scope"]) assert.ok(k in p, `${k} sent`);
    // the host is the only refresher by default (issue 15 §3): no refresh token, no warning about it
    assert.ok(!("refresh_token" in p) && !("refresh_expires_in" in p), "no refresh token by default");
    assert.equal(p.token_type.toLowerCase(), "bearer");
    if ("profile" in p) assert.deepEqual(Object.keys(p.profile).sort(), ["email", "name", "sub"]);
    for (const v of Object.values(p.profile || {})) assert.equal(typeof v, "string");
    assert.deepEqual(await warned.read(), []);
  });
});

test("fromTokens without token_type, refresh_token, id_token, with an unknown member, mounted with assistantRefreshes: accepted as Bearer, the unknown member not sent, one warning naming both", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const page = await signedInPage(ctx, h.env);
    const warned = await warnings(page);
    const made = await page.evaluate(() => window.t.try(async () => {
      const full = window.t.session.tokens;
      window.t.bare = window.t.client.fromTokens({ access_token: full.access_token, expires_in: full.expires_at - Math.floor(Date.now() / 1000), x_vendor: "not the component's" });
      return true;
    }));
    assert.ok(made.ok, JSON.stringify(made.error));
    const [p] = await mountAndRead(page, "bare", { assistantRefreshes: true });
    assert.equal(p.token_type, "Bearer", "token_type filled in");
    assert.ok(!("x_vendor" in p), "no unknown member");
    assert.ok(!("refresh_token" in p) && !("id_token" in p));
    for (const k of Object.keys(p)) assert.ok(COMPONENT.includes(k), `${k} is not one of the component's members`);
    const status = await page.evaluate(() => window.t.try(() => window.t.A.getStatus()));
    assert.ok(status.ok && status.value.auth.isAuthenticated, JSON.stringify(status));
    for (let i = 0; i < 40 && (await warned.read()).length === 0; i++) await sleep(50); // console events arrive asynchronously
    await page.evaluate(() => window.t.try(() => window.t.A.getStatus())); // a further round trip: no second warning
    const w = await warned.read();
    assert.equal(w.length, 1, JSON.stringify(w));
    assert.match(w[0], /id_token and refresh_token/);
  });
});

test("the stand-in refuses a payload that breaks the component's type: INVALID_PAYLOAD", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const page = await signedInPage(ctx, h.env);
    const r = await page.evaluate(async ({ base, token }) => {
      const origin = new URL(base).origin;
      const iframe = document.createElement("iframe");
      const ready = new Promise((resolve) => addEventListener("message", function on(e) {
        if (e.source === iframe.contentWindow && e.data && e.data.event === "embedded.ready") { removeEventListener("message", on); resolve(); }
      }));
      iframe.src = `${base}/embedded`;
      document.body.appendChild(iframe);
      await ready;
      let n = 0;
      const req = (payload) => new Promise((resolve) => {
        const id = `r${++n}`;
        addEventListener("message", function on(e) {
          if (e.source === iframe.contentWindow && e.data && e.data.requestId === id) { removeEventListener("message", on); resolve(e.data); }
        });
        iframe.contentWindow.postMessage({ type: "CORTI_EMBEDDED", version: "v1", action: "auth", requestId: id, payload }, origin);
      });
      const base0 = { access_token: token, token_type: "Bearer" };
      return {
        partialProfile: await req({ ...base0, profile: { sub: "s" } }),
        profileNumber: await req({ ...base0, profile: { name: "n", email: "e", sub: 1 } }),
        expiresString: await req({ ...base0, expires_in: "300" }),
        refreshNull: await req({ ...base0, refresh_token: null }),
        noTokenType: await req({ access_token: token }),
        ok: await req({ ...base0, profile: { name: "n", email: "e", sub: "s" } }),
      };
    }, { base: h.env.assistantBaseURL, token: await page.evaluate(() => window.t.session.tokens.access_token) });
    for (const k of ["partialProfile", "profileNumber", "expiresString", "refreshNull", "noTokenType"]) {
      assert.equal(r[k].success, false, `${k}: ${JSON.stringify(r[k])}`);
      assert.equal(r[k].errorCode, "INVALID_PAYLOAD", k);
    }
    assert.equal(r.ok.success, true, JSON.stringify(r.ok));
  });
});
});
