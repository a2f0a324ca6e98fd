// The element test's page (web/e2e/element.test.mjs): signs in with corti-auth to get a token response, then runs
// host.js — a host script written against <corti-embedded>'s element API only — on the element named by ?tag=,
// defined by the module ?src= (the official component's build, or /dist/corti-assistant.js), with baseURL ?base=.
import { load } from "/dist/corti-auth.js";
import { runHost } from "./host.js";

// The query survives the sign-in's redirect in sessionStorage (the callback URL carries only code and state).
if (location.search && !new URLSearchParams(location.search).has("state")) sessionStorage.setItem("element-query", location.search);
const q = new URLSearchParams(sessionStorage.getItem("element-query") || "");
const cfg = await (await fetch("/config.json")).json();
const corti = await load();
const client = corti.createClient({
  clientId: cfg.clientId,
  redirectUri: location.origin + location.pathname,
  tenant: cfg.tenant,
  authBaseURL: cfg.authBaseURL,
});
window.t = { client, cfg };
if (client.isCallback()) {
  const session = await client.handleCallback();
  window.t.tokens = session.tokens;
}
await import(q.get("src") || "/dist/corti-assistant.js");
window.t.run = () => runHost(document.getElementById("box"), q.get("tag") || "corti-assistant", q.get("base") || cfg.assistantBaseURL, window.t.tokens);
document.body.dataset.ready = "1";
