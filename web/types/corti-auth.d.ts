// Type declarations for corti-auth: OAuth2 Authorization Code + PKCE for Corti,
// scheduled refresh, token decoding and the Corti Assistant iframe.

/**
 * Every error code a CortiAuthError can carry (the unions of this file are checked against the Go table,
 * errcode/errcode.go). "internal" is a recovered Go panic and nothing else; "browser_error" a browser call that threw
 * (the DOM, postMessage, location.assign), or an error without a code of its own.
 */
export type CortiAuthErrorCode =
  | "invalid_config"
  | "storage_unavailable"
  | "no_pending_login"
  | "state_mismatch"
  | "login_expired"
  | "iss_mismatch"
  | "oauth_error"
  | "network_error"
  | "timeout"
  | "bad_response"
  | "invalid_token"
  | "id_token_invalid"
  | "not_user_token"
  | "session_ended"
  | "assistant_timeout"
  | "assistant_error"
  | "assistant_refresh_conflict"
  | "password_grant_disabled"
  | "popup_blocked"
  | "popup_closed"
  | "user_mismatch"
  | "browser_error"
  | "internal";

/**
 * The ID-token check that failed (CortiAuthError.check, with code "id_token_invalid"). "auth_time" and "acr" fail only
 * after a step-up login: auth_time missing, in the future or older than maxAge (+ leeway); acr missing or not one of
 * acrValues.
 */
export type IDTokenCheck =
  | "signature"
  | "alg"
  | "kid"
  | "iss"
  | "aud"
  | "azp"
  | "exp"
  | "iat"
  | "nonce"
  | "sub"
  | "malformed"
  | "jwks"
  | "auth_time"
  | "acr";

/** Every rejection and throw of corti-auth. */
export declare class CortiAuthError extends Error {
  readonly name: "CortiAuthError";
  readonly code: CortiAuthErrorCode;
  /** RFC 6749 error code (access_denied, invalid_grant, …) with code "oauth_error". */
  readonly oauthError?: string;
  readonly description?: string;
  readonly errorUri?: string;
  /** HTTP status of a failed token endpoint answer. */
  readonly status?: number;
  /**
   * With code "assistant_error": the Assistant's errorCode (UNAUTHORIZED, INVALID_PAYLOAD, …) or its error.triggered
   * code, or the module's VERSION_MISMATCH / RELOAD_LIMIT; absent when the Assistant sent none.
   */
  readonly assistantCode?: string;
  /** The ID-token check that failed, with code "id_token_invalid". */
  readonly check?: IDTokenCheck;
  readonly cause?: unknown;
  /**
   * A refresh callback (fromTokens) may throw one to pass its code through (any code but "internal");
   * any other thrown value becomes code "bad_response" with the value as `cause`.
   */
  constructor(message: string, props: CortiAuthErrorProps);
}

export interface CortiAuthErrorProps {
  code: CortiAuthErrorCode;
  oauthError?: string;
  description?: string;
  errorUri?: string;
  status?: number;
  assistantCode?: string;
  check?: IDTokenCheck;
  cause?: unknown;
}

export interface LoadOptions {
  /** URL of corti-auth.wasm; default: next to corti-auth.js. */
  wasmURL?: string | URL;
}

/** Loads the module once per page and resolves with the namespace. */
export declare function load(options?: LoadOptions): Promise<CortiAuth>;

export interface CortiAuth {
  readonly version: string;
  /**
   * Decodes a JWT WITHOUT verifying its signature: for display, scheduling and
   * the service-account refusal only — never for an authorization decision.
   * Throws CortiAuthError "invalid_token".
   */
  decodeToken(jwt: string): DecodedToken;
  /** Throws CortiAuthError "invalid_config" (unknown keys, clientSecret, missing clientId/redirectUri). */
  createClient(config: ClientConfig): Client;
}

export interface DecodedToken {
  /** "eu", "us", "beta-eu", …; "" for a non-Corti issuer. */
  environment: string;
  tenant: string;
  issuer: string;
  subject: string;
  clientId: string;
  /** Epoch seconds; 0 when absent. */
  expiresAt: number;
  issuedAt: number;
  email: string;
  name: string;
  preferredUsername: string;
  scope: string;
  /** auth_time: when the user last authenticated actively, epoch seconds; 0 when absent. */
  authTime: number;
  /** The authentication context class (acr); "" when absent. */
  acr: string;
  isServiceAccount: boolean;
  claims: Record<string, unknown>;
}

