// The page half of the backend-for-frontend example. It never sees the refresh
// token or the client secret: it starts from the access token GET /session
// answers, and corti-auth's refresh callback asks POST /token for a new one.
// window.bff is there for the end-to-end test and for poking around in devtools.

const $ = (id) => document.getElementById(id);
const bff = (window.bff = { session: null, client: null, callbackCalls: 0, refreshed: 0, errors: [], expiring: [], ready: false });

// Every state-changing call carries this header (the server refuses it
// otherwise): a cross-origin page cannot add it without a CORS preflight.
const CSRF = { "X-Requested-With": "corti-auth" };

function show(state) {
  document.body.dataset.state = state;
  $("signed-out").hidden = state !== "signed-out";
  $("signed-in").hidden = state !== "signed-in";
}

function fail(err) {
  bff.errors.push(String(err && err.message ? err.message : err));
  $("error").textContent = bff.errors[bff.errors.length - 1];
}

async function main() {
  const res = await fetch("/session", { cache: "no-store" });
  if (res.status === 401) {
    show("signed-out");
    return;
  }
  if (!res.ok) throw new Error(`GET /session: ${res.status}`);
  const tokens = await res.json();
  const cfg = await (await fetch("/config.json", { cache: "no-store" })).json();

  const { load } = await import("/dist/corti-auth.js");
  const corti = await load();
  const client = corti.createClient({
    clientId: cfg.clientId,
    redirectUri: location.origin + "/callback",
    authBaseURL: cfg.authBaseURL,
    tenant: cfg.tenant,
    ...(cfg.assistantBaseURL ? { assistantBaseURL: cfg.assistantBaseURL } : {}),
  });

  // corti-auth plans the refresh (buffer, jitter), shares one call among all
  // concurrent getAccessToken() callers, and retries with backoff when this
  // throws. An OAuth error answer such as the BFF's 401 {"error":"invalid_grant"}
  // (revoked, expired, signed out elsewhere) is final: returned as it is, it
  // ends the session with that reason ("ended" below) instead of being retried.
  const session = client.fromTokens(tokens, {
    refresh: async () => {
      bff.callbackCalls += 1;
      const r = await fetch("/token", { method: "POST", headers: CSRF, cache: "no-store" });
      if (r.status === 401) return r.json();
      if (!r.ok) throw new Error("refresh failed: " + r.status);
      return r.json();
    },
  });
  Object.assign(bff, { session, client, corti });

  session.on("refreshed", () => {
    bff.refreshed += 1;
    $("refreshes").textContent = String(bff.refreshed);
    render(session);
  });
  session.on("error", (e) => fail(e));
  // A refresh failed but the current token is still usable: corti-auth retries.
  session.on("expiring", (e) => bff.expiring.push(e));
  session.on("ended", (e) => signedOut(session, `session ended: ${e.reason}`));

  render(session);
  const timer = setInterval(() => (session.ended ? clearInterval(timer) : countdown(session)), 250);

  $("refresh").onclick = () => session.refresh().catch(fail);
  $("sign-out").onclick = () => signOut(session).catch(fail);
  if (cfg.assistantBaseURL) {
    $("open-assistant").hidden = false;
    $("open-assistant").onclick = async () => {
      $("open-assistant").disabled = true;
      try {
        bff.assistant = await session.mountAssistant("#assistant");
      } catch (e) {
        $("open-assistant").disabled = false;
        fail(e);
      }
    };
  }
  show("signed-in");
}

function render(session) {
  const c = session.claims;
  $("user").textContent = c.name || c.preferredUsername || c.subject;
  $("email").textContent = c.email || "—";
  $("tenant").textContent = c.tenant || "—";
  countdown(session);
}

function countdown(session) {
  const left = Math.max(0, session.tokens.expires_at - Date.now() / 1000);
  $("countdown").textContent = left.toFixed(0);
}

function signedOut(session, why) {
  if (document.body.dataset.state === "signed-out") return;
  session.close();
  if (bff.assistant) bff.assistant.destroy();
  if (why) $("error").textContent = why;
  show("signed-out");
}

// Sign out: the server revokes the refresh token and forgets the session; then
// the provider's end-session page ends the single sign-on session and comes
// back here.
async function signOut(session) {
  const r = await fetch("/logout", { method: "POST", headers: CSRF });
  const out = await r.json();
  signedOut(session, "");
  if (out.end_session_url) location.assign(out.end_session_url);
}

main()
  .catch((e) => {
    fail(e);
    show("error");
  })
  .finally(() => {
    bff.ready = true;
  });
