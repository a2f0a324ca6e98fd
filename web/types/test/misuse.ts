// Deliberate misuse of corti-auth's API: every line ending in a "misuse" comment must be
// a compile error under `tsc --noEmit --strict`, and no other line may be
// (web/types/types.test.mjs checks the line numbers).
import { load, CortiAuthError, type ClientConfig, type TokenResponse } from "../corti-auth.js";

export async function misuse(secretFromSomewhere: string, maybeSession: ReturnType<ReturnType<Awaited<ReturnType<typeof load>>["createClient"]>["restore"]>): Promise<void> {
  const corti = await load();
  const base = { clientId: "c", redirectUri: "https://app.example/" };

  corti.createClient({ ...base, clientSecret: "s3cr3t" }); // misuse: a client secret in the browser
  corti.createClient({ clientId: "c", redirectUri: "https://app.example/", client_secret: secretFromSomewhere }); // misuse: snake_case secret
  corti.createClient({ clientId: "c", redirectUri: "https://app.example/", redirectURI: "x" }); // misuse: unknown config key (misspelt)
  corti.createClient({ clientId: "c" }); // misuse: redirectUri is required
  corti.createClient({ clientId: "c", redirectUri: "https://app.example/", pendingLoginStorage: "cookie" }); // misuse: not "local" | "session"
  corti.createClient({ clientId: "c", redirectUri: "https://app.example/", refreshBufferSeconds: "120" }); // misuse: a number, not a string
  const cfg: ClientConfig = { clientId: 42, redirectUri: "https://app.example/" }; // misuse: clientId is a string
  corti.decodeToken(12345); // misuse: decodeToken takes a string
  const v: number = corti.version; // misuse: version is a string

  const client = corti.createClient(cfg);
  client.config.clientId = "other"; // misuse: config is read-only
  await client.login({ prompt: "login", loginHInt: "doctor" }); // misuse: unknown authorize option
  await client.authorizeURL({ extraParams: { max_age: 0 } }); // misuse: extra params are strings
  await client.authorizeURL({ maxAge: "0" }); // misuse: maxAge is a number of seconds
  corti.createClient({ ...base, idleTimeoutSeconds: "900" }); // misuse: idleTimeoutSeconds is a number
  corti.createClient({ ...base, idleSignOut: "remote" }); // misuse: idleSignOut is "local" or "provider"
  const s = (await client.handleCallback())!; // (null only in a popup)
  s.on("refresh", () => {}); // misuse: the event is "refreshed"
  s.on("ended", (d) => d.code); // misuse: ended's detail is {reason}
  s.on("error", (e) => e.reason); // misuse: error's detail is a CortiAuthError
  s.on("expiring", (d: { expiresAt: string }) => d); // misuse: expiresAt is a number
  const t: string = s.tokens.expires_at; // misuse: epoch seconds, a number
  s.tokens.accessToken; // misuse: the token response is snake_case
  await s.mountAssistant(42); // misuse: an element or a selector
  await s.mountAssistant("#a", { readyTimeout: 5 }); // misuse: readyTimeoutMs
  client.mountAssistant("#a").then(() => {}); // misuse: client.mountAssistant is synchronous
  await client.mountAssistant("#a").authenticate(); // misuse: authenticate takes the session
  s.mountAssistant("#a", { assistantRefreshes: "yes" }); // misuse: assistantRefreshes is a boolean
  const a = await s.mountAssistant("#a");
  await a.navigate({ to: "/session/1" }); // misuse: navigate takes a path or {path}
  await a.setCredentials({ pass: "x" }); // misuse: setCredentials takes {password}
  const qr: "ok" = (await a.showDeviceLinkQR()).status; // misuse: approved, denied, expired or dismissed
  await a.addFacts([{ text: "x" }]); // misuse: a fact has a group
  a.show().then(); // misuse: show() is synchronous
  const lang: string = (await a.getTemplates()).templates[0].language; // misuse: language is {code, name}
  a.on("auth", (u) => u.code); // misuse: auth's detail is the user
  await a.createInteraction({ patient: { name: "x" } }); // misuse: encounter is required
  s.logout("https://app.example/"); // misuse: logout takes {redirectUri}
  client.fromTokens({ accessToken: "x" }); // misuse: access_token
  client.fromTokens({ access_token: "x" }, { refresh: (cur: TokenResponse) => cur }); // misuse: refresh returns a Promise
  client.fromTokens({ access_token: "x" }, { refresh: async () => ({ error_description: "gone" }) }); // misuse: neither tokens nor {error}
  (await maybeSession).tokens; // misuse: restore() may resolve with null
  await client.restore({ timeout: 5000 }); // misuse: timeoutMs
  await client.loginWithPassword("doctor"); // misuse: the password is missing

  try {
    await client.handleCallback();
  } catch (e) {
    if (e instanceof CortiAuthError) {
      if (e.code === "state_mismatched") return; // misuse: no such code
      if (e.check === "signatur") return; // misuse: no such ID-token check
      if (e.code === "oauth_error" && e.oauthError === "access_denied") return;
      e.code = "internal"; // misuse: code is read-only
    }
    e.code; // misuse: e is unknown until narrowed
  }
  new CortiAuthError("x", { code: "nope" }); // misuse: no such code
  await client.loginWithPopup({ timeoutMs: "300000" }); // misuse: timeoutMs is a number
}

export async function misuseElement(): Promise<void> {
  const el = document.createElement("corti-assistant");
  el.addEventListener("signedout", (e) => e.detail.user); // misuse: signedout carries { reason }
  await el.navigate(42); // misuse: navigate takes a path or { path }
  el.visibility = true; // misuse: visibility is a string
}