export interface ClientConfig {
  clientId: string;
  redirectUri: string;
  /**
   * Where loginWithPopup's popup lands (registered for the client, like redirectUri): a page of this page's own
   * origin that hands the callback back — dist/callback.html, or a page that calls handleCallback(). Default redirectUri.
   */
  popupRedirectUri?: string;
  /** Default "eu": https://auth.<env>.corti.app and https://assistant.<env>.corti.app. */
  environment?: string;
  /** Keycloak realm; default "base". */
  tenant?: string;
  authBaseURL?: string;
  assistantBaseURL?: string;
  /** Default "openid profile"; openid is always included. offline_access is refused (invalid_config): an offline token outlives every sign-out. */
  scope?: string;
  pendingLoginStorage?: "local" | "session";
  /** Seconds before expiry to refresh: more than 0, default 120, capped at half the token lifetime. */
  refreshBufferSeconds?: number;
  allowPasswordGrant?: boolean;
  shareAcrossTabs?: boolean;
  /** Default true: a callback without RFC 9207 iss is refused (iss_mismatch); false only for a provider that does not send it. */
  requireIss?: boolean;
  /**
   * Idle sign-out: after this many seconds without activity (trusted input on the page — event.isTrusted, not a
   * script's dispatchEvent —, session.touch(), the Assistant's events a clinician caused, i.e. no request of the
   * page in flight or within the last second; in any tab with shareAcrossTabs) the refresh token is revoked and the
   * session ends "idle". A tab becoming visible is not activity. 0 (the default) is off; at most 86400.
   */
  idleTimeoutSeconds?: number;
  /** How long before the idle end the "idle" event warns: more than 0, less than idleTimeoutSeconds; default 60 (at most half a shorter timeout). */
  idleWarningSeconds?: number;
  /**
   * What the idle end ends. "local" (the default): the refresh token is revoked and the session ends "idle" here; the
   * sign-out sticks (restore() resolves null and sign-ins send prompt=login until a password sign-in). "provider":
   * also the provider's session, as logout() does — after "ended" the page is sent (form POST with id_token_hint) to
   * the end-session endpoint and lands on redirectUri. Anything else is invalid_config.
   */
  idleSignOut?: "local" | "provider";
  /**
   * Where restore()'s hidden iframe lands (default redirectUri): a page of this page's own origin that hands the
   * callback to its parent, such as dist/callback.html; registered for the client like redirectUri.
   */
  silentRedirectUri?: string;
  /** Refused (invalid_config): secrets never live in a browser. */
  clientSecret?: never;
  /** Refused (invalid_config), like clientSecret. */
  client_secret?: never;
}

/** client.config: the configuration after defaults were filled in. */
export interface ResolvedClientConfig {
  readonly clientId: string;
  readonly redirectUri: string;
  /** redirectUri unless set. */
  readonly popupRedirectUri: string;
  readonly environment: string;
  readonly tenant: string;
  /** https://auth.<environment>.corti.app unless replaced. */
  readonly authBaseURL: string;
  /** https://assistant.<environment>.corti.app unless replaced. */
  readonly assistantBaseURL: string;
  /** Space separated, always with openid. */
  readonly scope: string;
  readonly pendingLoginStorage: "local" | "session";
  /** null when not set (the default, 120 s, applies). */
  readonly refreshBufferSeconds: number | null;
  readonly allowPasswordGrant: boolean;
  readonly shareAcrossTabs: boolean;
  /** null when not set (idle sign-out off). */
  readonly idleTimeoutSeconds: number | null;
  readonly idleWarningSeconds: number | null;
  readonly idleSignOut: "local" | "provider";
  readonly silentRedirectUri: string;
}

