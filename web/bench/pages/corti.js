// bench page for corti-auth: navigation → load() resolved, authorize URLs, login and refresh round trips.
import { load } from "/dist/corti-auth.js";

const B = window.BENCH;
window.__m.moduleStart = performance.now();
const corti = await load();
const readyAt = performance.now();
const client = corti.createClient({
  clientId: B.clientId,
  redirectUri: `${location.origin}/bench/corti.html`,
  tenant: B.realm,
  authBaseURL: B.authBaseURL,
});
const now = () => performance.timeOrigin + performance.now();
let session = null;

window.bench = {
  lib: "corti-auth",
  ready: readyAt,
  marks: window.__m,
  // One pending login at a time (storage cleared after each call, untimed): the common case.
  async authorizeEach(n) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      await client.authorizeURL();
      sum += performance.now() - t;
      localStorage.clear();
      sessionStorage.clear();
    }
    return sum / n;
  },
  // n calls back to back: n pending logins pile up in storage, as abandoned logins do (for their TTL).
  async authorizeBatch(n) {
    const t = performance.now();
    for (let i = 0; i < n; i++) await client.authorizeURL();
    return (performance.now() - t) / n;
  },
  async refresh() {
    const t = performance.now();
    await session.refresh();
    return performance.now() - t;
  },
  // The session's current refresh token, for bench.mjs's bare-fetch floor (the session is not used afterwards).
  refreshToken() {
    return session.tokens.refresh_token;
  },
};

document.querySelector("#sign-in").onclick = () => {
  sessionStorage.setItem("bench-t0", String(now()));
  client.login();
};

if (client.isCallback()) {
  try {
    session = await client.handleCallback();
    if (!session.tokens.access_token || !session.tokens.refresh_token) throw new Error("no tokens");
    window.bench.login = { ms: now() - Number(sessionStorage.getItem("bench-t0")), callbackDone: performance.now() };
  } catch (e) {
    window.bench.login = { error: `${e.code || e.name}: ${e.message}` };
  }
}
document.body.dataset.ready = "1";
