// bench page for keycloak-js: navigation → new Keycloak() + init() resolved (no onLoad, no login iframe, so
// init makes no request), createLoginUrl, login and refresh (updateToken(-1)) round trips.
import Keycloak from "/node_modules/keycloak-js/keycloak.js";
import { perCallEach, perCallBatch, timed } from "./timing.js";

const B = window.BENCH;
const now = () => performance.now() + performance.timeOrigin;
const callback = sessionStorage.getItem("bench-t0") !== null && /[#?&]state=/.test(location.href);
// ?sso: resume after a reload the keycloak-js way — onLoad: "check-sso" with a silent-check page (a prompt=none
// authorization in a hidden iframe landing on silent-check-sso.html, then the code exchange).
const sso = new URLSearchParams(location.search).has("sso");
const kc = new Keycloak({ url: B.authBaseURL, realm: B.realm, clientId: B.clientId });
let initError = null;
try {
  // checkLoginIframe: false — no session-status iframe and no 3rd-party-cookie check iframe;
  // without onLoad, init() then resolves without any request (or, on the callback, exchanges the code).
  await kc.init({
    checkLoginIframe: false, pkceMethod: "S256", redirectUri: `${location.origin}/bench/keycloak.html`,
    ...(sso ? { onLoad: "check-sso", silentCheckSsoRedirectUri: `${location.origin}/bench/silent-check-sso.html` } : {}),
  });
} catch (e) {
  initError = e;
}
const readyAt = performance.now();

window.bench = {
  lib: "keycloak-js",
  ready: readyAt,
  authorizeEach: (n) => perCallEach(() => kc.createLoginUrl(), n),
  authorizeBatch: (n) => perCallBatch(() => kc.createLoginUrl(), n),
  refresh: () => timed(async () => {
    if (!(await kc.updateToken(-1))) throw new Error("updateToken(-1) did not refresh");
  }),
};

document.querySelector("#sign-in").onclick = () => {
  sessionStorage.setItem("bench-t0", String(now()));
  kc.login();
};

if (sso) {
  window.bench.restore = kc.authenticated && kc.token ? { ms: readyAt } : { error: `check-sso: not authenticated ${initError ? String(initError.message || initError.error || JSON.stringify(initError)) : ""}` };
} else if (callback) {
  if (initError || !kc.authenticated || !kc.token || !kc.refreshToken) {
    window.bench.login = { error: `not authenticated: ${initError && (initError.error || initError.message || JSON.stringify(initError))}` };
  } else {
    window.bench.login = { ms: now() - Number(sessionStorage.getItem("bench-t0")), callbackDone: performance.now() };
  }
} else if (initError) {
  window.bench.error = String(initError.message || initError);
}
document.body.dataset.ready = "1";
