// The local OpenID Connect provider, shaped like Corti's Keycloak, built on oidc-provider 9.
//
// Layout: one node:http server on 127.0.0.1:<port>. Requests under /realms/<tenant>/ are handed to the
// current oidc-provider instance with the prefix stripped (req.originalUrl keeps the full path, which is
// how oidc-provider learns its mount path). A few routes are answered before oidc-provider:
//   /realms/<t>/login-actions/<uid>            our Keycloak-like login form (ids username/password/kc-login/kc-cancel)
//   POST …/protocol/openid-connect/token       when failTokenEndpoint() is active: the failure status, with CORS
//   …/protocol/openid-connect/userinfo         verified against our own JWKS (oidc-provider's userinfo only takes
//                                              opaque tokens, ours are JWTs)
//   POST …/protocol/openid-connect/revoke      counted; JWT access tokens are answered 200 like Keycloak does
//                                              (oidc-provider refuses structured tokens there)
//
// Redirect URIs: corti-demo accepts ANY redirect_uri / post_logout_redirect_uri whose origin is the host
// origin, and corti-bff any http://127.0.0.1:<any port>/… URL. This is done by overriding
// provider.Client.prototype.redirectUriAllowed / postLogoutRedirectUriAllowed on each Provider instance
// (the registered redirect_uris only hold a placeholder, `${hostURL}/`).
//
// Signing-key rotation rebuilds the Provider with a new JWKS over the same adapter storage and cookie keys,
// so sessions, grants and refresh tokens survive; the listening socket stays the same.
import crypto from 'node:crypto';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { createStore, adapterFor, revokeAllIn } from './adapter.mjs';
import { closableServer, readBody, sendJSON, sendText, htmlEscape, makeLogger } from './util.mjs';

