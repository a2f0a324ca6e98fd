// bench page (web/bench/early-mount.mjs): the callback page's navigation start → the Assistant authenticated, with
// the Assistant mounted early (client.mountAssistant before handleCallback, authenticate after it) or after the
// session (session.mountAssistant once handleCallback resolved). ?mode=early|late on the first load; the login keeps
// it in sessionStorage across the provider's pages. All times are performance.now() of the callback page (ms since
// its navigation start). frameReady is the first embedded.ready the page receives from the Assistant's origin.
import { load } from "/dist/corti-auth.js";

const cfg = await (await fetch("/config.json")).json();
const q = new URLSearchParams(location.search);
if (q.has("mode")) sessionStorage.setItem("early-mount-mode", q.get("mode"));
const mode = sessionStorage.getItem("early-mount-mode") || "early";

const r = { mode, frameReady: null };
addEventListener("message", (e) => {
  if (e.origin !== cfg.assistantBaseURL || !e.data) return;
  if (r.frameReady === null && e.data.event === "embedded.ready") r.frameReady = performance.now();
  if (e.data.event === "embedded.authenticated") r.answerSeen = performance.now(); // posted just before the answer
});
const corti = await load();
r.loaded = performance.now();
const client = corti.createClient({
  clientId: cfg.clientId,
  redirectUri: `${location.origin}/bench/early-mount.html`,
  tenant: cfg.tenant,
  authBaseURL: cfg.authBaseURL,
  assistantBaseURL: cfg.assistantBaseURL,
});
window.bench = { mode };
document.querySelector("#sign-in").onclick = () => client.login();

if (client.isCallback()) {
  try {
    if (mode === "early") {
      const assistant = client.mountAssistant("#pane");
      r.mounted = performance.now();
      const session = await client.handleCallback();
      r.sessionReady = performance.now();
      await assistant.authenticate(session);
    } else {
      const session = await client.handleCallback();
      r.sessionReady = performance.now();
      await session.mountAssistant("#pane");
    }
    r.authenticated = performance.now();
  } catch (e) {
    r.error = `${e.code || e.name}: ${e.message}`;
  }
  window.bench.result = r;
}
document.body.dataset.ready = "1";