export interface AuthorizeOptions {
  prompt?: "none" | "login" | "consent" | "select_account" | (string & {});
  loginHint?: string;
  uiLocales?: string;
  /** Extra authorize parameters; reserved ones (response_type, code_challenge_method, state, …) are refused. */
  extraParams?: Record<string, string>;
  /**
   * max_age: the user must have authenticated within this many seconds (0: now; with prompt "login" for a fresh
   * sign-in). The callback then requires the ID token's auth_time to match (else id_token_invalid, check "auth_time").
   */
  maxAge?: number;
  /** acr_values, in order of preference; the callback requires the ID token's acr to be one of them (check "acr"). */
  acrValues?: string | string[];
}

export interface PopupLoginOptions extends AuthorizeOptions {
  /** How long the popup may take, in milliseconds (default 300000); then the login rejects "timeout". */
  timeoutMs?: number;
}

/**
 * The raw token response as Keycloak sent it (snake_case). Members a provider adds beyond these are kept at run
 * time; they are left out of the type so that a misspelt name (accessToken) is a compile error.
 */
export interface TokenResponse {
  access_token: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  refresh_expires_in?: number;
  id_token?: string;
  scope?: string;
  session_state?: string;
  "not-before-policy"?: number;
}

export interface SessionTokens extends TokenResponse {
  /** Epoch seconds with millisecond precision (may be fractional): time of receipt + expires_in (the JWT exp only as a fallback). */
  expires_at: number;
  refresh_expires_at?: number;
}

/** A token endpoint's error answer (RFC 6749 §5.2), as a backend may pass it on. */
export interface TokenErrorResponse {
  error: string;
  error_description?: string;
  error_uri?: string;
}

export interface FromTokensOptions {
  /**
   * Backend-for-frontend hook: returns a fresh token response. Called once per refresh, however many callers wait.
   * Resolving with an OAuth error answer ({error: "invalid_grant"}), or throwing a CortiAuthError with
   * `oauthError: "invalid_grant"`, ends the session with that reason; any other failure is retried with backoff.
   */
  refresh?: (current: TokenResponse) => Promise<TokenResponse | TokenErrorResponse>;
  /**
   * How long one refresh call may take before the attempt fails with "timeout" and is retried after the backoff
   * (milliseconds, 1–300000; default 15000, as a request of the built-in refresh).
   */
  refreshTimeoutMs?: number;
}

export interface RestoreOptions {
  /** false skips the hidden iframe (default: tried). */
  silent?: boolean;
  /** true adds the top-level prompt=none navigation as the last step (default false). */
  redirect?: boolean;
  /** How long the silent step waits for the provider's answer: milliseconds, 1–300000, default 5000. */
  timeoutMs?: number;
}

export interface Client {
  readonly config: ResolvedClientConfig;
  /**
   * The authorize URL of a new login (its pending login stored). After a sign-out (logout or idle, in any tab of the
   * origin) and until a sign-in with a later auth_time, it and login()/loginWithPopup() send prompt=login: the
   * provider asks for the password although its SSO session lives.
   */
  authorizeURL(options?: AuthorizeOptions): Promise<string>;
  login(options?: AuthorizeOptions): Promise<void>;
  isCallback(url?: string): boolean;
  /**
   * The callback of a redirect login: its session. In loginWithPopup's popup or restore()'s hidden iframe (the
   * callback of such a login) it hands the callback to the page that opened it, which exchanges the code, and
   * resolves null (a popup then closes).
   */
  handleCallback(url?: string): Promise<Session | null>;
  /**
   * Signs in in a popup on the provider and resolves with the session here, without leaving the page. Call it in the
   * handler of the user's click, before any await: it opens the popup at once. The popup lands on popupRedirectUri,
   * which must be on this page's origin (else "invalid_config"). Rejects "popup_blocked" (the browser refused the
   * popup), "popup_closed" (closed before the sign-in finished, or — framed by another site while the provider sends
   * Cross-Origin-Opener-Policy — cut off from this page), "timeout" (after timeoutMs; also how a closed popup ends
   * when the provider sends Cross-Origin-Opener-Policy), or as handleCallback does.
   */
  loginWithPopup(options?: PopupLoginOptions): Promise<Session>;
  /**
   * A session after a reload, without the user and without a token at rest: 1) with shareAcrossTabs, a sibling
   * tab's; 2) unless silent is false, a prompt=none sign-in in a hidden iframe landing on silentRedirectUri; 3) with
   * redirect: true, a top-level prompt=none navigation (the page is left; the next load's handleCallback() resolves
   * the session or rejects oauth_error "login_required"). null when the provider needs the user (login_required,
   * interaction_required, consent_required, account_selection_required), when the silent step has no answer within
   * timeoutMs, or when the page's CSP blocks its iframe (a console error names the frame-src source to add).
   * Rejects invalid_config (bad options; silentRedirectUri not on this page's origin) and, for a callback that
   * fails handleCallback's checks or exchange, as handleCallback would. After a sign-out (logout or idle, in any tab of
   * the origin) it resolves null at once, asking nobody, until a sign-in whose ID token's auth_time is later.
   */
  restore(options?: RestoreOptions): Promise<Session | null>;
  fromTokens(tokens: TokenResponse, options?: FromTokensOptions): Session;
  /** Only with allowPasswordGrant: true (else "password_grant_disabled"). */
  loginWithPassword(username: string, password: string): Promise<Session>;
  /**
   * Synchronous: the Assistant's iframe is created and starts loading at once, before any session exists, so its
   * load overlaps with the sign-in (on the callback page: once handleCallback() has cleaned the code and state out of
   * the address, before the exchange, or at authenticate()); `assistant.authenticate(session)` signs it in once there
   * is a session. Throws
   * (invalid_config) for a target that is not an element or a selector matching one, or bad options.
   */
  mountAssistant(target: Element | string, options?: MountOptions): Assistant;
}

