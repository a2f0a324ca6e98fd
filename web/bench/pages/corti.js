// bench page for corti-auth: navigation → load() resolved, authorize URLs, login and refresh round trips.
import "./wasm-marks.js";
import { load } from "/dist/corti-auth.js";
import { perCallEach, perCallBatch, timed } from "./timing.js";

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
  authorizeEach: (n) => perCallEach(() => client.authorizeURL(), n),
  authorizeBatch: (n) => perCallBatch(() => client.authorizeURL(), n),
  refresh: () => timed(() => session.refresh()),
  // The floor: the same refresh_token grant sent with a bare fetch (no library) on the session's current refresh
  // token, timed like refresh() (the provider keeps refresh tokens, so the session stays usable).
  bareRefresh: () => timed(async () => {
    const resp = await fetch(B.tokenURL, {
      method: "POST",
      credentials: "omit",
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: session.tokens.refresh_token, client_id: B.clientId }),
    });
    const j = await resp.json();
    if (!resp.ok || !j.access_token) throw new Error(`bare refresh: HTTP ${resp.status} ${j.error || ""}`);
  }),
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
