// The local development / test environment for corti-auth:
//   provider  (oidc-provider shaped like Corti's Keycloak)  http://127.0.0.1:<P>/realms/<tenant>
//   assistant (stand-in Corti Assistant, /embedded)         http://127.0.0.1:<Q>
//   host      (static files + /config.json)                 http://127.0.0.1:<R>
// See startEnv() below for options and the returned object.
import crypto from 'node:crypto';
import { startProviderServer } from './provider.mjs';
import { startAssistantServer } from './assistant.mjs';
import { staticHandler } from './static.mjs';
import { closableServer, sendJSON, sendText, makeLogger } from './util.mjs';

export const DEFAULT_USER = Object.freeze({
  username: 'doctor',
  password: 'correct-horse',
  email: 'jane.doe@example.com',
  name: 'Dr Jane Doe',
  givenName: 'Jane',
  familyName: 'Doe',
});

/**
 * The CORTI_DEV_* settings of `make demo` and the BFF example, read from environ as startEnv options:
 *   CORTI_DEV_PROVIDER_PORT (8180)  CORTI_DEV_ASSISTANT_PORT (8181)  CORTI_DEV_HOST_PORT (8182)
 *   CORTI_DEV_TOKEN_TTL (300 s)     CORTI_DEV_REFRESH_TTL (1800 s)    CORTI_DEV_ROTATE=1 (rotate refresh tokens)
 *   CORTI_DEV_TENANT (base)         CORTI_DEV_LOG=1 (request log)
 *   CORTI_DEV_IDLE (0: off)         CORTI_DEV_IDLE_WARNING (0: the module's default) — the demo's idle sign-out
 *   CORTI_DEV_ASSISTANT (a query string of stand-in Assistant modes for every load, e.g.
 *     "readyDelayMs=1500&selfRefresh=1"; see web/dev/assistant/embedded.js)
 * Throws an Error naming the variable when a number is not a non-negative integer.
 */