/**
 * Why a session ended. A final OAuth error of a refresh other than invalid_grant ends it with that error's own code
 * (invalid_client, …); a final 4xx without one gives "refresh_failed". "closed" only on an Assistant's "ended": its
 * session was closed (session.close() emits no "ended" itself).
 */
export type EndedReason =
  | "invalid_grant"
  | "refresh_failed"
  | "refresh_expired"
  | "expired"
  | "id_token_invalid"
  | "logout"
  | "idle"
  | "user_changed"
  | "closed"
  | (string & {});

/** The detail each session event's listener receives. */
export interface SessionEvents {
  /** The new tokens. A mounted Assistant is re-authenticated with them. */
  refreshed: SessionTokens;
  /** Refreshing keeps failing and the access token is about to expire; `error` is the last failure's message. */
  expiring: { expiresAt: number; error: string };
  /** Once; the session is over (getAccessToken rejects with session_ended). */
  ended: { reason: EndedReason };
  /**
   * One failed refresh attempt (retried with backoff), or a failed revocation at logout or idle sign-out; code
   * "assistant_refresh_conflict" when a refused refresh token was also held by an Assistant mounted with
   * assistantRefreshes (before "ended").
   */
  error: CortiAuthError;
  /** With idleTimeoutSeconds: no activity, the session ends (reason "idle") in secondsLeft unless there is some. */
  idle: { secondsLeft: number };
  /** Activity after an "idle" warning cancelled it. */
  active: Record<string, never>;
}

export type SessionEventName = keyof SessionEvents;

export interface LogoutOptions {
  /** post_logout_redirect_uri; default the client's redirectUri. */
  redirectUri?: string;
  /** Navigate to the end-session endpoint; default true. */
  navigate?: boolean;
}

export interface MountOptions {
  /** Default: the client's assistantBaseURL. */
  baseURL?: string;
  /** Default 30000. */
  readyTimeoutMs?: number;
  /** Default 10000. */
  requestTimeoutMs?: number;
  /** The iframe's title attribute. */
  title?: string;
  /**
   * Hand the Assistant the refresh token (and refresh_expires_in) with auth, so that it may refresh by itself.
   * Default false: the host is the only refresher and sends auth again after each refresh, which loses no session
   * whether the provider rotates refresh tokens or not. With true and a provider that rotates refresh tokens, the
   * first refresh by either side revokes the other's: the session ends (invalid_grant), and the session and the
   * assistant get an "error" with code "assistant_refresh_conflict" first.
   */
  assistantRefreshes?: boolean;
}

