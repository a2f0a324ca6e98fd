// Host page with the Corti Assistant in a side panel: sign in, then session.mountAssistant().
import { load } from "/dist/corti-auth.js";

const $ = (id) => document.getElementById(id);

function status(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
}

function fail(e) {
  status("error", "Sign-in failed");
  $("error").textContent = `${e && e.message} (${(e && e.code) || "internal"})`;
  $("error").hidden = false;
  $("sign-in").hidden = false;
  $("sign-in-popup").hidden = false;
}

async function main() {
  // The local environment's settings; for Corti: { clientId: "<from Corti Console>", environment: "eu", tenant: "<realm>" }.
  const cfg = await (await fetch("/config.json")).json();
  const corti = await load();
  const client = corti.createClient({
    clientId: cfg.clientId,
    redirectUri: location.origin + location.pathname,
    // loginWithPopup's popup lands here: a page of this origin that hands the callback back (no wasm).
    popupRedirectUri: location.origin + "/dist/callback.html",
    tenant: cfg.tenant,
    authBaseURL: cfg.authBaseURL,
    assistantBaseURL: cfg.assistantBaseURL, // the Assistant origin that frame-src must allow
  });
  $("sign-in").addEventListener("click", () => {
    status("signing-in", "Signing in…");
    client.login({ prompt: "login" }).catch(fail);
  });
  // Inside an EHR's frame the provider's login page cannot show (frame-ancestors): sign in with a popup. The call
  // must run in the click's own turn, before any await, so the browser lets the popup open.
  $("sign-in-popup").addEventListener("click", () => {
    status("signing-in", "Signing in…");
    client.loginWithPopup({ prompt: "login" }).then(signedIn, fail);
  });
  if (!client.isCallback()) {
    status("signed-out", "Signed out");
    $("sign-in").hidden = false;
    $("sign-in-popup").hidden = false;
    return;
  }
  status("signing-in", "Signing in…");
  await signedIn(await client.handleCallback());
}

async function signedIn(session) {
  $("sign-in").hidden = true;
  $("sign-in-popup").hidden = true;
  $("error").hidden = true;
  window.exampleSession = session;
  status("signed-in", `Signed in as ${session.claims.name || session.claims.preferredUsername}`);

  $("side-panel").hidden = false;
  $("toggle").hidden = false;
  $("toggle").addEventListener("click", () => {
    const hide = !$("side-panel").hidden;
    $("side-panel").hidden = hide;
    $("toggle").textContent = hide ? "Show Assistant" : "Hide Assistant";
  });
  try {
    const assistant = await session.mountAssistant("#assistant", { title: "Corti Assistant" });
    window.exampleAssistant = assistant;
    $("assistant-status").textContent = `Assistant signed in as ${assistant.user ? assistant.user.email : "?"}`;
    assistant.on("auth", (u) => { $("assistant-status").textContent = `Assistant signed in as ${u.email}`; });
    session.on("ended", () => { assistant.destroy(); $("side-panel").hidden = true; status("signed-out", "Signed out"); });
  } catch (e) {
    $("assistant-status").textContent = `The Assistant is unavailable (${e.code}): ${e.message}`;
  }
}

main().catch(fail);
