// A single-page app built by Vite. `corti-auth` is the npm package (here an alias to the repository's dist/, see
// vite.config.js). Its loader finds the wasm with `new URL("./corti-auth.wasm", import.meta.url)`, which Vite
// recognises: the build emits corti-auth.wasm as a hashed asset next to the bundle and rewrites the URL.
import { load, CortiAuthError } from "corti-auth";

const $ = (id) => document.getElementById(id);

function status(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
}

function fail(e) {
  status("error", "Sign-in failed");
  const code = e instanceof CortiAuthError ? e.code : "internal";
  $("error").textContent = `${e && e.message} (${code})`;
  $("error").hidden = false;
  $("sign-in").hidden = false;
}

// Settings are fixed at build time (VITE_CORTI_* variables, e.g. in .env.production):
//   VITE_CORTI_CLIENT_ID=<from Corti Console>  VITE_CORTI_ENVIRONMENT=eu  VITE_CORTI_TENANT=<realm>
// and, for a proxy or the local environment, VITE_CORTI_AUTH_BASE_URL / VITE_CORTI_ASSISTANT_BASE_URL.
// Without them the app asks the local environment's /config.json.
async function settings() {
  const env = import.meta.env;
  if (env.VITE_CORTI_CLIENT_ID) {
    return {
      clientId: env.VITE_CORTI_CLIENT_ID,
      environment: env.VITE_CORTI_ENVIRONMENT || undefined,
      tenant: env.VITE_CORTI_TENANT || undefined,
      authBaseURL: env.VITE_CORTI_AUTH_BASE_URL || undefined,
      assistantBaseURL: env.VITE_CORTI_ASSISTANT_BASE_URL || undefined,
    };
  }
  const cfg = await (await fetch("/config.json")).json();
  return { clientId: cfg.clientId, tenant: cfg.tenant, authBaseURL: cfg.authBaseURL, assistantBaseURL: cfg.assistantBaseURL };
}

function showUser(session) {
  const c = session.claims;
  $("name").textContent = c.name || c.preferredUsername;
  $("email").textContent = c.email;
  $("tenant").textContent = c.tenant;
  const tick = () => {
    const left = Math.round(session.tokens.expires_at - Date.now() / 1000);
    $("expires").textContent = left > 0 ? `expires in ${left} s` : "expired";
  };
  tick();
  setInterval(tick, 1000);
  $("user").hidden = false;
  status("signed-in", `Signed in as ${c.name || c.preferredUsername}`);
}

async function main() {
  const corti = await load();
  const client = corti.createClient({ ...(await settings()), redirectUri: location.origin + location.pathname });
  $("sign-in").addEventListener("click", () => {
    status("signing-in", "Signing in…");
    client.login({ prompt: "login" }).catch(fail);
  });
  if (!client.isCallback()) {
    status("signed-out", "Signed out");
    $("sign-in").hidden = false;
    return;
  }
  status("signing-in", "Signing in…");
  const session = await client.handleCallback();
  window.exampleSession = session;
  showUser(session);
}

main().catch(fail);
