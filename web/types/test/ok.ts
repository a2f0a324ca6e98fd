// A realistic program against corti-auth's declarations: it must compile with
// `tsc --noEmit --strict` (web/types/types.test.mjs).
import {
  load,
  CortiAuthError,
  type Assistant,
  type AssistantUser,
  type ClientConfig,
  type CortiAuth,
  type CortiAuthErrorCode,
  type DecodedToken,
  type Session,
  type SessionTokens,
  type TokenErrorResponse,
  type TokenResponse,
} from "../corti-auth.js";
import { CortiAssistantElement, type CortiAssistantErrorDetail } from "../corti-assistant.js";

function plainWords(e: unknown): string {
  if (!(e instanceof CortiAuthError)) return String(e);
  const code: CortiAuthErrorCode = e.code;
  switch (e.code) {
    case "oauth_error":
      return `The sign-in server refused: ${e.oauthError ?? "?"} ${e.description ?? ""} (HTTP ${e.status ?? 0})`;
    case "assistant_error":
      return `The Assistant refused: ${e.assistantCode ?? "?"}`;
    case "id_token_invalid":
      return `The ID token failed the ${e.check ?? "?"} check`;
    case "network_error":
    case "timeout":
      return "The sign-in server could not be reached.";
    case "session_ended":
      return "Please sign in again.";
    default:
      return `${e.name}: ${e.message} (${code})`;
  }
}