export interface Session {
  /**
   * The current token response plus expires_at. Once the session has ended (logout, a refused refresh, expiry),
   * access_token, refresh_token and id_token read "": an ended session hands out no token.
   */
  readonly tokens: SessionTokens;
  /** The access token's claims (still readable after the session ended: they hold no secret). */
  readonly claims: DecodedToken;
  readonly ended: boolean;
  /** A token valid for at least the refresh buffer (refreshing first when needed). */
  getAccessToken(): Promise<string>;
  /** Forced refresh; concurrent callers share one request. */
  refresh(): Promise<SessionTokens>;
  /** Returns a function that removes the listener. An unknown name throws invalid_config. */
  on<K extends SessionEventName>(name: K, listener: (detail: SessionEvents[K], name: K) => void): () => void;
  /** Every event. */
  on(name: "*", listener: (detail: SessionEvents[SessionEventName], name: SessionEventName) => void): () => void;
  /** Activity of a person the page's listeners cannot see (a dictation device's button): resets the idle timeout. */
  touch(): void;
  /** client.mountAssistant and assistant.authenticate(this) in one: resolves once the Assistant is signed in. */
  mountAssistant(target: Element | string, options?: MountOptions): Promise<Assistant>;
  /**
   * Step-up that proves who confirmed: call it from a user gesture (it opens a popup synchronously, as
   * client.loginWithPopup) with prompt=login, max_age (default 0) and login_hint = this session's user. The same user
   * signs in: this session takes the new tokens (fresh auth_time, "refreshed", its Assistant re-authenticated) and the
   * promise resolves to it. Another user: rejects "user_mismatch", this session keeps its tokens, the other's refresh
   * token is revoked and their provider session ended. Also popup_blocked, popup_closed, timeout, id_token_invalid
   * (check "auth_time" / "acr"), session_ended.
   */
  reauthenticate(options?: ReauthenticateOptions): Promise<Session>;
  logout(options?: LogoutOptions): Promise<void>;
  /**
   * Stops timers and listeners; emits no "ended". Every Assistant of the session is signed out as at an end (frame
   * blanked and removed, its "ended" with reason "closed"), and a refresh token handed to one (assistantRefreshes,
   * showDeviceLinkQR({ shareRefreshToken: true })) is revoked — unless shareAcrossTabs, whose sibling tabs go on with it.
   */
  close(): void;
}

export interface ReauthenticateOptions {
  /** max_age in seconds; default 0 (the password again, whatever the provider's SSO session). */
  maxAge?: number;
  /** acr_values: the ID token's acr must be one of them. */
  acrValues?: string | string[];
  /** Default 300000, as loginWithPopup. */
  timeoutMs?: number;
}

export interface AssistantUser {
  id: string;
  email: string;
  name: string;
}

export interface Encounter {
  identifier: string;
  status: string;
  type: string;
  period: { startedAt: string; endedAt?: string };
  title?: string;
}

/** createInteraction's payload (CreateInteractionPayload of @corti/embedded-web). */
export interface CreateInteractionPayload {
  assignedUserId?: string | null;
  encounter: Encounter;
  patient?: { identifier?: string; name?: string; birthDate?: string | null; gender?: string };
}

/** createInteraction's response. */
export interface CreateInteractionResponse {
  id: string;
  createdAt: string;
  status?: string;
}

/** A fact for addFacts. */
export interface Fact {
  text: string;
  group: string;
  source?: string;
}

/** addFacts' payload; addFacts also takes the list itself. */
export interface AddFactsPayload {
  facts: Fact[];
}

/** navigate's payload; navigate also takes the path itself. */
export interface NavigatePayload {
  path: string;
}

/** setCredentials' payload: the password is required (an empty one is refused with invalid_config). */
export interface SetCredentialsPayload {
  password: string;
}

export interface ShowDeviceLinkQROptions {
  /** Hand the session's refresh token to an Assistant mounted without assistantRefreshes; default false. */
  shareRefreshToken?: boolean;
}

/** showDeviceLinkQR's response. */
export interface ShowDeviceLinkQRResponse {
  status: "approved" | "denied" | "expired" | "dismissed";
}

