// The demo host page: only the public corti-auth API.
import { load } from "/dist/corti-auth.js";

const $ = (id) => document.getElementById(id);
const show = (id, on) => { $(id).hidden = !on; };

function setState(state, text) {
  $("state").dataset.state = state;
  $("state").textContent = text;
  show("signed-out", state === "signed-out");
  show("signed-in", state === "signed-in");
  show("actions", state === "signed-in");
  show("assistant-panel", state === "signed-in");
}

// Errors in plain words, with their code.
const plain = {
  network_error: "The sign-in server could not be reached.",
  timeout: "The sign-in server did not answer in time.",
  oauth_error: "The sign-in server refused the request.",
  state_mismatch: "This sign-in response does not belong to a sign-in started here.",
  no_pending_login: "This sign-in response was already used or has expired. Please sign in again.",
  login_expired: "The sign-in took too long. Please sign in again.",
  iss_mismatch: "The sign-in response came from an unexpected server.",
  id_token_invalid: "The identity token could not be verified.",
  session_ended: "The session has ended. Please sign in again.",
  assistant_timeout: "The Corti Assistant did not answer in time.",
  assistant_error: "The Corti Assistant refused the request.",
  not_user_token: "The Corti Assistant needs a user's sign-in, not a service account.",
  storage_unavailable: "Browser storage is unavailable (private mode or a sandboxed frame?).",
  browser_error: "The browser refused an operation this page needed.",
  popup_blocked: "The browser blocked the sign-in window. Allow popups for this page and try again.",
  popup_closed: "The sign-in window was closed before the sign-in finished.",
  user_mismatch: "Someone else signed in to confirm: only the signed-in clinician can confirm. They were signed out again.",
};

function showError(err) {
  // Not a CortiAuthError (this page's own code threw): say so, without a code.
  const code = err && err.code ? err.code : "";
  let words = plain[code] || "Something went wrong.";
  if (code === "oauth_error" && err.oauthError === "access_denied") words = "The sign-in was cancelled or access was denied.";
  let text = words;
  if (code) {
    text += ` (${code}`;
    if (err.oauthError) text += `: ${err.oauthError}`;
    text += ")";
  }
  if (err && err.description) text += ` — ${err.description}`;
  $("error").textContent = text;
  show("error", true);
  console.error(err);
}

let session = null;
let refreshes = 0;
let timer = 0;

// The idle warning (idleTimeoutSeconds in /config.json): a banner counting down to the sign-out, hidden again
// by activity ("active").
let idleTimer = 0;
function idleBanner(secondsLeft) {
  clearInterval(idleTimer);
  if (secondsLeft === null) { show("idle-banner", false); return; }
  const end = Date.now() + secondsLeft * 1000;
  const draw = () => {
    const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    $("idle-banner").textContent = `No activity: signing out in ${left} s. Move the mouse or press a key to stay signed in.`;
  };
  draw();
  idleTimer = setInterval(draw, 1000);
  show("idle-banner", true);
}

function tick() {
  if (!session) return;
  const left = Math.round(session.tokens.expires_at - Date.now() / 1000);
  $("countdown").textContent = left > 0 ? `expires in ${left} s` : "expired";
}

// early: the Assistant mounted before the session existed (client.mountAssistant on the callback page), or none.
async function signedIn(s, early) {
  session = s;
  const c = s.claims;
  $("user").textContent = `${c.name || c.preferredUsername} <${c.email}>`;
  $("tenant").textContent = c.tenant;
  $("environment").textContent = c.environment || "(not a Corti issuer)";
  setState("signed-in", `Signed in as ${c.name || c.preferredUsername}`);
  $("confirm").textContent = `Confirm as ${c.name || c.preferredUsername}`;
  show("confirmed", false);
  tick();
  clearInterval(timer);
  timer = setInterval(tick, 1000);
  s.on("refreshed", () => { refreshes++; $("refresh-count").textContent = String(refreshes); tick(); });
  s.on("error", (e) => console.warn("corti-auth:", e.code, e.message));
  s.on("idle", ({ secondsLeft }) => idleBanner(secondsLeft));
  s.on("active", () => idleBanner(null));
  s.on("ended", ({ reason }) => {
    clearInterval(timer);
    idleBanner(null);
    session = null;
    $("assistant").replaceChildren();
    // An unattended workstation: the idle sign-out sticks. The provider's session lives on, but a reload's restore()
    // resolves null and "Sign in" asks for the password, until somebody types it (idleSignOut: "provider" would
    // also end the provider's session).
    setState("signed-out", `Signed out (${reason})`);
  });
  $("assistant-state").textContent = "Loading the Assistant…";
  try {
    const a = early || (await s.mountAssistant("#assistant"));
    if (early) await early.authenticate(s);
    $("assistant-state").textContent = `Assistant signed in as ${a.user ? a.user.email : "?"}`;
    a.on("auth", (u) => { $("assistant-state").textContent = `Assistant re-authenticated as ${u.email}`; });
    window.demoAssistant = a;
  } catch (e) {
    $("assistant-state").textContent = `Assistant unavailable (${e.code})`;
    console.warn(e);
  }
}