async function main(): Promise<void> {
  const corti: CortiAuth = await load({ wasmURL: new URL("./corti-auth.wasm", import.meta.url) });
  await load(); // idempotent
  const version: string = corti.version;
  console.log(version);

  const config: ClientConfig = {
    clientId: "my-client",
    redirectUri: `${location.origin}/callback`,
    environment: "eu",
    tenant: "base",
    scope: "openid profile email",
    pendingLoginStorage: "session",
    refreshBufferSeconds: 60,
    shareAcrossTabs: true,
  };
  const client = corti.createClient(config);
  const buffer: number | null = client.config.refreshBufferSeconds;
  const storage: "local" | "session" = client.config.pendingLoginStorage;
  console.log(buffer, storage, client.config.authBaseURL.toUpperCase());

  const url: string = await client.authorizeURL({ prompt: "login", loginHint: "doctor", uiLocales: "da en", extraParams: { kc_idp_hint: "corti" } });
  console.log(url);

  let session: Session | null;
  if (client.isCallback()) {
    try {
      session = await client.handleCallback(location.href);
    } catch (e) {
      console.error(plainWords(e));
      session = null;
    }
  } else {
    session = (await client.restore()) ?? (await client.restore({ silent: true, redirect: true, timeoutMs: 3000 }));
  }
  if (!session) {
    document.querySelector<HTMLButtonElement>("#sign-in")!.onclick = () => { void client.login({ prompt: "login" }); };
    return;
  }

  const claims: DecodedToken = session.claims;
  const who: string = `${claims.name || claims.preferredUsername} <${claims.email}> in ${claims.tenant}/${claims.environment}`;
  const isService: boolean = claims.isServiceAccount;
  const exp: number = claims.expiresAt - claims.issuedAt;
  const raw: unknown = claims.claims["realm_access"];
  console.log(who, isService, exp, raw);
  // Step-up before a sensitive action: a fresh login, checked by auth_time.
  await client.authorizeURL({ prompt: "login", maxAge: 0, acrValues: ["1"] });
  await client.authorizeURL({ maxAge: 300, acrValues: "gold silver" });
  const authTime: number = claims.authTime;
  const acr: string = claims.acr;
  console.log(authTime, acr);
  // Idle sign-out: warn, let activity cancel, sign out.
  session.on("idle", ({ secondsLeft }) => console.log(`signing out in ${secondsLeft} s`));
  session.on("active", () => console.log("still here"));
  session.touch();
  const idleCfg = corti.createClient({ clientId: "c", redirectUri: "https://app.example/", idleTimeoutSeconds: 900, idleWarningSeconds: 60 });
  const idleSecs: number | null = idleCfg.config.idleTimeoutSeconds;
  const idleEnds: "local" | "provider" = corti.createClient({ clientId: "c", redirectUri: "https://app.example/", idleTimeoutSeconds: 900, idleSignOut: "provider" }).config.idleSignOut;
  console.log(idleEnds);
  console.log(idleSecs);
  // Popup sign-in from a click (inside an EHR's frame too), and a step-up in a popup.
  const popupClient = corti.createClient({ clientId: "c", redirectUri: "https://app.example/", popupRedirectUri: "https://app.example/callback.html" });
  const popupTarget: string = popupClient.config.popupRedirectUri;
  document.querySelector<HTMLButtonElement>("#popup")!.onclick = () => {
    popupClient.loginWithPopup({ prompt: "login", maxAge: 0, timeoutMs: 120000 }).then(
      (s: Session) => console.log(popupTarget, s.claims.authTime),
      (e: unknown) => { if (e instanceof CortiAuthError && (e.code === "popup_blocked" || e.code === "popup_closed")) console.log(e.code); });
  };

  const tokens: SessionTokens = session.tokens;
  const expiresAt: number = tokens.expires_at;
  const accessToken: string = tokens.access_token;
  const refreshToken: string | undefined = tokens.refresh_token;
  console.log(expiresAt, accessToken.length, refreshToken);

  const offRefreshed = session.on("refreshed", (t, name) => {
    const at: number = t.expires_at;
    const n: "refreshed" = name;
    console.log(n, at, t.access_token.slice(0, 8));
  });
  session.on("expiring", ({ expiresAt, error }) => console.warn(`expires at ${expiresAt.toFixed(0)}: ${error.trim()}`));
  session.on("ended", ({ reason }) => {
    if (reason === "logout" || reason === "invalid_grant" || reason === "some-future-reason") console.log("ended:", reason);
  });
  session.on("error", (e) => {
    const c: CortiAuthErrorCode = e.code;
    if (e.code === "network_error") console.warn("offline?", e.message);
    console.warn(c, e instanceof Error);
  });
  session.on("*", (detail, name) => console.debug(name, detail));
  offRefreshed();

  const token: string = await session.getAccessToken();
  await fetch("https://api.eu.corti.app/v2/interactions", { headers: { Authorization: `Bearer ${token}` } });
  const fresh: SessionTokens = await session.refresh();
  console.log(fresh.expires_in);
  const ended: boolean = session.ended;
  console.log(ended);

  const assistant: Assistant = await session.mountAssistant("#assistant", { readyTimeoutMs: 30000, requestTimeoutMs: 10000, title: "Corti Assistant" });
  await session.mountAssistant(document.body, { baseURL: "https://assistant.us.corti.app" });
  const iframe: HTMLIFrameElement = assistant.iframe;
  const user: AssistantUser | null = assistant.user;
  console.log(iframe.src, assistant.origin, user?.email);
  assistant.on("auth", (u) => console.log("re-authenticated", u.email));
  assistant.on("ended", ({ reason }) => console.log("assistant saw the end:", reason));
  assistant.on("error", (e) => console.warn(e.code));
  const early: Assistant = client.mountAssistant("#assistant-early", { assistantRefreshes: false }); // synchronous
  const earlyUser: AssistantUser = await early.authenticate(session);
  console.log(earlyUser.id, (await assistant.authenticate(session)).email);
  early.on("error", (e) => e.code === "assistant_refresh_conflict" && console.warn(e.message));
  const off = assistant.on("embedded.navigated", (payload, name) => console.log(name, payload));
  assistant.on("*", (payload, name) => console.log(name, typeof payload));
  off();
  const interaction = await assistant.createInteraction({
    encounter: { identifier: "enc-1", status: "planned", type: "first_consultation", period: { startedAt: new Date().toISOString() }, title: "Checkup" },
    patient: { identifier: "p-1", name: "Ann Patient", gender: "female" },
  });
  await assistant.navigate(`/session/${interaction.id}`);
  await assistant.navigate({ path: "/" });
  await assistant.createInteraction({
    assignedUserId: null,
    encounter: { identifier: "enc-2", status: "planned", type: "first_consultation", period: { startedAt: new Date().toISOString() } },
    patient: { birthDate: null },
  });
  await assistant.addFacts([{ text: "BP 120/80", group: "vitals" }]);
  await assistant.setCredentials({ password: "s3cret" });
  const { status: qr } = await assistant.showDeviceLinkQR();
  if (qr === "approved" || qr === "denied" || qr === "expired" || qr === "dismissed") console.log(qr);
  assistant.hide();
  const shown: boolean = assistant.visible;
  assistant.show();
  console.log(shown);
  const applied: Record<string, unknown> = await assistant.configureApp({ ui: { aiChat: false } });
  console.log(applied, interaction.createdAt);
  await assistant.setInteractionOptions({ spokenLanguage: "en" });
  await assistant.addFacts({ facts: [{ text: "Allergic to penicillin", group: "allergies", source: "core" }] });
  await assistant.startRecording();
  await assistant.stopRecording();
  const status = await assistant.getStatus();
  const signedIn: boolean = status.auth.isAuthenticated;
  console.log(signedIn, status.currentUrl, status.auth.user?.name);
  const { templates } = await assistant.getTemplates();
  console.log(templates.length, templates[0]?.language.code, templates[0]?.language.name, templates[0]?.isCustom === true);
  const typed: boolean = (await assistant.request("getStatus")).auth.isAuthenticated;
  const viaLink = await assistant.showDeviceLinkQR({ shareRefreshToken: true });
  console.log(viaLink.status);
  const linked: "approved" | "denied" | "expired" | "dismissed" = (await assistant.request("showDeviceLinkQR", { access_token: "a", token_type: "Bearer", refresh_token: "r" })).status;
  console.log(typed, linked, await assistant.request("anyOtherAction", { any: "payload" }));
  const custom = await assistant.request<{ ok: boolean }>("getStatus");
  console.log(custom.ok);
  assistant.destroy();

  const confirmed: Session = await session.reauthenticate({ maxAge: 0, acrValues: ["1"], timeoutMs: 60000 });
  await confirmed.reauthenticate().catch((e: unknown) => { if (e instanceof CortiAuthError && e.code === "user_mismatch") console.log("not them"); });
  await session.logout({ redirectUri: `${location.origin}/`, navigate: false });
  session.close();

  // Bearer mode: tokens from a backend, refreshed through it.
  const fromBackend: TokenResponse = await (await fetch("/bff/token", { method: "POST" })).json();
  const bearer = client.fromTokens(fromBackend, {
    refresh: async (current) => {
      const r = await fetch("/bff/refresh", { method: "POST", body: current.refresh_token ?? "" });
      if (r.status === 401) throw new CortiAuthError("the backend session is gone", { code: "oauth_error", oauthError: "invalid_grant", status: 401 });
      if (r.status === 400) return { error: "invalid_grant", error_description: "Session not active" };
      return (await r.json()) as TokenResponse;
    },
  });
  const plain = client.fromTokens({ access_token: "eyJ…", expires_in: 300, token_type: "Bearer" });
  plain.close();
  const gone: TokenErrorResponse = { error: "invalid_grant" };
  console.log(gone.error);
  console.log(await bearer.getAccessToken());

  // Password grant: only with allowPasswordGrant.
  const ropc = corti.createClient({ ...config, allowPasswordGrant: true, authBaseURL: "http://127.0.0.1:8180", assistantBaseURL: "http://127.0.0.1:8181" });
  const s2 = await ropc.loginWithPassword("doctor", "correct-horse");
  s2.close();

  const decoded = corti.decodeToken(accessToken);
  if (decoded.environment === "") console.log("not a Corti issuer:", decoded.issuer);
}

