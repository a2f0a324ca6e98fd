// Host page with the Corti Assistant in a side panel: on the callback page the Assistant is mounted at once
// (client.mountAssistant, synchronous), so that it loads while the code is exchanged, then signed in with
// assistant.authenticate(session).
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
    client.loginWithPopup({ prompt: "login" }).then((session) => signedIn(client, session), fail);
  });
  if (!client.isCallback()) {
    status("signed-out", "Signed out");
    $("sign-in").hidden = false;
    $("sign-in-popup").hidden = false;
    return;
  }
  status("signing-in", "Signing in…");
  // The Assistant starts loading now, in the (still hidden) side panel; the code exchange overlaps with its load.
  const assistant = client.mountAssistant("#assistant", { title: "Corti Assistant" });
  window.exampleAssistant = assistant;
  let session;
  try {
    session = await client.handleCallback();
  } catch (e) {
    assistant.destroy();
    throw e;
  }
  if (!session) return; // this page loaded in a popup: the callback went to the page that opened it
  await signedIn(client, session, assistant);
}

async function signedIn(client, session, assistant = null) {
  $("sign-in").hidden = true;
  $("sign-in-popup").hidden = true;
  $("error").hidden = true;
  // After a popup sign-in the Assistant is mounted now (after a redirect it has been loading since the callback).
  assistant = assistant || client.mountAssistant("#assistant", { title: "Corti Assistant" });
  window.exampleAssistant = assistant;
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
    const user = await assistant.authenticate(session);
    $("assistant-status").textContent = `Assistant signed in as ${user.email}`;
    assistant.on("auth", (u) => { $("assistant-status").textContent = `Assistant signed in as ${u.email}`; });
    session.on("ended", () => { assistant.destroy(); $("side-panel").hidden = true; status("signed-out", "Signed out"); });
  } catch (e) {
    $("assistant-status").textContent = `The Assistant is unavailable (${e.code}): ${e.message}`;
  }
}

main().catch(fail);