/** configureApp's payload: a patch of the Assistant's configuration. */
export interface ConfigureAppPayload {
  debug?: boolean;
  ui?: { interactionTitle?: boolean; aiChat?: boolean; documentFeedback?: boolean; navigation?: boolean; [key: string]: unknown };
  companionApp?: Record<string, unknown>;
  appearance?: { primaryColor?: string | null; [key: string]: unknown };
  locale?: { interfaceLanguage?: string | null; dictationLanguage?: string; overrides?: Record<string, string>; [key: string]: unknown };
  network?: { websocketBaseUrl?: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** setInteractionOptions' payload: a patch ({ mode?, spokenLanguage?, templates?, documents? }). */
export interface SetInteractionOptionsPayload {
  mode?: unknown;
  spokenLanguage?: unknown;
  templates?: unknown;
  documents?: unknown;
  [key: string]: unknown;
}

/** getStatus' response. */
export interface GetStatusResponse {
  auth: { isAuthenticated: boolean; user?: AssistantUser };
  currentUrl: string;
  interaction: unknown | null;
}

/** One template of getTemplates (EmbeddedTemplate of @corti/embedded-web). */
export interface EmbeddedTemplate {
  id: string;
  name: string;
  description?: string;
  templateType?: "built-in" | "custom" | "schema-driven";
  language: { code: string; name: string; locale?: string; localName?: string };
  outputLanguages?: { code: string; name: string; locale?: string; hasPreview: boolean }[];
  sections?: { id: string; title: string }[];
  isCustom: boolean;
}

/** getTemplates' response. */
export interface GetTemplatesResponse {
  templates: EmbeddedTemplate[];
}

/** The detail of error.triggered (also delivered to the error listeners as a CortiAuthError). */
export interface ErrorTriggeredPayload {
  message: string;
  code?: string;
}

/** Each action's payload and answer, for assistant.request(action, payload). */
export interface AssistantActions {
  createInteraction: { payload: CreateInteractionPayload; response: CreateInteractionResponse };
  navigate: { payload: NavigatePayload; response: unknown };
  configureApp: { payload: ConfigureAppPayload; response: Record<string, unknown> };
  setInteractionOptions: { payload: SetInteractionOptionsPayload; response: unknown };
  addFacts: { payload: AddFactsPayload; response: unknown };
  startRecording: { payload?: Record<string, never>; response: unknown };
  stopRecording: { payload?: Record<string, never>; response: unknown };
  getStatus: { payload?: Record<string, never>; response: GetStatusResponse };
  getTemplates: { payload?: Record<string, never>; response: GetTemplatesResponse };
  setCredentials: { payload: SetCredentialsPayload; response: unknown };
  /** The payload is a token response with its refresh_token; showDeviceLinkQR() sends the session's. */
  showDeviceLinkQR: { payload: TokenResponse & { refresh_token: string }; response: ShowDeviceLinkQRResponse };
}

export type AssistantEventName =
  | "*"
  | "embedded.ready"
  | "embedded.authenticated"
  | "embedded.navigated"
  | "embedded.interactionCreated"
  | "error.triggered"
  | "interaction.loaded"
  | "recording.started"
  | "recording.stopped"
  | "document.generated"
  | "document.updated"
  | "document.synced"
  | (string & {});

export interface Assistant {
  readonly iframe: HTMLIFrameElement;
  readonly origin: string;
  /** The user of the last auth; null before the first (client.mountAssistant until authenticate resolved). */
  readonly user: AssistantUser | null;
  /** Any action but auth (the session sends it), _init, configure and configureSession (invalid_config). */
  request<K extends keyof AssistantActions>(action: K, payload?: AssistantActions[K]["payload"]): Promise<AssistantActions[K]["response"]>;
  /**
   * Signs the Assistant in with session: waits for the frame's embedded.ready (readyTimeoutMs), sends auth, resolves
   * with the user. From then on the session's refreshes re-authenticate it and its end unloads the frame. One
   * session for the frame's whole life: calling it again with that session waits for the same auth; another live
   * session is refused (invalid_config) — the first clinician stays until that session ends (the frame is then
   * removed; mount a new Assistant) or destroy(). Rejects with session_ended for an ended session (or once the
   * frame was unloaded), not_user_token for a client-credentials token (nothing is posted); a failed auth
   * (assistant_error, assistant_timeout) leaves the frame unsigned, to try again.
   */
  authenticate(session: Session): Promise<AssistantUser>;
  request<T = unknown>(action: string, payload?: unknown): Promise<T>;
  /** The Assistant (re-)authenticated the user after a refresh. */
  on(event: "auth", listener: (user: AssistantUser, name: "auth") => void): () => void;
  /**
   * The session ended, for any reason (logout, revocation, expiry, idle, another user), or was closed (reason
   * "closed": session.close() signs its Assistants out too): the protocol has no
   * sign-out action, so the iframe was navigated to about:blank and removed (no Corti page keeps the clinician's
   * tokens); requests reject with session_ended, and no message reaches the Assistant any more.
   */
  on(event: "ended", listener: (detail: { reason: EndedReason }, name: "ended") => void): () => void;
  /**
   * A CortiAuthError: a re-authentication failed; or, with code assistant_error, the Assistant reported an error
   * (error.triggered: assistantCode is its code, description its message), announced another protocol version than
   * v1 (assistantCode "VERSION_MISMATCH"), or announced embedded.ready after it was authenticated more than 3 times
   * within a minute (assistantCode "RELOAD_LIMIT": further readies in that minute are not answered with auth).
   * With code "assistant_refresh_conflict" (assistantRefreshes): the provider refused the refresh token this
   * Assistant held too, just before the session ends.
   */
  on(event: "error", listener: (error: CortiAuthError, name: "error") => void): () => void;
  /**
   * Events of the iframe ("embedded.navigated", "recording.started", …) with their payload, or "*" for all.
   * Events marked confidential carry clinical content: do not log them.
   */
  on(event: AssistantEventName, listener: (payload: unknown, name: string) => void): () => void;
  createInteraction(payload: CreateInteractionPayload): Promise<CreateInteractionResponse>;
  /** A path ("/session/<id>") or { path }; an empty path rejects with invalid_config, nothing posted. */
  navigate(path: string | NavigatePayload): Promise<unknown>;
  /** Resolves with the full applied configuration. */
  configureApp(config: ConfigureAppPayload): Promise<Record<string, unknown>>;
  setInteractionOptions(options: SetInteractionOptionsPayload): Promise<unknown>;
  /** The facts, or { facts }. */
  addFacts(facts: Fact[] | AddFactsPayload): Promise<unknown>;
  /** Without a password: rejects with invalid_config, nothing posted. */
  setCredentials(credentials: SetCredentialsPayload): Promise<unknown>;
  /**
   * Shows the device-link QR code in the Assistant: sends the session's tokens (as auth sends them; they must include
   * a refresh token, else invalid_config) and resolves with the Assistant's answer. Bounded by requestTimeoutMs.
   * The refresh token goes to the Assistant only when it was mounted with assistantRefreshes: true or the call says
   * { shareRefreshToken: true }; otherwise invalid_config, nothing posted. Once shared, the Assistant counts as a
   * second holder of the refresh token (assistant_refresh_conflict when the provider refuses it; revoked at close()).
   */
  showDeviceLinkQR(options?: ShowDeviceLinkQROptions): Promise<ShowDeviceLinkQRResponse>;
  startRecording(): Promise<unknown>;
  stopRecording(): Promise<unknown>;
  getStatus(): Promise<GetStatusResponse>;
  getTemplates(): Promise<GetTemplatesResponse>;
  /** Shows the iframe (display: block), as the component's show(). Synchronous. */
  show(): void;
  /** Hides the iframe (display: none), as the component's hide(); it keeps running. Synchronous. */
  hide(): void;
  /** false after hide(), until show(). The iframe is visible when mounted. */
  readonly visible: boolean;
  /** Navigates the iframe to about:blank, removes it and its listener; pending requests reject (assistant_error). */
  destroy(): void;
}

// ---- <corti-assistant> (dist/corti-assistant.js): Corti's <corti-embedded> element API plus the sign-in.

/** The detail of the element's "error" event, as <corti-embedded> raises it. */
export interface CortiAssistantErrorDetail {
  message: string;
  /** The Assistant's error code (INVALID_PAYLOAD, …), or a CortiAuthErrorCode for a failed sign-in. */
  code?: string;
  details?: unknown;
}

/** An event of the Assistant, as the "event" stream carries it. */
export interface CortiAssistantEventDetail {
  name: string;
  payload: unknown;
}

/** The element's events: <corti-embedded>'s (each raw Assistant event name, "event", "error"), plus the sign-in's. */
export interface CortiAssistantEventMap extends Omit<HTMLElementEventMap, "error"> {
  event: CustomEvent<CortiAssistantEventDetail>;
  /** The component's legacy stream, the same detail as "event". */
  "embedded-event": CustomEvent<CortiAssistantEventDetail>;
  /** A failed answer of the Assistant, error.triggered, a version mismatch, a failed sign-in. */
  error: CustomEvent<CortiAssistantErrorDetail>;
  "embedded.ready": CustomEvent<unknown>;
  "embedded.authenticated": CustomEvent<unknown>;
  "embedded.navigated": CustomEvent<{ path: string }>;
  "embedded.interactionCreated": CustomEvent<{ interaction: { id: string; createdAt: string } }>;
  "recording.started": CustomEvent<unknown>;
  "recording.stopped": CustomEvent<unknown>;
  "document.generated": CustomEvent<unknown>;
  "document.updated": CustomEvent<unknown>;
  "document.synced": CustomEvent<unknown>;
  /** Signed in (client-id): the session's claims. */
  signedin: CustomEvent<{ claims: DecodedToken }>;
  /** The session ended (logout, idle, a refused refresh, …). */
  signedout: CustomEvent<{ reason: EndedReason | null }>;
}

/**
 * <corti-assistant>. Methods reject like <corti-embedded>'s: an Error whose message is JSON ({ message, code? }) —
 * here a CortiAuthError, with code (assistant_error, assistantCode, description) as well.
 */
export interface CortiAssistantElement extends HTMLElement {
  /** The baseurl attribute: the Assistant's origin (default with client-id: the environment's). */
  baseURL: string;
  /** The visibility attribute, "hidden" (the default) or "visible". */
  visibility: "hidden" | "visible" | (string & {});
  /** The signed-in Session (client-id), or the bearer session auth(tokens) made; null before and after. */
  readonly session: Session | null;
  /** Starts a sign-in (client-id): a popup with the popup attribute (call it from a click), else a redirect. */
  login(): Promise<void>;
  /** session.logout(options): revokes, clears, ends the provider's session; the frame is blanked. */
  logout(options?: LogoutOptions): Promise<void>;
  /** Without client-id: signs the Assistant in with the page's token response (it includes the refresh token, as the component's). */
  auth(tokens: TokenResponse): Promise<{ id: string; email: string; name?: string }>;
  createInteraction(payload: CreateInteractionPayload): Promise<{ id: string; createdAt: string }>;
  navigate(payload: string | NavigatePayload): Promise<void>;
  addFacts(facts: Fact[] | AddFactsPayload): Promise<void>;
  configureApp(config: ConfigureAppPayload): Promise<Record<string, unknown>>;
  setInteractionOptions(options: SetInteractionOptionsPayload): Promise<void>;
  startRecording(): Promise<void>;
  stopRecording(): Promise<void>;
  getStatus(): Promise<GetStatusResponse>;
  getTemplates(): Promise<GetTemplatesResponse>;
  setCredentials(credentials: SetCredentialsPayload): Promise<void>;
  /** The page's token response (with its refresh token), as the component's; without it, the signed-in session's. */
  showDeviceLinkQR(tokens?: TokenResponse & { refresh_token: string }): Promise<ShowDeviceLinkQRResponse>;
  show(): void;
  hide(): void;
  addEventListener<K extends keyof CortiAssistantEventMap>(type: K, listener: (this: CortiAssistantElement, ev: CortiAssistantEventMap[K]) => unknown, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  removeEventListener<K extends keyof CortiAssistantEventMap>(type: K, listener: (this: CortiAssistantElement, ev: CortiAssistantEventMap[K]) => unknown, options?: boolean | EventListenerOptions): void;
  removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
}

declare global {
  interface HTMLElementTagNameMap {
    "corti-assistant": CortiAssistantElement;
  }
}