// oidc-provider prints warnings on import (Node 20 is "unsupported" by its LTS check, although it works)
// and notices about defaults. Drop only those lines, only while quiet mode is asked for.
let quiet = 0;
const origWarn = console.warn;
const origInfo = console.info;
const isOidcNoise = (a) => typeof a === 'string' && /^(\x1b\[[0-9;]*m)?oidc-provider (WARNING|NOTICE)/.test(a);
console.warn = function warn(...args) { if (quiet > 0 && isOidcNoise(args[0])) return; origWarn.apply(this, args); };
console.info = function info(...args) { if (quiet > 0 && isOidcNoise(args[0])) return; origInfo.apply(this, args); };
quiet += 1;
const { Provider, errors } = await import('oidc-provider');
quiet -= 1;

export const OIDC = '/protocol/openid-connect';
export const RESOURCE = 'urn:corti:api';
const SCOPES = ['openid', 'profile', 'email', 'offline_access'];

/** The second demo user: another clinician at the same workstation (opts.secondUser replaces it). */
export const SECOND_USER = Object.freeze({
  username: 'nurse',
  password: 'battery-staple',
  email: 'sam.lee@example.com',
  name: 'Sam Lee',
  givenName: 'Sam',
  familyName: 'Lee',
});

/** Creates an RS256 signing JWK (private) with a fresh kid. */
export async function newSigningKey() {
  const { privateKey } = await new Promise((resolve, reject) => crypto.generateKeyPair('rsa', { modulusLength: 2048 },
    (err, publicKey, pk) => (err ? reject(err) : resolve({ publicKey, privateKey: pk }))));
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `dev-${crypto.randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

function publicJWK(jwk) {
  const { kty, n, e, kid, alg, use } = jwk;
  return { kty, n, e, kid, alg, use };
}

function loginPage({ action, error, username = '', clientId, tenant }) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in to ${htmlEscape(tenant)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
 body{font-family:system-ui,sans-serif;background:#f2f4f7;margin:0;display:flex;justify-content:center}
 main{background:#fff;margin-top:8vh;padding:2rem 2.5rem;border-radius:8px;box-shadow:0 2px 8px rgba(0,0,0,.15);width:22rem}
 h1{font-size:1.4rem;margin:0 0 .3rem} p.sub{color:#666;margin:0 0 1.2rem;font-size:.9rem}
 label{display:block;margin:.8rem 0 .3rem;font-weight:600} input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.55rem;font-size:1rem}
 .buttons{display:flex;gap:.6rem;margin-top:1.3rem} input[type=submit]{flex:1;padding:.6rem;font-size:1rem;cursor:pointer}
 #kc-login{background:#0b5cff;color:#fff;border:0;border-radius:4px} #kc-cancel{background:#eee;border:1px solid #ccc;border-radius:4px}
 #input-error{color:#b00020;background:#fde7ea;padding:.5rem;border-radius:4px;display:block;margin-bottom:.6rem}
</style></head>
<body><main>
<h1 id="kc-page-title">Sign in to your account</h1>
<p class="sub">Realm <b>${htmlEscape(tenant)}</b> · client <b>${htmlEscape(clientId)}</b> · local dev provider</p>
${error ? `<span id="input-error" class="kc-feedback-text" aria-live="polite">${htmlEscape(error)}</span>` : ''}
<form id="kc-form-login" method="post" action="${htmlEscape(action)}">
 <label for="username">Username or email</label>
 <input id="username" name="username" type="text" value="${htmlEscape(username)}" autocomplete="username" autofocus ${error ? 'aria-invalid="true"' : ''}>
 <label for="password">Password</label>
 <input id="password" name="password" type="password" autocomplete="current-password" ${error ? 'aria-invalid="true"' : ''}>
 <div class="buttons">
  <input type="submit" id="kc-login" name="login" value="Sign In">
  <input type="submit" id="kc-cancel" name="cancel" value="Cancel" formnovalidate>
 </div>
</form>
</main></body></html>`;
}

function simplePage(title, message) {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${htmlEscape(title)}</title></head>
<body style="font-family:system-ui,sans-serif;margin:3rem"><h1>${htmlEscape(title)}</h1><p id="kc-error-message">${htmlEscape(message)}</p></body></html>`;
}

/**
 * Starts the provider server.
 * opts: { tenant, port, hostOrigin: () => origin string, settings: {accessTokenTTL, refreshTokenTTL, rotate, coop}, user, secondUser, clients, log }
 * settings.coop, when set, is sent as Cross-Origin-Opener-Policy on every response (popup sign-in's tests).
 * Two users can sign in: opts.user (with its sub) and opts.secondUser (default SECOND_USER, a fresh sub); the
 * returned object's secondUser tells its sub.
 */
export async function startProviderServer(opts) {
  const { tenant, settings, user, clients } = opts;
  const secondUser = { ...(opts.secondUser || SECOND_USER), sub: opts.secondUser?.sub || crypto.randomUUID() };
  const users = [user, secondUser];
  const userBySub = (sub) => users.find((u) => u.sub === sub);
  const userByLogin = (name) => users.find((u) => name === u.username || name === u.email);
  const log = makeLogger(opts.log, 'provider');
  const prefix = `/realms/${tenant}`;
  const store = createStore();
  const Adapter = adapterFor(store);
  const cookieKeys = [crypto.randomBytes(32).toString('base64url')];
  const stats = { token: { authorization_code: 0, refresh_token: 0, password: 0, client_credentials: 0, other: 0, total: 0 }, revocations: 0, failed: 0 };
  // Every token request, in order: what a test caused is told apart from what a live session's own schedule did by
  // the session id (sid), the client, or the access token the answer issued.
  const tokenLog = [];
  const endSessions = []; // { accountId, at }: every successful end-session, oldest first
  const loginLog = []; // { what, at }: every request of the login form (its page, a submission and its outcome), oldest first
  let failure = null; // { status, until }
  let signingKey = await newSigningKey();
  let provider;
  let callback;
  const serviceAccountSub = crypto.randomUUID();

  const http = closableServer((req, res) => {
    handle(req, res).catch((err) => {
      log('handler error', err);
      if (!res.headersSent) sendJSON(res, 500, { error: 'server_error', error_description: String(err?.message || err) });
      else res.destroy();
    });
  });
  const port = await http.listen(opts.port || 0);
  const authBaseURL = `http://127.0.0.1:${port}`;
  const issuer = `${authBaseURL}${prefix}`;

  const hostOrigin = () => opts.hostOrigin();
  // The stand-in Assistant's origin may call the token endpoint too (its own refresh, selfRefresh=1).
  const assistantOrigin = () => (opts.assistantOrigin ? opts.assistantOrigin() : undefined);
  const corsHeaders = (req, extra = {}) => {
    const origin = req.headers.origin;
    if (origin && (origin === hostOrigin() || origin === assistantOrigin())) {
      return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin', ...extra };
    }
    return {};
  };

  function countToken(grantType) {
    const gt = grantType && Object.hasOwn(stats.token, grantType) && grantType !== 'total' ? grantType : 'other';
    stats.token[gt] += 1;
    stats.token.total += 1;
  }

  const resourceServerInfo = () => ({
    scope: SCOPES.join(' '),
    audience: 'account',
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: 'RS256' } },
  });

  function accountClaims(u = user) {
    return {
      sub: u.sub,
      email: u.email,
      email_verified: true,
      name: u.name,
      preferred_username: u.username,
      given_name: u.givenName,
      family_name: u.familyName,
    };
  }

  function buildProvider(jwk) {
    const p = new Provider(issuer, {
      adapter: Adapter,
      clients: [
        {
          client_id: clients.public,
          client_name: 'Corti demo (public)',
          application_type: 'web',
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          redirect_uris: [`${hostOrigin()}/`],
          post_logout_redirect_uris: [`${hostOrigin()}/`],
        },
        {
          client_id: clients.service.id,
          client_secret: clients.service.secret,
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['client_credentials'],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: clients.ropc,
          client_name: 'Corti ROPC (public)',
          token_endpoint_auth_method: 'none',
          grant_types: ['password', 'refresh_token'],
          response_types: [],
          redirect_uris: [],
        },
        {
          client_id: clients.bff.id,
          client_secret: clients.bff.secret,
          client_name: 'Corti BFF example (confidential)',
          token_endpoint_auth_method: 'client_secret_basic',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          redirect_uris: ['http://127.0.0.1/callback'],
          post_logout_redirect_uris: ['http://127.0.0.1/'],
        },
      ],
      jwks: { keys: [jwk] },
      cookies: {
        keys: cookieKeys,
        names: { session: `_session.${port}`, interaction: `_interaction.${port}`, resume: `_interaction_resume.${port}` },
        long: { httpOnly: true, sameSite: 'lax', secure: false },
        short: { httpOnly: true, sameSite: 'lax', secure: false },
      },
      claims: {
        acr: null, sid: null, auth_time: null, iss: null,
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'preferred_username', 'given_name', 'family_name'],
      },
      scopes: SCOPES,
      acrValues: ['0', '1'], // Keycloak's: "1" a password login, "0" an SSO cookie
      responseTypes: ['code'],
      pkce: { required: () => true },
      allowOmittingSingleRegisteredRedirectUri: false,
      clientBasedCORS(ctx, origin, client) {
        if (origin === assistantOrigin()) return client.clientId === clients.public; // the Assistant refreshing the host's tokens
        return origin === hostOrigin() && (client.clientId === clients.public || client.clientId === clients.ropc);
      },
      findAccount(ctx, sub) {
        const u = userBySub(sub);
        if (!u) return undefined;
        return { accountId: sub, claims: async () => accountClaims(u) };
      },
      async loadExistingGrant(ctx) {
        // First-party clients: consent is implied, like Keycloak without "Consent required".
        const { client, session } = ctx.oidc;
        const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
        let grant = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
        if (grant && grant.accountId !== session.accountId) grant = undefined;
        if (!grant) grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
        grant.addOIDCScope(SCOPES.join(' '));
        grant.addResourceScope(RESOURCE, SCOPES.join(' '));
        await grant.save();
        return grant;
      },
      issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: () => settings.rotate,
      expiresWithSession: async () => true,
      interactions: {
        url: (ctx, interaction) => `${prefix}/login-actions/${interaction.uid}`,
      },
      routes: {
        authorization: `${OIDC}/auth`,
        token: `${OIDC}/token`,
        jwks: `${OIDC}/certs`,
        userinfo: `${OIDC}/userinfo`,
        end_session: `${OIDC}/logout`,
        revocation: `${OIDC}/revoke`,
        introspection: `${OIDC}/token/introspect`,
        pushed_authorization_request: `${OIDC}/ext/par/request`,
      },
      ttl: {
        AccessToken: () => settings.accessTokenTTL,
        ClientCredentials: () => settings.accessTokenTTL,
        IdToken: () => settings.accessTokenTTL,
        RefreshToken: () => settings.refreshTokenTTL,
        AuthorizationCode: 60,
        Interaction: 30 * 60,
        Session: 24 * 60 * 60,
        Grant: 24 * 60 * 60,
      },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        introspection: { enabled: true },
        revocation: { enabled: true },
        userinfo: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: async () => RESOURCE,
          useGrantedResource: async () => true,
          getResourceServerInfo: async (ctx, resource) => {
            if (resource !== RESOURCE) throw new errors.InvalidTarget();
            return resourceServerInfo();
          },
        },
        rpInitiatedLogout: {
          enabled: true,
          // No confirmation click: the form oidc-provider builds is submitted at once with logout=yes.
          async logoutSource(ctx, form) {
            const autoForm = form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>');
            ctx.type = 'html';
            ctx.body = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Signing out…</title></head>
<body style="font-family:system-ui,sans-serif;margin:3rem"><p id="kc-logout">Signing out…</p>${autoForm}
<noscript><button type="submit" form="op.logoutForm">Sign out</button></noscript>
<script>document.getElementById('op.logoutForm').submit();</script></body></html>`;
          },
          async postLogoutSuccessSource(ctx) {
            ctx.type = 'html';
            ctx.body = simplePage('You are signed out', 'You are signed out of the local dev provider.');
          },
        },
      },
      formats: {
        customizers: {
          // Keycloak-like access tokens.
          jwt(ctx, token, structured) {
            const { payload } = structured;
            structured.header = { typ: 'JWT' };
            payload.typ = 'Bearer';
            payload.azp = payload.client_id;
            if (token.kind === 'ClientCredentials') {
              payload.sub = serviceAccountSub;
              payload.preferred_username = `service-account-${payload.client_id}`;
              payload.clientId = payload.client_id;
            } else {
              if (token.sid) { payload.sid = token.sid; payload.session_state = token.sid; }
              const u = userBySub(token.accountId);
              if (u) {
                const c = accountClaims(u);
                payload.email = c.email;
                payload.email_verified = true;
                payload.name = c.name;
                payload.preferred_username = c.preferred_username;
                payload.given_name = c.given_name;
                payload.family_name = c.family_name;
              }
            }
          },
        },
      },
      renderError(ctx, out) {
        ctx.type = 'html';
        ctx.body = simplePage('We are sorry…', `${out.error}: ${out.error_description || ''}`);
      },
      conformIdTokenClaims: false,
    });

    // Any redirect URI on the host origin for the public client; any 127.0.0.1 port for the BFF client.
    const ClientProto = p.Client.prototype;
    const origRedirect = ClientProto.redirectUriAllowed;
    const origPostLogout = ClientProto.postLogoutRedirectUriAllowed;
    const allowed = (client, value) => {
      let u;
      try { u = new URL(value); } catch { return false; }
      if (u.hash) return false;
      if (client.clientId === clients.public) return u.origin === hostOrigin();
      if (client.clientId === clients.bff.id) return u.protocol === 'http:' && u.hostname === '127.0.0.1';
      return undefined;
    };
    // sid in codes/tokens/ID tokens for every client (Keycloak always has one); oidc-provider only adds it
    // for back-channel-logout clients.
    ClientProto.includeSid = function includeSid() { return true; };
    ClientProto.redirectUriAllowed = function redirectUriAllowed(value) {
      const a = allowed(this, value);
      return a === undefined ? origRedirect.call(this, value) : a;
    };
    ClientProto.postLogoutRedirectUriAllowed = function postLogoutRedirectUriAllowed(value) {
      const a = allowed(this, value);
      return a === undefined ? origPostLogout.call(this, value) : a;
    };

    // Keycloak-like ID tokens: azp, typ "ID", session_state.
    const origPayload = p.IdToken.prototype.payload;
    p.IdToken.prototype.payload = async function payload() {
      const out = await origPayload.call(this);
      if (this.client && out.azp === undefined) out.azp = this.client.clientId;
      if (out.typ === undefined) out.typ = 'ID';
      if (out.sid && out.session_state === undefined) out.session_state = out.sid;
      return out;
    };

    p.registerGrantType('password', passwordGrant.bind(null, p), ['username', 'password', 'scope']);

    // Keycloak-shaped token responses + stats.
    p.use(async (ctx, next) => {
      await next();
      if (['authorization', 'resume', 'end_session', 'end_session_confirm'].includes(ctx.oidc?.route)) {
        loginLog.push({ what: `${ctx.method} ${ctx.oidc.route} → ${ctx.status}`, at: Date.now() });
        if (loginLog.length > 1000) loginLog.splice(0, loginLog.length - 1000);
      }
      if (ctx.oidc?.route !== 'token') return;
      const grant = ctx.oidc.params?.grant_type ?? ctx.oidc.body?.grant_type;
      countToken(grant);
      const entry = { grant: String(grant || ''), status: ctx.status, client: ctx.oidc.client?.clientId || '', sid: '', accessToken: '', at: Date.now() };
      tokenLog.push(entry);
      if (tokenLog.length > 10000) tokenLog.splice(0, tokenLog.length - 10000);
      const ent = ctx.oidc.entities || {};
      entry.sid = ent.AccessToken?.sid || ent.RefreshToken?.sid || ent.AuthorizationCode?.sid || '';
      if (ctx.status === 200 && ctx.body && typeof ctx.body === 'object' && ctx.body.access_token) {
        const { entities } = ctx.oidc;
        const rt = entities.RefreshToken;
        const sid = entities.AccessToken?.sid || rt?.sid;
        entry.accessToken = ctx.body.access_token;
        const b = ctx.body;
        const out = {
          access_token: b.access_token,
          expires_in: b.expires_in,
          refresh_expires_in: rt && b.refresh_token ? Math.max(0, rt.remainingTTL) : 0,
        };
        if (b.refresh_token) out.refresh_token = b.refresh_token;
        out.token_type = b.token_type === 'Bearer' || !b.token_type ? 'Bearer' : b.token_type;
        if (b.id_token) out.id_token = b.id_token;
        out['not-before-policy'] = 0;
        if (sid) out.session_state = sid;
        if (b.scope) out.scope = b.scope;
        for (const [k, v] of Object.entries(b)) if (!(k in out)) out[k] = v;
        ctx.body = out;
      }
    });

    p.on('server_error', (ctx, err) => log('server_error', err));
    p.on('grant.error', (ctx, err) => log('grant.error', err.message, err.error_description || ''));
    return p;
  }

  async function passwordGrant(p, ctx) {
    const { client, params } = ctx.oidc;
    if (!params.username || !params.password) {
      throw new errors.InvalidRequest('missing username or password');
    }
    const user = userByLogin(params.username);
    if (!user || params.password !== user.password) {
      throw new errors.InvalidGrant('Invalid user credentials');
    }
    const requested = String(params.scope || 'openid profile email').split(' ').filter(Boolean);
    const scopeSet = new Set(['openid', ...requested.filter((s) => SCOPES.includes(s))]);
    const scope = [...scopeSet].join(' ');
    const grant = new p.Grant({ clientId: client.clientId, accountId: user.sub });
    grant.addOIDCScope(scope);
    grant.addResourceScope(RESOURCE, scope);
    const grantId = await grant.save();
    ctx.oidc.entity('Grant', grant);
    const sid = crypto.randomUUID();
    const at = new p.AccessToken({
      accountId: user.sub, client, grantId, gty: 'password', sid, expiresWithSession: false,
    });
    at.resourceServer = new p.ResourceServer(RESOURCE, resourceServerInfo());
    at.scope = scope;
    ctx.oidc.entity('AccessToken', at);
    const accessToken = await at.save();
    const rt = new p.RefreshToken({
      accountId: user.sub, client, grantId, gty: 'password', sid, scope, resource: RESOURCE,
      rotations: 0, expiresWithSession: false, authTime: Math.floor(Date.now() / 1000),
    });
    ctx.oidc.entity('RefreshToken', rt);
    const refreshToken = await rt.save();
    const idt = new p.IdToken({ ...accountClaims(user), auth_time: Math.floor(Date.now() / 1000) }, { ctx });
    idt.scope = scope;
    idt.set('sid', sid);
    const idToken = await idt.issue({ use: 'idtoken' });
    ctx.body = {
      access_token: accessToken,
      expires_in: at.expiration,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      id_token: idToken,
      scope,
    };
  }

  function install(jwk) {
    provider = buildProvider(jwk);
    // Each provider session ended by RP-initiated logout, with its account: a test learns that a session ended from
    // here, without asking a browser (a WebKit driver may hang while the window that ended it closes).
    provider.on('end_session.success', (ctx) => { endSessions.push({ accountId: ctx.oidc.session?.accountId ?? null, at: Date.now() }); });
    callback = provider.callback();
  }
  quiet += opts.log ? 0 : 1;
  try { install(signingKey); } finally { quiet -= opts.log ? 0 : 1; }

  // ---- login interaction (Keycloak-like form) ----
  async function loginActions(req, res, uid) {
    const note = (what) => {
      loginLog.push({ what: `${req.method} ${what}`, at: Date.now() });
      if (loginLog.length > 1000) loginLog.splice(0, loginLog.length - 1000);
    };
    let details;
    try {
      details = await provider.interactionDetails(req, res);
    } catch (err) {
      note('expired (no interaction)');
      sendText(res, 400, simplePage('Page has expired', 'Your login attempt timed out or the cookie is missing. Please start again.'), 'text/html; charset=utf-8');
      return;
    }
    if (details.uid !== uid) {
      note('unknown interaction');
      sendText(res, 400, simplePage('Page has expired', 'Unknown login attempt.'), 'text/html; charset=utf-8');
      return;
    }
    const action = `${prefix}/login-actions/${uid}`;
    const clientId = details.params.client_id;
    const render = (status, error, username) => sendText(res, status,
      loginPage({ action, error, username: username ?? details.params.login_hint ?? '', clientId, tenant }),
      'text/html; charset=utf-8', { 'Cache-Control': 'no-store' });

    if (details.prompt.name !== 'login') {
      // consent: implied for first-party clients
      const { session } = details;
      const grant = new provider.Grant({ clientId, accountId: session?.accountId ?? user.sub });
      grant.addOIDCScope(SCOPES.join(' '));
      grant.addResourceScope(RESOURCE, SCOPES.join(' '));
      const grantId = await grant.save();
      note('consent');
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
      return;
    }
    if (req.method === 'GET') { note('form'); render(200); return; }
    if (req.method !== 'POST') { sendText(res, 405, 'method not allowed'); return; }
    const form = new URLSearchParams((await readBody(req)).toString());
    if (form.has('cancel')) {
      note('cancel');
      await provider.interactionFinished(req, res, {
        error: 'access_denied', error_description: 'End-User aborted interaction',
      }, { mergeWithLastSubmission: false });
      return;
    }
    const username = form.get('username') || '';
    const password = form.get('password') || '';
    const who = userByLogin(username);
    if (who && password === who.password) {
      note(`signed in ${who.username}`);
      await provider.interactionFinished(req, res, {
        login: { accountId: who.sub, acr: '1', amr: ['pwd'], remember: true }, // Keycloak's acr after a password login
      }, { mergeWithLastSubmission: false });
      return;
    }
    note('refused (invalid username or password)');
    render(200, 'Invalid username or password.', username);
  }

  // ---- userinfo (our tokens are JWTs) ----
  async function userinfo(req, res) {
    const cors = corsHeaders(req);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': 'Authorization, Content-Type', 'Access-Control-Max-Age': '600' });
      res.end();
      return;
    }
    const auth = req.headers.authorization || '';
    const m = /^Bearer\s+(.+)$/i.exec(auth);
    const fail = (desc) => sendJSON(res, 401, { error: 'invalid_token', error_description: desc },
      { ...cors, 'WWW-Authenticate': `Bearer realm="${tenant}", error="invalid_token", error_description="${desc}"` });
    if (!m) { fail('Token not provided'); return; }
    try {
      const { payload } = await jwtVerify(m[1], createLocalJWKSet({ keys: [publicJWK(signingKey)] }), { issuer });
      const u = userBySub(payload.sub);
      if (u) sendJSON(res, 200, accountClaims(u), cors);
      else sendJSON(res, 200, { sub: payload.sub, preferred_username: payload.preferred_username }, cors);
    } catch (err) {
      fail('Token verification failed');
    }
  }

  async function handle(req, res) {
    const url = new URL(req.url, authBaseURL);
    const path = url.pathname;
    log(req.method, req.url);
    if (settings.coop) res.setHeader('Cross-Origin-Opener-Policy', settings.coop); // startEnv's providerCOOP
    if (path === '/' || path === '') {
      sendText(res, 200, `corti-auth dev provider. Issuer: ${issuer}\n`);
      return;
    }
    if (!path.startsWith(`${prefix}/`)) {
      sendJSON(res, 404, { error: 'Realm does not exist' });
      return;
    }
    const sub = path.slice(prefix.length);

    if (sub === `${OIDC}/token` && req.method === 'POST' && failure && Date.now() < failure.until) {
      const body = new URLSearchParams((await readBody(req)).toString());
      countToken(body.get('grant_type'));
      stats.failed += 1;
      const text = failure.status >= 500 ? `${failure.status} Service Unavailable (simulated)\n` : '';
      res.writeHead(failure.status, {
        ...corsHeaders(req), 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store',
      });
      res.end(text);
      return;
    }
    if (sub === `${OIDC}/logout` && req.method === 'POST') {
      // Keycloak takes RP-Initiated Logout as a form POST (§2), which keeps id_token_hint out of URLs; oidc-provider
      // only with enableHttpPostMethods (which demands SameSite=None cookies), so it gets the equivalent GET.
      url.search = new URLSearchParams((await readBody(req)).toString()).toString();
      req.url = url.pathname + url.search; // oidc-provider finds its mount path in the original URL
      req.method = 'GET';
      delete req.headers['content-type'];
      delete req.headers['content-length'];
    }
    if (sub.startsWith('/login-actions/')) {
      await loginActions(req, res, decodeURIComponent(sub.slice('/login-actions/'.length)));
      return;
    }
    if (sub === `${OIDC}/3p-cookies/step1.html`) {
      // keycloak-js's third-party-cookie check (check-sso with a silent-check page loads it in a hidden iframe):
      // Keycloak's two steps in one page, which sets a cookie in its frame and tells the embedding page whether it stuck.
      const body = '<!doctype html><meta charset="utf-8"><title>3p-cookies</title><script>' +
        'document.cookie = "KEYCLOAK_3P_COOKIE=supported; path=/; SameSite=Lax";' +
        'const ok = document.cookie.includes("KEYCLOAK_3P_COOKIE=supported");' +
        'parent.postMessage(ok ? "supported" : "unsupported", new URL(document.referrer).origin);</script>';
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
      res.end(body);
      return;
    }
    if (sub === `${OIDC}/userinfo`) {
      await userinfo(req, res);
      return;
    }
    if (sub === `${OIDC}/revoke` && req.method === 'POST') {
      stats.revocations += 1;
      const raw = (await readBody(req)).toString();
      const token = new URLSearchParams(raw).get('token') || '';
      if (token.split('.').length === 3) {
        // JWT access token: Keycloak answers 200; oidc-provider would refuse structured tokens.
        res.writeHead(200, { ...corsHeaders(req), 'Content-Length': '0', 'Cache-Control': 'no-store' });
        res.end();
        return;
      }
      req.body = raw; // oidc-provider reads an already-consumed body from req.body
    }
    req.originalUrl = req.url;
    req.url = sub + url.search;
    const wasQuiet = !opts.log;
    if (wasQuiet) quiet += 1;
    try {
      await callback(req, res);
    } finally {
      if (wasQuiet) quiet -= 1;
    }
  }

  return {
    port,
    issuer,
    authBaseURL,
    secondUser: { ...secondUser },
    get provider() { return provider; },
    jwks() { return { keys: [publicJWK(signingKey)] }; },
    stats() { return structuredClone(stats); },
    /** The token requests, oldest first: { grant, status, client, sid, accessToken (issued, or ""), at }. */
    tokenLog() { return tokenLog.map((e) => ({ ...e })); },
    /** The provider sessions ended by RP-initiated logout, oldest first: { accountId, at }. */
    endSessions() { return endSessions.map((e) => ({ ...e })); },
    /** The requests of the login form, oldest first: { what ("GET form", "POST signed in doctor", …), at }. */
    loginLog() { return loginLog.map((e) => ({ ...e })); },
    resetStats() {
      for (const k of Object.keys(stats.token)) stats.token[k] = 0;
      stats.revocations = 0;
      stats.failed = 0;
    },
    failTokenEndpoint(status = 503, ms = 1000) {
      failure = { status, until: Date.now() + ms };
    },
    revokeAll() { return revokeAllIn(store); },
    async rotateSigningKey() {
      const next = await newSigningKey();
      quiet += opts.log ? 0 : 1;
      try { install(next); } finally { quiet -= opts.log ? 0 : 1; }
      signingKey = next;
      return next.kid;
    },
    async stop() { await http.close(); },
    async start() { if (!http.listening) await http.listen(port); },
    async close() { await http.close(); },
  };
}
