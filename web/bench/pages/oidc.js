// bench page for oidc-client-ts (browser bundle, global `oidc`): navigation → new UserManager() done,
// OidcClient.createSigninRequest, login (signinRedirect / signinRedirectCallback) and refresh
// (signinSilent with a refresh token: a refresh_token grant, no iframe) round trips.
import { perCallEach, perCallBatch, timed } from "./timing.js";

const B = window.BENCH;
const now = () => performance.now() + performance.timeOrigin;
const settings = {
  authority: B.issuer,
  client_id: B.clientId,
  redirect_uri: `${location.origin}/bench/oidc.html`,
  response_type: "code",
  scope: "openid profile",
  automaticSilentRenew: false,
  monitorSession: false,
};
const mgr = new oidc.UserManager(settings);
const readyAt = performance.now();
const client = new oidc.OidcClient(settings); // for createSigninRequest, the pure request-building call
let user = null;

window.bench = {
  lib: "oidc-client-ts",
  ready: readyAt,
  // The first call fetches the discovery document: not timed.
  authorizeEach: async (n) => { await client.createSigninRequest({}); return perCallEach(() => client.createSigninRequest({}), n); },
  authorizeBatch: async (n) => { await client.createSigninRequest({}); return perCallBatch(() => client.createSigninRequest({}), n); },
  refresh: () => timed(async () => {
    const u = await mgr.signinSilent();
    if (!u || !u.access_token) throw new Error("signinSilent gave no user");
  }),
};

document.querySelector("#sign-in").onclick = () => {
  sessionStorage.setItem("bench-t0", String(now()));
  mgr.signinRedirect();
};

if (/[?&]state=/.test(location.search)) {
  try {
    user = await mgr.signinRedirectCallback();
    if (!user.access_token || !user.refresh_token) throw new Error("no tokens");
    window.bench.login = { ms: now() - Number(sessionStorage.getItem("bench-t0")), callbackDone: performance.now() };
  } catch (e) {
    window.bench.login = { error: String(e && e.message || e) };
  }
}
document.body.dataset.ready = "1";
