// <corti-assistant>: the element API of Corti's <corti-embedded> (@corti/embedded-web 1.0.1: attributes baseurl and
// visibility, its methods, its DOM events), on corti-auth's Assistant, plus the sign-in. Importing this module
// defines the element (once; never under the name corti-embedded, so the official component may sit beside it).
//
// With client-id the element signs the clinician in by itself: on connect it handles a callback in the address bar,
// else resumes (restore()), else shows its sign-in button (slot "signin"); then it authenticates its Assistant and
// keeps it fresh, and blanks the frame when the session ends. Without client-id it is the component: the page calls
// auth(tokens) itself. It uses only corti-auth's public API; no inline script or style (a constructed stylesheet).
import { load, CortiAuthError } from "./corti-auth.js";

const TAG = "corti-assistant";

// The component's iframe title, and its raw event names it never re-dispatches (legacy readiness names, and
// error.triggered, which it raises as "error").
const TITLE = "Corti Embedded UI";
const NOT_FORWARDED = new Set(["ready", "loaded", "error.triggered", "auth", "ended", "error"]);

// Like the component, the element fills its container and is hidden by visibility="hidden" (its default); the
// sign-in button shows whatever the visibility.
const STYLE = `
:host { display: block; position: absolute; inset: 0; width: 100%; height: 100%; margin: 0; padding: 0;
  background-color: transparent; overflow: hidden; box-sizing: border-box; }
:host([visibility="hidden"]:not([state="signed-out"])) { display: none; }
[hidden] { display: none !important; }
.frame, .frame iframe { width: 100%; height: 100%; border: none; margin: 0; padding: 0; display: block; }
.signin { display: flex; align-items: center; justify-content: center; width: 100%; height: 100%; }
.signin button { font: inherit; padding: 0.6em 1.2em; cursor: pointer; }
`;

let sheet = null;
function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
  }
  return sheet;
}

/**
 * The component rejects with an Error whose message is JSON ({ message, code? }); the element's rejections carry the
 * same message and are CortiAuthErrors (code, assistantCode, description), so both ways of reading them work.
 */
function componentError(e, fallback) {
  const body = { message: (e && e.assistantCode && e.description) || (e && e.message) || fallback };
  if (e && e.assistantCode) body.code = e.assistantCode;
  const code = e instanceof CortiAuthError ? e.code : "browser_error";
  return new CortiAuthError(JSON.stringify(body), {
    code, assistantCode: e && e.assistantCode, description: e && e.description, cause: e,
  });
}

function notReady() {
  return new CortiAuthError(JSON.stringify({ message: "Component not ready" }), { code: "invalid_config", description: "Component not ready" });
}

export class CortiAssistantElement extends HTMLElement {
  static get observedAttributes() { return ["visibility", "baseurl"]; }