export function devOptionsFromEnv(environ = process.env) {
  const num = (name, dflt) => {
    const v = environ[name];
    if (v === undefined || v === '') return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${v}`);
    return n;
  };
  const flag = (name) => ['1', 'true', 'yes', 'on'].includes(String(environ[name] || '').toLowerCase());
  return {
    tenant: environ.CORTI_DEV_TENANT || 'base',
    providerPort: num('CORTI_DEV_PROVIDER_PORT', 8180),
    assistantPort: num('CORTI_DEV_ASSISTANT_PORT', 8181),
    hostPort: num('CORTI_DEV_HOST_PORT', 8182),
    accessTokenTTL: num('CORTI_DEV_TOKEN_TTL', 300),
    refreshTokenTTL: num('CORTI_DEV_REFRESH_TTL', 1800),
    rotateRefreshTokens: flag('CORTI_DEV_ROTATE'),
    idleTimeoutSeconds: num('CORTI_DEV_IDLE', 0),
    idleWarningSeconds: num('CORTI_DEV_IDLE_WARNING', 0),
    log: flag('CORTI_DEV_LOG'),
    ...(environ.CORTI_DEV_ASSISTANT ? { assistantDefaults: environ.CORTI_DEV_ASSISTANT } : {}),
  };
}

/**
 * @param {object} [opts]
 * @param {string} [opts.tenant='base']
 * @param {number} [opts.accessTokenTTL=300]
 * @param {number} [opts.refreshTokenTTL=1800]
 * @param {boolean} [opts.rotateRefreshTokens=false]
 * @param {string} [opts.hostName='127.0.0.1']  the host page's host name: 'localhost' puts it on another *site*
 *   than the provider (127.0.0.1), so the provider's cookies are third-party in the host's iframes
 * @param {number} [opts.providerPort=0] @param {number} [opts.assistantPort=0] @param {number} [opts.hostPort=0]
 * @param {Record<string,string>} [opts.staticRoots]  URL prefix → directory (longest prefix wins)
 * @param {Record<string,string>} [opts.hostHeaders] extra headers on host-served files
 * @param {string} [opts.bffURL]  optional, published in /config.json
 * @param {number} [opts.idleTimeoutSeconds] @param {number} [opts.idleWarningSeconds]  published in /config.json
 *   when > 0 (the demo page's idle sign-out); setIdle() changes them
 * @param {string} [opts.providerCOOP]  a Cross-Origin-Opener-Policy (e.g. "same-origin") on every provider response, as
 *                                      some providers send on their login pages (control.setProviderCOOP switches it)
 * @param {boolean} [opts.log=false]
 * @param {string} [opts.assistantDefaults]  stand-in Assistant modes for every /embedded load (query string)
 */
export async function startEnv(opts = {}) {
  const tenant = opts.tenant || 'base';
  const log = makeLogger(!!opts.log, 'host');
  const settings = {
    accessTokenTTL: positive(opts.accessTokenTTL, 300),
    refreshTokenTTL: positive(opts.refreshTokenTTL, 1800),
    rotate: !!opts.rotateRefreshTokens,
    coop: opts.providerCOOP || null,
  };
  let hostHeaders = { ...(opts.hostHeaders || {}) };
  const clients = {
    public: 'corti-demo',
    service: { id: 'corti-service', secret: `svc-${crypto.randomBytes(12).toString('hex')}` },
    ropc: 'corti-ropc',
    bff: { id: 'corti-bff', secret: `bff-${crypto.randomBytes(12).toString('hex')}` },
  };
  const user = { ...DEFAULT_USER, sub: crypto.randomUUID() };

  const started = [];
  const hostLog = []; // { what: "GET /path", at }: the host's requests, oldest first (the last 1000)
  let provider;
  let assistant;
  let hostURL;
  let bffURL = opts.bffURL;
  let idle = { timeoutSeconds: opts.idleTimeoutSeconds || 0, warningSeconds: opts.idleWarningSeconds || 0 };
  try {
    // host first: the provider's clients need its origin
    const serveStatic = staticHandler(opts.staticRoots || {}, () => hostHeaders);
    const host = closableServer((req, res) => {
      handleHost(req, res).catch((err) => {
        log('error', err);
        if (!res.headersSent) sendText(res, 500, 'internal error');
        else res.destroy();
      });
    });
    async function handleHost(req, res) {
      const url = new URL(req.url, hostURL);
      log(req.method, req.url);
      hostLog.push({ what: `${req.method} ${url.pathname}`, at: Date.now() });
      if (hostLog.length > 1000) hostLog.splice(0, hostLog.length - 1000);
      if (url.pathname === '/config.json' && (req.method === 'GET' || req.method === 'HEAD')) {
        const cfg = {
          authBaseURL: provider.authBaseURL,
          assistantBaseURL: assistant.baseURL,
          tenant,
          clientId: clients.public,
          environment: 'dev',
        };
        if (bffURL) cfg.bffURL = bffURL;
        if (idle.timeoutSeconds > 0) cfg.idleTimeoutSeconds = idle.timeoutSeconds;
        if (idle.warningSeconds > 0) cfg.idleWarningSeconds = idle.warningSeconds;
        sendJSON(res, 200, cfg, { 'Cache-Control': 'no-cache' });
        return;
      }
      if (await serveStatic(req, res, url.pathname)) return;
      sendText(res, 404, 'not found\n', 'text/plain; charset=utf-8', hostHeaders);
    }
    const hostPort = await host.listen(opts.hostPort || 0);
    started.push(host);
    hostURL = `http://${opts.hostName === 'localhost' ? 'localhost' : '127.0.0.1'}:${hostPort}`;

    provider = await startProviderServer({
      tenant, port: opts.providerPort || 0, hostOrigin: () => hostURL, settings, user, clients, log: !!opts.log,
      // the stand-in Assistant refreshes by itself from its own origin (selfRefresh=1), as the real one may
      assistantOrigin: () => assistant?.baseURL,
    });
    started.push(provider);
    assistant = await startAssistantServer({ port: opts.assistantPort || 0, authBaseURL: () => provider.authBaseURL, log: !!opts.log, defaults: opts.assistantDefaults });
    started.push(assistant);
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.close()));
    throw err;
  }

  const tokenURL = `${provider.issuer}/protocol/openid-connect/token`;
  let closed = false;

  const control = {
    setAccessTokenTTL(s) { settings.accessTokenTTL = positive(s, settings.accessTokenTTL); },
    setRefreshTokenTTL(s) { settings.refreshTokenTTL = positive(s, settings.refreshTokenTTL); },
    setRotation(on) { settings.rotate = !!on; },
    // The provider's Cross-Origin-Opener-Policy header ("same-origin", …), or none (null).
    setProviderCOOP(policy) { settings.coop = policy || null; },
    settings() { return { ...settings }; },
    failTokenEndpoint(status = 503, ms = 1000) { provider.failTokenEndpoint(status, ms); },
    stats() { const s = provider.stats(); return s; },
    endSessions() { return provider.endSessions(); },
    // What a flow did, for a test's failure message: the requests of the provider's login form ({what, at}: "GET
    // form", "POST signed in doctor", …), of the host ("GET /dist/callback.html", …) and the token requests, since at.
    trail(since = 0) {
      const rows = [
        ...provider.loginLog().map((e) => ({ at: e.at, what: `provider: ${e.what}` })),
        ...hostLog.map((e) => ({ at: e.at, what: `host: ${e.what}` })),
        ...provider.tokenLog().map((e) => ({ at: e.at, what: `provider: token ${e.grant} → ${e.status}` })),
      ].filter((e) => e.at >= since).sort((a, b) => a.at - b.at);
      return rows.map((e) => `+${((e.at - since) / 1000).toFixed(1)} s ${e.what}`).join("\n") || "(nothing)";
    },
    resetStats() { provider.resetStats(); },
    // Token requests with what tells them apart ({ grant, status, client, sid, accessToken, at }), filtered by
    // the members given: tokenRequests({ grant: "refresh_token", sid }) counts one session's refreshes only.
    tokenRequests(filter = {}) {
      return provider.tokenLog().filter((e) => Object.entries(filter).every(([k, v]) => v === undefined || e[k] === v));
    },
    revokeAll() { return provider.revokeAll(); },
    rotateSigningKey() { return provider.rotateSigningKey(); },
    jwks() { return provider.jwks(); },
    stopProvider() { return provider.stop(); },
    startProvider() { return provider.start(); },
    async clientCredentialsToken() {
      const res = await fetch(tokenURL, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: `Basic ${Buffer.from(`${clients.service.id}:${clients.service.secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials' }),
      });
      const json = await res.json();
      if (!res.ok) throw Object.assign(new Error(`client_credentials failed: ${res.status} ${JSON.stringify(json)}`), { status: res.status, body: json });
      return json;
    },
    async passwordToken(username = user.username, password = user.password, scope = 'openid profile email') {
      const res = await fetch(tokenURL, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'password', client_id: clients.ropc, username, password, scope }),
      });
      const json = await res.json();
      if (!res.ok) throw Object.assign(new Error(`password grant failed: ${res.status} ${JSON.stringify(json)}`), { status: res.status, body: json });
      return json;
    },
    assistantLog() { return assistant.log(); },
    clearAssistantLog() { assistant.clearLog(); },
    // The Referer header of each /embedded load, oldest first ({at, referer}).
    assistantReferers() { return assistant.referers(); },
    // The next plain GET <assistant>/embedded goes on to /embedded?<query> (assistant.mjs); null clears it.
    // Returns whether the previous hook was still unused.
    assistantNextEmbedded(query) { return assistant.nextEmbedded(query); },
    // Modes of every later /embedded load, as a query string ("selfRefresh=1&readyDelayMs=1500"; "" for none).
    setAssistantDefaults(query) { assistant.setDefaults(query); },
  };

  return {
    tenant,
    issuer: provider.issuer,
    authBaseURL: provider.authBaseURL,
    assistantBaseURL: assistant.baseURL,
    hostURL,
    tokenURL,
    ports: { provider: provider.port, assistant: assistant.port, host: Number(new URL(hostURL).port) },
    clients: structuredClone(clients),
    user: { ...user },
    control,
    setHostHeaders(obj) { hostHeaders = { ...(obj || {}) }; },
    setBffURL(url) { bffURL = url || undefined; },
    setIdle({ timeoutSeconds = 0, warningSeconds = 0 } = {}) { idle = { timeoutSeconds, warningSeconds }; },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.allSettled(started.map((s) => s.close()));
    },
  };
}

function positive(v, dflt) {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : dflt;
}