async function main() {
  const cfg = await (await fetch("/config.json")).json();
  $("issuer").textContent = `${cfg.authBaseURL}/realms/${cfg.tenant}`;
  const corti = await load();
  const config = {
    clientId: cfg.clientId,
    redirectUri: `${location.origin}/`,
    popupRedirectUri: `${location.origin}/dist/callback.html`, // "Sign in with a popup" lands here
    tenant: cfg.tenant,
    authBaseURL: cfg.authBaseURL,
    assistantBaseURL: cfg.assistantBaseURL,
    shareAcrossTabs: true,
    silentRedirectUri: `${location.origin}/dist/callback.html`, // restore()'s hidden iframe lands there
  };
  if (cfg.idleTimeoutSeconds) config.idleTimeoutSeconds = cfg.idleTimeoutSeconds;
  if (cfg.idleWarningSeconds) config.idleWarningSeconds = cfg.idleWarningSeconds;
  const client = corti.createClient(config);
  window.demo = { corti, client, get session() { return session; } };
  $("sign-in").addEventListener("click", () => {
    setState("signing-in", "Signing in…");
    client.login({ prompt: "login" }).catch((e) => { setState("error", "Sign-in failed"); showError(e); });
  });
  $("sign-in-popup").addEventListener("click", () => { // the call opens the popup at once, in the click's turn
    setState("signing-in", "Signing in in the popup…");
    client.loginWithPopup({ prompt: "login" }).then(signedIn, (e) => { setState("error", "Sign-in failed"); show("signed-out", true); showError(e); });
  });
  // Step-up before a sensitive action (signing a prescription): the signed-in clinician types their password again,
  // in a popup opened in this click's turn; someone else's password is refused (user_mismatch).
  $("confirm").addEventListener("click", () => {
    if (!session) return;
    show("error", false);
    session.reauthenticate({ maxAge: 0 }).then((s) => {
      const at = new Date(window.demo.corti.decodeToken(s.tokens.id_token).authTime * 1000).toLocaleTimeString();
      $("confirmed").textContent = `Confirmed by ${s.claims.name || s.claims.preferredUsername} at ${at}`;
      show("confirmed", true);
    }, showError);
  });
  $("refresh").addEventListener("click", () => session && session.refresh().catch(showError));
  $("sign-out").addEventListener("click", () => session && session.logout({ redirectUri: `${location.origin}/` }).catch(showError));

  if (client.isCallback()) {
    setState("signing-in", "Signing in…");
    // The Assistant starts loading at once; the code exchange overlaps with its load.
    const early = client.mountAssistant("#assistant");
    $("assistant-state").textContent = "Loading the Assistant…";
    try {
      await signedIn(await client.handleCallback().catch((e) => { early.destroy(); throw e; }), early);
    } catch (e) {
      setState("error", "Sign-in failed");
      show("signed-out", true);
      showError(e);
    }
    return;
  }
  // A reload: the session again without a click while the provider's session lives (a sibling tab's, or a
  // prompt=none sign-in in a hidden iframe); "Signed out" only when the provider says so.
  setState("resuming", "Checking for a session…");
  const restored = await client.restore();
  if (restored) await signedIn(restored);
  else {
    const ended = new URLSearchParams(location.search).get("ended");
    if (ended) history.replaceState(null, "", location.pathname);
    setState("signed-out", ended === "idle" ? "Signed out (idle)" : "Signed out");
  }
}

main().catch((e) => { setState("error", "corti-auth failed to start"); showError(e); });