main().catch((e: unknown) => {
  if (e instanceof CortiAuthError && e.code === "invalid_config") console.error("fix the config:", e.message);
  else console.error(plainWords(e));
});

// <corti-assistant> (dist/corti-assistant.js), typed by HTMLElementTagNameMap and its event map.
export async function useElement(tokens: { access_token: string; token_type: string; refresh_token: string; expires_in: number }): Promise<void> {
  const el = document.createElement("corti-assistant"); // typed by HTMLElementTagNameMap
  el.setAttribute("client-id", "my-client");
  el.baseURL = "https://assistant.eu.corti.app";
  el.addEventListener("signedin", (e) => console.log(e.detail.claims.email));
  el.addEventListener("signedout", (e) => console.log(e.detail.reason));
  el.addEventListener("event", (e) => console.log(e.detail.name, e.detail.payload));
  el.addEventListener("embedded.navigated", (e) => console.log(e.detail.path));
  el.addEventListener("error", (e) => { const d: CortiAssistantErrorDetail = e.detail; console.error(d.message, d.code); });
  document.body.append(el);

  const found = document.querySelector("corti-assistant");
  if (found) {
    found.show();
    const user = await found.auth(tokens);
    console.log(user.email);
    const it = await found.createInteraction({ encounter: { identifier: "e", status: "planned", type: "first_consultation", period: { startedAt: new Date().toISOString() } } });
    await found.navigate(`/session/${it.id}`);
    await found.addFacts([{ text: "Allergic to penicillin", group: "allergies" }]);
    const status = await found.getStatus();
    if (status.auth.isAuthenticated) await found.startRecording();
    const qr = await found.showDeviceLinkQR();
    console.log(qr.status, found.session?.claims.email);
    await found.logout({ navigate: false });
  }
  const ctor: typeof CortiAssistantElement | undefined = customElements.get("corti-assistant") as typeof CortiAssistantElement | undefined;
  console.log(ctor === undefined ? "not defined" : "defined");
}
