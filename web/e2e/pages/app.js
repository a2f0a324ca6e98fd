// The end-to-end tests' page: loads corti-auth and exposes it; the tests drive
// it with page.evaluate. Configured from /config.json and the query string
// (?buffer=seconds&share=1&storage=session&idle=seconds&idleWarn=seconds&idleSignOut=local|provider&popup=path). restore()'s silent step lands on
// dist/callback.html (silentRedirectUri).
import { load } from "/dist/corti-auth.js";

const q = new URLSearchParams(location.search);
const cfg = await (await fetch("/config.json")).json();
const corti = await load();
const config = {
  clientId: q.get("clientId") || cfg.clientId,
  redirectUri: `${location.origin}/e2e/app.html`,
  tenant: cfg.tenant,
  authBaseURL: cfg.authBaseURL,
  assistantBaseURL: cfg.assistantBaseURL,
  silentRedirectUri: `${location.origin}/dist/callback.html`,
};
if (q.has("buffer")) config.refreshBufferSeconds = Number(q.get("buffer"));
if (q.has("share")) config.shareAcrossTabs = true;
if (q.has("storage")) config.pendingLoginStorage = q.get("storage");
if (q.has("ropc")) config.allowPasswordGrant = true;
if (q.has("idle")) config.idleTimeoutSeconds = Number(q.get("idle"));
if (q.has("idleWarn")) config.idleWarningSeconds = Number(q.get("idleWarn"));
if (q.has("idleSignOut")) config.idleSignOut = q.get("idleSignOut");
if (q.has("silentApp")) delete config.silentRedirectUri; // the default: the silent step lands on this page itself
if (q.has("popup")) config.popupRedirectUri = new URL(q.get("popup"), location.href).href; // e.g. /dist/callback.html

const events = [];
const client = corti.createClient(config);
window.t = {
  corti, client, cfg, config, events, session: null,
  // Records a session's events, for assertions.
  track(s) {
    window.t.session = s;
    for (const name of ["refreshed", "expiring", "ended", "error"]) {
      s.on(name, (d) => events.push({ name, at: Date.now(), code: d && d.code, reason: d && d.reason, expires_at: d && d.expires_at, access_token: d && d.access_token }));
    }
    return s;
  },
  // Runs fn and returns {ok, value} or {ok:false, error:{name, code, ...}} — errors cross to the test as data.
  async try(fn) {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      return { ok: false, error: { name: e && e.name, message: e && e.message, code: e && e.code, oauthError: e && e.oauthError, description: e && e.description, status: e && e.status, assistantCode: e && e.assistantCode, check: e && e.check, isError: e instanceof Error } };
    }
  },
};
// Loaded as restore()'s hidden iframe (?silentApp: silentRedirectUri left at its default, this page): like an app,
// it handles the callback, which hands it to the tab that framed it (resolving null here).
if (window.parent !== window && client.isCallback()) client.handleCallback().catch(() => {});
// Loaded as a popup's popupRedirectUri (?popupApp, e.g. ?popup=/e2e/app.html%3FpopupApp%3D1): like an app, it handles
// the callback, which hands it to the tab that opened it — no driver command into the popup needed.
if (q.has("popupApp") && window.opener && client.isCallback()) client.handleCallback().catch(() => {});
document.body.dataset.ready = "1";