  #root;
  #frameBox;
  #signinBox;
  #client = null; // the sign-in client (client-id), or the client of the bearer sessions auth(tokens) makes
  #assistant = null;
  #session = null;
  #started = false;
  #bearer = null; // without client-id: { session, next, wake } — auth(tokens) after the first hands its tokens on
  #unsubs = [];
  #mounting = null;

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: "open" });
    this.#root.adoptedStyleSheets = [styles()];
    this.#signinBox = document.createElement("div");
    this.#signinBox.className = "signin";
    this.#signinBox.hidden = true;
    const slot = document.createElement("slot");
    slot.name = "signin";
    const button = document.createElement("button");
    button.type = "button";
    button.part = "signin";
    button.textContent = "Sign in with Corti";
    slot.append(button);
    this.#signinBox.append(slot);
    // A click on the default button or on slotted content signs in, in the click's own turn (a popup needs it).
    slot.addEventListener("click", () => { this.login().catch(() => {}); });
    this.#frameBox = document.createElement("div");
    this.#frameBox.className = "frame";
    this.#root.append(this.#signinBox, this.#frameBox);
  }

  // ---- the component's properties

  get baseURL() { return this.getAttribute("baseurl") || ""; }
  set baseURL(v) { if (v == null) this.removeAttribute("baseurl"); else this.setAttribute("baseurl", String(v)); }
  get visibility() { return this.getAttribute("visibility") || "hidden"; }
  set visibility(v) { this.setAttribute("visibility", String(v)); }

  /** The Session once signed in (client-id), or the bearer session of auth(tokens); null before. */
  get session() { return this.#session; }

  connectedCallback() {
    if (!this.hasAttribute("visibility")) this.setAttribute("visibility", "hidden");
    if (this.#started) return;
    this.#started = true;
    if (this.#signsIn()) {
      this.#setState("loading");
      this.#signInFlow().catch((e) => this.#failed(e));
      return;
    }
    this.#setState("unauthenticated");
    if (!this.baseURL) {
      this.#dispatch("error", { message: "baseURL is required" });
      return;
    }
    this.#mount().catch((e) => this.#dispatch("error", { message: e.message, code: e.assistantCode }));
  }

  disconnectedCallback() {
    // Moved within the document: connectedCallback follows at once and nothing needs doing.
    queueMicrotask(() => {
      if (this.isConnected) return;
      this.#teardown();
      if (this.#session && !this.#signsIn()) this.#session.close();
      this.#started = false;
    });
  }

  attributeChangedCallback(name, old, value) {
    if (name === "visibility" && this.#assistant) {
      if (value === "hidden") this.#assistant.hide(); else this.#assistant.show();
    }
  }

  // ---- sign-in

  #signsIn() { return this.hasAttribute("client-id"); }

  #config() {
    const a = (n) => this.getAttribute(n) || undefined;
    // A redirect attribute may be relative to the page ("/dist/callback.html"); createClient wants it absolute.
    const u = (n) => { const v = a(n); return v === undefined ? undefined : new URL(v, location.href).href; };
    const cfg = {
      clientId: a("client-id"),
      redirectUri: u("redirect-uri") || location.origin + location.pathname,
      popupRedirectUri: u("popup-redirect-uri"),
      silentRedirectUri: u("silent-redirect-uri"),
      environment: a("environment"),
      tenant: a("tenant"),
      authBaseURL: a("auth-base-url"),
      assistantBaseURL: a("baseurl"),
      shareAcrossTabs: this.hasAttribute("share-across-tabs"),
    };
    const idle = a("idle-timeout");
    if (idle !== undefined) cfg.idleTimeoutSeconds = Number(idle);
    for (const k of Object.keys(cfg)) if (cfg[k] === undefined) delete cfg[k];
    return cfg;
  }

  async #signInFlow() {
    const corti = await load();
    const client = corti.createClient(this.#config());
    this.#client = client;
    let session = null;
    if (client.isCallback()) {
      this.#setState("signing-in");
      // The Assistant starts loading now; the code exchange overlaps with its load. Not where this page is only a
      // landing: a popup's, or restore()'s hidden iframe (handleCallback hands the callback over there).
      const landing = window.opener || window.parent !== window;
      if (!landing) await this.#mount();
      session = await client.handleCallback();
      if (!session) {
        // This page is a popup's landing: the opener has the callback.
        this.#teardown();
        this.#setState("handed-over");
        return;
      }
    } else {
      const pending = this.#mount();
      // The silent step lands on silent-redirect-uri, else on this page itself (redirect-uri), which loads the module
      // in the hidden iframe before it hands the answer over: more time than restore()'s default 5 s on a slow
      // machine. A provider that answers at all (login_required included) ends the wait at once.
      session = await client.restore({ timeoutMs: 20000 }).catch(() => null);
      await pending;
    }
    if (session) await this.#signedIn(session);
    else this.#signedOut(null);
  }

  /**
   * Starts a sign-in: a popup with the popup attribute (call it from a click), else a redirect. Resolves when signed
   * in (popup) or when the page is leaving (redirect).
   */
  login() {
    const client = this.#client;
    if (!client || !this.#signsIn()) return Promise.reject(new CortiAuthError("the element signs in only with a client-id attribute, once it is loaded", { code: "invalid_config" }));
    this.#setState("signing-in");
    if (this.hasAttribute("popup")) {
      return client.loginWithPopup().then((s) => this.#signedIn(s), (e) => { this.#signedOut(null); throw e; });
    }
    return client.login();
  }

  /** session.logout(options): revokes, clears, ends the provider's session; the frame is blanked. */
  logout(options) {
    if (!this.#session) return Promise.resolve();
    return this.#session.logout(options);
  }

  async #signedIn(session) {
    this.#session = session;
    this.#unsubs.push(session.on("ended", ({ reason }) => this.#signedOut(reason)));
    if (!this.#assistant) await this.#mount();
    this.#setState("signed-in");
    this.#dispatch("signedin", { claims: session.claims });
    try {
      await this.#assistant.authenticate(session);
    } catch (e) {
      // Still signed in: the Assistant did not take the session (assistant_error, assistant_timeout).
      this.#dispatch("error", { message: e && (e.description || e.message), code: e && (e.assistantCode || e.code), details: e });
    }
  }

  #signedOut(reason) {
    const was = this.#session;
    this.#session = null;
    this.#teardown();
    this.#setState("signed-out");
    if (was) this.#dispatch("signedout", { reason });
  }

  #failed(e) {
    this.#setState("error");
    this.#dispatch("error", { message: e && e.message, code: e && e.code, details: e });
    if (this.#client) { this.#teardown(); this.#setState("signed-out"); }
  }

  // ---- the Assistant

  #mount() {
    if (this.#assistant) return Promise.resolve(this.#assistant);
    if (!this.#mounting) {
      this.#mounting = this.#mountNow().finally(() => { this.#mounting = null; });
    }
    return this.#mounting;
  }

  async #mountNow() {
    const corti = await load();
    const opts = { title: TITLE };
    if (this.baseURL) opts.baseURL = this.baseURL;
    // Without client-id the frame is mounted by a client of its own; auth(tokens) makes the bearer session's client
    // from the token's claims.
    const mountClient = this.#client || corti.createClient({ clientId: "corti-assistant", redirectUri: location.origin + location.pathname, assistantBaseURL: this.baseURL });
    // The component hands the Assistant the page's refresh token with auth: without client-id the element does too.
    if (!this.#signsIn()) opts.assistantRefreshes = true;
    const a = mountClient.mountAssistant(this.#frameBox, opts);
    this.#assistant = a;
    if (this.visibility === "hidden") a.hide(); else a.show();
    this.#unsubs.push(
      a.on("*", (payload, name) => {
        if (name === "error.triggered") {
          this.#dispatch("error", triggered(payload));
          return;
        }
        if (NOT_FORWARDED.has(name)) return;
        this.#dispatch(name, payload);
        this.#dispatch("event", { name, payload });
        this.#dispatch("embedded-event", { name, payload }); // the component's legacy stream
      }),
      a.on("error", (e) => {
        // A version mismatch or a failed re-authentication; error.triggered is raised from its event above.
        if (/error\.triggered/.test(e.message)) return;
        this.#dispatch("error", { message: e.description || e.message, code: e.assistantCode === "VERSION_MISMATCH" ? undefined : e.assistantCode, details: e.cause ?? e });
      }),
      a.on("ended", () => {
        if (this.#assistant === a) this.#assistant = null;
      }),
    );
    return a;
  }

  #teardown() {
    for (const u of this.#unsubs.splice(0)) { try { u(); } catch { /* gone */ } }
    const a = this.#assistant;
    this.#assistant = null;
    if (a) a.destroy();
    if (this.#bearer && this.#bearer.wake) this.#bearer.wake(null);
    this.#bearer = null;
  }

  #setState(s) {
    this.setAttribute("state", s);
    this.#signinBox.hidden = s !== "signed-out";
  }

  #dispatch(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  /** Calls fn(assistant) with the component's error shape; a failure the Assistant answered also raises "error". */
  async #call(fallback, fn) {
    const a = this.#assistant || (this.#mounting && await this.#mounting.catch(() => null));
    if (!a) throw notReady();
    try {
      return await fn(a);
    } catch (e) {
      if (e && e.code === "assistant_error" && e.assistantCode) {
        this.#dispatch("error", { message: e.description || e.message, code: e.assistantCode, details: undefined });
      }
      throw componentError(e, fallback);
    }
  }

  // ---- the component's methods

  /**
   * auth(tokens) → the user, as the component. With client-id the element signs in by itself (invalid_config).
   * Without it, the tokens become a bearer session (no refresh of the element's own); a later auth(tokens) hands
   * the new tokens to the same session and Assistant (the Assistant's `auth` again).
   */
  async auth(tokens) {
    if (this.#signsIn()) throw new CortiAuthError("this element signs in by itself (client-id): call login()", { code: "invalid_config" });
    const a = this.#assistant || (this.#mounting && await this.#mounting.catch(() => null));
    if (!a) throw notReady();
    try {
      const b = this.#bearer;
      if (b && !b.session.ended) {
        const authed = new Promise((resolve) => { const off = a.on("auth", (u) => { off(); resolve(u); }); });
        b.next = tokens;
        if (b.wake) b.wake(tokens);
        await b.session.refresh();
        return userOf(await authed);
      }
      const corti = await load();
      const claims = corti.decodeToken(tokens && tokens.access_token);
      const issuer = String(claims.issuer || "");
      const i = issuer.indexOf("/realms/");
      const client = corti.createClient({
        clientId: claims.clientId || "corti-assistant",
        redirectUri: location.origin + location.pathname,
        tenant: claims.tenant || undefined,
        authBaseURL: i > 0 ? issuer.slice(0, i) : undefined,
        assistantBaseURL: this.baseURL || undefined,
      });
      const bearer = { session: null, next: null, wake: null };
      // The element does not refresh (the component does not): a "refresh" is the next auth(tokens) of the page.
      bearer.session = client.fromTokens(tokens, {
        refreshTimeoutMs: 300000,
        refresh: () => {
          if (bearer.next) { const t = bearer.next; bearer.next = null; return Promise.resolve(t); }
          return new Promise((resolve, reject) => {
            bearer.wake = (t) => { bearer.wake = null; bearer.next = null; if (t) resolve(t); else reject(new CortiAuthError("no new tokens", { code: "session_ended" })); };
          });
        },
      });
      this.#bearer = bearer;
      this.#session = bearer.session;
      return userOf(await a.authenticate(bearer.session));
    } catch (e) {
      throw componentError(e, "Authentication failed");
    }
  }

  createInteraction(payload) {
    return this.#call("Failed to create interaction", async (a) => {
      const r = await a.createInteraction(payload);
      return { id: r.id, createdAt: r.createdAt };
    });
  }

  navigate(payload) {
    return this.#call("Failed to navigate", async (a) => { await a.navigate(payload); });
  }

  addFacts(facts) {
    return this.#call("Failed to add facts", async (a) => { await a.addFacts(facts); });
  }

  configureApp(config) {
    return this.#call("Failed to configure app", (a) => a.configureApp(config));
  }

  setInteractionOptions(options) {
    return this.#call("Failed to set interaction options", async (a) => { await a.setInteractionOptions(options); });
  }

  startRecording() {
    return this.#call("Failed to start recording", async (a) => { await a.startRecording(); });
  }

  stopRecording() {
    return this.#call("Failed to stop recording", async (a) => { await a.stopRecording(); });
  }

  getStatus() {
    if (!this.#assistant && !this.#mounting) return Promise.resolve({ auth: { isAuthenticated: false, user: undefined }, currentUrl: "", interaction: null });
    return this.#call("Failed to get status", (a) => a.getStatus());
  }

  getTemplates() {
    return this.#call("Failed to get templates", (a) => a.getTemplates());
  }

  setCredentials(credentials) {
    if (!credentials || !credentials.password) {
      return Promise.reject(new CortiAuthError(JSON.stringify({ message: "Password is required", details: {} }), { code: "invalid_config", description: "Password is required" }));
    }
    return this.#call("Failed to set credentials", async (a) => { await a.setCredentials(credentials); });
  }

  /**
   * showDeviceLinkQR(tokens) as the component: the page's token response (with its refresh token). Without an
   * argument, the signed-in session's tokens (the call is the page's consent to hand over its refresh token).
   */
  showDeviceLinkQR(payload) {
    return this.#call("Failed to show device link QR", (a) =>
      payload === undefined ? a.showDeviceLinkQR({ shareRefreshToken: true }) : a.request("showDeviceLinkQR", payload));
  }

  show() { this.visibility = "visible"; }
  hide() { this.visibility = "hidden"; }
}

/** The "error" detail of an error.triggered event, read as the component reads it; details is the event message. */
function triggered(payload) {
  const p = payload !== null && typeof payload === "object" ? payload : {};
  const detail = {
    message: (typeof p.message === "string" && p.message) || (typeof payload === "string" && payload) || "Embedded event reported an error",
    details: { type: "CORTI_EMBEDDED_EVENT", event: "error.triggered", payload },
  };
  if (typeof p.code === "string") detail.code = p.code;
  return detail;
}

function userOf(u) {
  const user = { id: u.id, email: u.email };
  if (u.name) user.name = u.name;
  return user;
}

if (!customElements.get(TAG)) customElements.define(TAG, CortiAssistantElement);
