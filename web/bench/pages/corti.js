// bench page for corti-auth: navigation → load() resolved, authorize URLs, login (redirect and popup), restore after
// a reload, refresh round trips, and the Go runtime's heap and goroutines (the bench's runtime-stats hook).
import "./wasm-marks.js";
import { load } from "/dist/corti-auth.js";
import { perCallEach, perCallBatch, timed } from "./timing.js";

const B = window.BENCH;
window.__m.moduleStart = performance.now();
const corti = await load();
const readyAt = performance.now();
const base = {
  clientId: B.clientId,
  redirectUri: `${location.origin}/bench/corti.html`,
  tenant: B.realm,
  authBaseURL: B.authBaseURL,
  assistantBaseURL: B.assistantBaseURL,
};
// The popup's and the silent iframe's landing page: dist/callback.html where the build has it (no wasm there), else
// this page. A build without those config keys refuses them: the client is then made without.
let client;
try {
  client = corti.createClient(B.callbackURL ? { ...base, popupRedirectUri: B.callbackURL, silentRedirectUri: B.callbackURL } : base);
} catch {
  client = corti.createClient(base);
}
const now = () => performance.timeOrigin + performance.now();
let session = null;

window.bench = {
  lib: "corti-auth",
  ready: readyAt,
  marks: window.__m,
  authorizeEach: (n) => perCallEach(() => client.authorizeURL(), n),
  authorizeBatch: (n) => perCallBatch(() => client.authorizeURL(), n),
  hasPopup: typeof client.loginWithPopup === "function",
  hasRestore: typeof client.restore === "function",
  hasStats: typeof corti.__runtimeStats === "function",
  stats: () => corti.__runtimeStats(),
  refresh: () => timed(() => session.refresh()),
  refreshN: async (n) => { for (let i = 0; i < n; i++) await session.refresh(); },
  // n mounts of the stand-in Assistant, each destroyed once it has authenticated.
  mountCycles: async (n) => {
    const host = document.body.appendChild(Object.assign(document.createElement("div"), { id: "pane" }));
    for (let i = 0; i < n; i++) {
      const a = await session.mountAssistant("#pane", { readyTimeoutMs: 10000 });
      a.destroy();
    }
    host.remove();
  },
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

// Click → tokens with the popup: the opener keeps running, the popup's page hands the callback back.
document.querySelector("#sign-in-popup").onclick = () => {
  const t0 = performance.now();
  client.loginWithPopup().then(
    (s) => { session = s; window.bench.popupLogin = { ms: performance.now() - t0 }; },
    (e) => { window.bench.popupLogin = { error: `${e.code || e.name}: ${e.message}` }; },
  );
};

if (new URLSearchParams(location.search).has("restore")) {
  // Resume after a reload: navigation start → session (or null) from restore() with its silent step.
  try {
    session = await client.restore();
    window.bench.restore = session ? { ms: performance.now() } : { null: true };
  } catch (e) {
    window.bench.restore = { error: `${e.code || e.name}: ${e.message}` };
  }
} else if (client.isCallback()) {
  try {
    session = await client.handleCallback();
    if (!session.tokens.access_token || !session.tokens.refresh_token) throw new Error("no tokens");
    window.bench.login = { ms: now() - Number(sessionStorage.getItem("bench-t0")), callbackDone: performance.now() };
  } catch (e) {
    window.bench.login = { error: `${e.code || e.name}: ${e.message}` };
  }
}
document.body.dataset.ready = "1";
