// Self-test of the local environment: `node --test web/dev/`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEnv, devOptionsFromEnv } from './env.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const OIDC = '/protocol/openid-connect';
const decode = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString());
const header = (jwt) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString());
const form = (o) => ({ method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(o) });

let env;
let staticDir;

before(async () => {
  staticDir = fs.mkdtempSync(path.join(os.tmpdir(), 'corti-dev-static-'));
  fs.writeFileSync(path.join(staticDir, 'index.html'), '<!DOCTYPE html><title>host</title><p id="host">host page</p>');
  fs.mkdirSync(path.join(staticDir, 'dist'));
  fs.writeFileSync(path.join(staticDir, 'dist', 'x.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
  fs.writeFileSync(path.join(staticDir, 'dist', 'x.d.ts'), 'export {};');
  fs.writeFileSync(path.join(staticDir, 'secret.txt'), 'nope');
  env = await startEnv({
    staticRoots: { '/dist/': path.join(staticDir, 'dist'), '/': staticDir },
    hostHeaders: { 'X-Test': 'one' },
  });
});

after(async () => {
  await env?.close();
  fs.rmSync(staticDir, { recursive: true, force: true });
});

test('discovery is Keycloak-shaped', async () => {
  const res = await fetch(`${env.issuer}/.well-known/openid-configuration`);
  assert.equal(res.status, 200);
  const d = await res.json();
  assert.equal(d.issuer, env.issuer);
  assert.equal(env.issuer, `${env.authBaseURL}/realms/base`);
  for (const [k, tail] of [['authorization_endpoint', 'auth'], ['token_endpoint', 'token'], ['jwks_uri', 'certs'],
    ['userinfo_endpoint', 'userinfo'], ['end_session_endpoint', 'logout'], ['revocation_endpoint', 'revoke']]) {
    assert.equal(d[k], `${env.issuer}${OIDC}/${tail}`, k);
  }
  assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
  assert.equal(d.authorization_response_iss_parameter_supported, true);
});

test('host server: config.json, MIME types, headers, no traversal', async () => {
  const cfg = await (await fetch(`${env.hostURL}/config.json`)).json();
  assert.deepEqual(cfg, { authBaseURL: env.authBaseURL, assistantBaseURL: env.assistantBaseURL, tenant: 'base', clientId: 'corti-demo', environment: 'dev' });
  let r = await fetch(`${env.hostURL}/`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.equal(r.headers.get('cache-control'), 'no-cache');
  assert.equal(r.headers.get('x-test'), 'one');
  r = await fetch(`${env.hostURL}/dist/x.wasm`);
  assert.equal(r.headers.get('content-type'), 'application/wasm');
  r = await fetch(`${env.hostURL}/dist/x.d.ts`);
  assert.equal(r.status, 200);
  env.setHostHeaders({ 'Content-Security-Policy': "default-src 'self'" });
  r = await fetch(`${env.hostURL}/dist/`);
  assert.equal(r.status, 404); // no listing, no index.html there
  assert.equal(r.headers.get('content-security-policy'), "default-src 'self'");
  // raw paths (fetch would normalise dot segments itself)
  for (const p of ['/dist/..%2fsecret.txt', '/..%2f..%2fetc/passwd', '/dist/%2e%2e%2f%2e%2e%2fetc/passwd']) {
    const status = await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: env.ports.host, path: p }, (resp) => { resp.resume(); resolve(resp.statusCode); }).on('error', reject);
    });
    assert.ok(status === 403 || status === 404, `${p} answered ${status}`);
  }
  r = await fetch(`${env.hostURL}/secret.txt`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  env.setHostHeaders({});
});

test('client credentials token carries service-account claims', async () => {
  const tr = await env.control.clientCredentialsToken();
  assert.equal(tr.token_type, 'Bearer');
  assert.equal(tr.expires_in, 300);
  assert.equal(tr.refresh_token, undefined);
  const h = header(tr.access_token);
  assert.equal(h.alg, 'RS256');
  const c = decode(tr.access_token);
  assert.equal(c.iss, env.issuer);
  assert.equal(c.azp, 'corti-service');
  assert.equal(c.preferred_username, 'service-account-corti-service');
  assert.equal(c.typ, 'Bearer');
  assert.equal(c.email, undefined);
  assert.equal(c.name, undefined);
  assert.ok(c.exp > c.iat && c.jti && c.sub);
});

test('password grant (corti-ropc), refresh, revocation, stats', async () => {
  env.control.resetStats();
  const bad = await fetch(env.tokenURL, form({ grant_type: 'password', client_id: 'corti-ropc', username: 'doctor', password: 'wrong' }));
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error, 'invalid_grant');

  const tr = await env.control.passwordToken('doctor', 'correct-horse');
  assert.ok(tr.refresh_token && tr.id_token && tr.session_state);
  assert.equal(tr.refresh_expires_in, 1800);
  assert.equal(tr['not-before-policy'], 0);
  const c = decode(tr.access_token);
  assert.equal(c.preferred_username, 'doctor');
  assert.equal(c.email, env.user.email);
  assert.equal(c.sub, env.user.sub);
  assert.equal(c.azp, 'corti-ropc');
  assert.equal(c.sid, tr.session_state);

  env.control.setAccessTokenTTL(7);
  let r = await fetch(env.tokenURL, form({ grant_type: 'refresh_token', client_id: 'corti-ropc', refresh_token: tr.refresh_token }));
  assert.equal(r.status, 200);
  const refreshed = await r.json();
  assert.equal(refreshed.expires_in, 7);
  assert.equal(refreshed.refresh_token, tr.refresh_token, 'rotation is off by default');
  env.control.setAccessTokenTTL(300);
  // The token log tells one provider session's requests apart from every other's.
  const mine = env.control.tokenRequests({ grant: 'refresh_token', sid: c.sid });
  assert.equal(mine.length, 1);
  assert.equal(mine[0].status, 200);
  assert.equal(mine[0].client, 'corti-ropc');
  assert.equal(mine[0].accessToken, refreshed.access_token, 'the log holds the token the answer issued');
  assert.equal(env.control.tokenRequests({ grant: 'refresh_token', sid: 'another-session' }).length, 0);

  r = await fetch(`${env.issuer}${OIDC}/revoke`, form({ client_id: 'corti-ropc', token: tr.refresh_token, token_type_hint: 'refresh_token' }));
  assert.equal(r.status, 200);
  r = await fetch(env.tokenURL, form({ grant_type: 'refresh_token', client_id: 'corti-ropc', refresh_token: tr.refresh_token }));
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error, 'invalid_grant');

  env.control.failTokenEndpoint(503, 400);
  r = await fetch(env.tokenURL, { ...form({ grant_type: 'password', client_id: 'corti-ropc', username: 'doctor', password: 'correct-horse' }), headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: env.hostURL } });
  assert.equal(r.status, 503);
  assert.equal(r.headers.get('access-control-allow-origin'), env.hostURL);
  await new Promise((res) => setTimeout(res, 450));

  const s = env.control.stats();
  assert.equal(s.token.password, 3);
  assert.equal(s.token.refresh_token, 2);
  assert.equal(s.token.total, 5);
  assert.equal(s.revocations, 1);
  assert.equal(s.failed, 1);
});

test('rotation switch and revokeAll', async () => {
  env.control.setRotation(true);
  const tr = await env.control.passwordToken();
  let r = await fetch(env.tokenURL, form({ grant_type: 'refresh_token', client_id: 'corti-ropc', refresh_token: tr.refresh_token }));
  const next = await r.json();
  assert.notEqual(next.refresh_token, tr.refresh_token);
  env.control.setRotation(false);
  env.control.revokeAll();
  r = await fetch(env.tokenURL, form({ grant_type: 'refresh_token', client_id: 'corti-ropc', refresh_token: next.refresh_token }));
  assert.equal(r.status, 400);
  assert.equal((await r.json()).error, 'invalid_grant');
});

test('stop/start provider and rotate the signing key', async () => {
  const certs = `${env.issuer}${OIDC}/certs`;
  const before1 = await (await fetch(certs)).json();
  await env.control.stopProvider();
  await assert.rejects(fetch(certs));
  await env.control.startProvider();
  const again = await (await fetch(certs)).json();
  assert.deepEqual(again, before1);
  const tr = await env.control.passwordToken();
  const kid = await env.control.rotateSigningKey();
  const after1 = await (await fetch(certs)).json();
  assert.equal(after1.keys.length, 1);
  assert.equal(after1.keys[0].kid, kid);
  assert.notEqual(kid, before1.keys[0].kid);
  assert.equal(after1.keys[0].d, undefined, 'no private parts');
  // storage survives the rebuilt provider
  const r = await fetch(env.tokenURL, form({ grant_type: 'refresh_token', client_id: 'corti-ropc', refresh_token: tr.refresh_token }));
  assert.equal(r.status, 200);
  assert.equal(header((await r.json()).access_token).kid, kid);
});

test('browser: authorization code + PKCE round trip, Assistant auth', { timeout: 120_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'corti-dev-pw-'));
  process.env.TMPDIR = tmp;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const verifier = crypto.randomBytes(32).toString('base64url');
    const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
    const state = crypto.randomBytes(12).toString('base64url');
    const nonce = crypto.randomBytes(12).toString('base64url');
    const redirectUri = `${env.hostURL}/`;
    const authorize = (extra = {}) => `${env.issuer}${OIDC}/auth?${new URLSearchParams({
      response_type: 'code', client_id: 'corti-demo', redirect_uri: redirectUri, scope: 'openid profile email',
      code_challenge: challenge, code_challenge_method: 'S256', state, nonce, ...extra,
    })}`;

    // PKCE is required
    await page.goto(`${env.issuer}${OIDC}/auth?${new URLSearchParams({ response_type: 'code', client_id: 'corti-demo', redirect_uri: redirectUri, scope: 'openid', state })}`);
    assert.match(page.url(), /error=invalid_request/);

    await page.goto(authorize());
    await page.waitForSelector('#username');
    await page.fill('#username', 'doctor');
    await page.fill('#password', 'wrong');
    await page.click('#kc-login');
    await page.waitForSelector('#input-error');
    assert.equal((await page.textContent('#input-error')).trim(), 'Invalid username or password.');
    assert.ok(page.url().startsWith(env.issuer));

    await page.fill('#username', 'doctor');
    await page.fill('#password', 'correct-horse');
    await Promise.all([page.waitForURL(`${env.hostURL}/**`), page.click('#kc-login')]);
    const cb = new URL(page.url());
    assert.equal(cb.origin + cb.pathname, redirectUri);
    assert.equal(cb.searchParams.get('state'), state);
    assert.equal(cb.searchParams.get('iss'), env.issuer);
    const code = cb.searchParams.get('code');
    assert.ok(code);

    // exchange from the page (CORS from the host origin) — as the library does
    const tr = await page.evaluate(async ({ tokenURL, code: c, redirectUri: ru, verifier: v }) => {
      const r = await fetch(tokenURL, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', client_id: 'corti-demo', code: c, redirect_uri: ru, code_verifier: v }) });
      return { status: r.status, body: await r.json() };
    }, { tokenURL: env.tokenURL, code, redirectUri, verifier });
    assert.equal(tr.status, 200, JSON.stringify(tr.body));
    const t = tr.body;
    assert.ok(t.access_token && t.refresh_token && t.id_token && t.session_state);
    assert.equal(t.refresh_expires_in, 1800);
    assert.equal(t.expires_in, 300);
    assert.equal(t.token_type, 'Bearer');
    const at = decode(t.access_token);
    assert.equal(header(t.access_token).alg, 'RS256');
    assert.equal(at.iss, env.issuer);
    assert.equal(at.azp, 'corti-demo');
    assert.equal(at.sub, env.user.sub);
    assert.equal(at.preferred_username, 'doctor');
    assert.equal(at.email, env.user.email);
    assert.equal(at.name, env.user.name);
    assert.equal(at.sid, t.session_state);
    assert.equal(at.typ, 'Bearer');
    assert.match(at.scope, /openid/);
    const idt = decode(t.id_token);
    assert.equal(idt.nonce, nonce);
    assert.equal(idt.aud, 'corti-demo');
    assert.equal(idt.azp, 'corti-demo');
    assert.equal(idt.email, env.user.email);
    assert.equal(idt.sid, t.session_state);

    // the code is one-time
    const again = await fetch(env.tokenURL, form({ grant_type: 'authorization_code', client_id: 'corti-demo', code, redirect_uri: redirectUri, code_verifier: verifier }));
    assert.equal(again.status, 400);

    // SSO: no form without prompt=login; the form again with prompt=login
    await page.goto(authorize());
    await page.waitForURL(`${env.hostURL}/**`);
    assert.ok(new URL(page.url()).searchParams.get('code'));
    await page.goto(authorize({ prompt: 'login' }));
    await page.waitForSelector('#kc-login');
    // cancel → access_denied
    await Promise.all([page.waitForURL(`${env.hostURL}/**`), page.click('#kc-cancel')]);
    const denied = new URL(page.url());
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    assert.equal(denied.searchParams.get('state'), state);

    // the stand-in Assistant accepts the user token, refuses a service-account token
    await page.goto(`${env.hostURL}/`);
    const result = await page.evaluate(async ({ src, tokens, cc }) => {
      const iframe = document.createElement('iframe');
      const origin = new URL(src).origin;
      const seen = [];
      let readyResolve;
      const ready = new Promise((r) => { readyResolve = r; });
      const pending = new Map();
      window.addEventListener('message', (ev) => {
        if (ev.source !== iframe.contentWindow || ev.origin !== origin) return;
        seen.push(ev.data);
        if (ev.data.type === 'CORTI_EMBEDDED_EVENT' && ev.data.event === 'embedded.ready') readyResolve();
        if (ev.data.type === 'CORTI_EMBEDDED_RESPONSE') pending.get(ev.data.requestId)?.(ev.data);
      });
      iframe.src = src;
      document.body.append(iframe);
      await ready;
      let n = 0;
      const req = (action, payload) => new Promise((resolve) => {
        const requestId = `req_${++n}`;
        pending.set(requestId, resolve);
        iframe.contentWindow.postMessage({ type: 'CORTI_EMBEDDED', version: 'v1', action, requestId, payload }, origin);
      });
      const ok = await req('auth', tokens);
      const svc = await req('auth', { ...cc });
      const bad = await req('auth', { token_type: 'Bearer' });
      const status = await req('getStatus', {});
      const unknown = await req('nope', {});
      return { ok, svc, bad, status, unknown, events: seen.filter((m) => m.type === 'CORTI_EMBEDDED_EVENT').map((m) => m.event) };
    }, { src: `${env.assistantBaseURL}/embedded`, tokens: t, cc: await env.control.clientCredentialsToken() });
    assert.equal(result.ok.success, true, JSON.stringify(result.ok));
    assert.deepEqual(result.ok.payload.user, { id: env.user.sub, email: env.user.email, name: env.user.name });
    assert.equal(result.svc.success, false);
    assert.equal(result.svc.errorCode, 'UNAUTHORIZED');
    assert.match(result.svc.error, /client credentials are not supported/);
    assert.equal(result.bad.errorCode, 'INVALID_PAYLOAD');
    assert.equal(result.status.payload.auth.isAuthenticated, true);
    assert.equal(result.unknown.errorCode, 'INVALID_PAYLOAD');
    assert.ok(result.events.includes('embedded.ready'));
    assert.ok(result.events.includes('embedded.authenticated'));
    const frame = page.frames().find((f) => f.url().startsWith(env.assistantBaseURL));
    assert.equal(await frame.textContent('#auth-count'), '1');
    assert.match(await frame.textContent('#expires-in'), /^expires in \d+ s$/);
    const log = env.control.assistantLog();
    assert.equal(log.length, 1);
    assert.equal(log[0].sub, env.user.sub);
    assert.equal(log[0].accessToken, t.access_token);

    // test hooks: legacy answers, silent, noReady
    const hooks = await page.evaluate(async ({ base }) => {
      const origin = new URL(base).origin;
      const probe = (query, action) => new Promise((resolve) => {
        const iframe = document.createElement('iframe');
        const out = { ready: false, response: null };
        const onMsg = (ev) => {
          if (ev.source !== iframe.contentWindow || ev.origin !== origin) return;
          if (ev.data.event === 'embedded.ready' && !out.ready) {
            out.ready = true;
            iframe.contentWindow.postMessage({ type: 'CORTI_EMBEDDED', version: 'v1', action, requestId: 'r1', payload: {} }, origin);
          }
          if (ev.data.type === 'CORTI_EMBEDDED_RESPONSE') out.response = ev.data;
        };
        window.addEventListener('message', onMsg);
        iframe.src = `${base}/embedded?${query}`;
        document.body.append(iframe);
        setTimeout(() => { window.removeEventListener('message', onMsg); iframe.remove(); resolve(out); }, 1500);
      });
      return Promise.all([probe('legacy=1', 'getTemplates'), probe('legacy=1', 'nope'), probe('silent=1', 'getStatus'), probe('noReady=1', 'getStatus')]);
    }, { base: env.assistantBaseURL });
    assert.ok(Array.isArray(hooks[0].response.data.templates) && hooks[0].response.payload === undefined);
    assert.deepEqual(hooks[1].response.error, { message: 'UNKNOWN_ACTION: nope', code: 'INVALID_PAYLOAD' });
    assert.equal(hooks[2].ready, true);
    assert.equal(hooks[2].response, null);
    assert.equal(hooks[3].ready, false);

    // RP-initiated logout without a confirmation click, then the refresh token is dead
    await page.goto(`${env.issuer}${OIDC}/logout?${new URLSearchParams({ id_token_hint: t.id_token, client_id: 'corti-demo', post_logout_redirect_uri: `${env.hostURL}/?loggedout=1` })}`);
    await page.waitForURL(`${env.hostURL}/?loggedout=1**`);
    const rr = await fetch(env.tokenURL, form({ grant_type: 'refresh_token', client_id: 'corti-demo', refresh_token: t.refresh_token }));
    assert.equal(rr.status, 400);
  } finally {
    await browser.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("devOptionsFromEnv: the CORTI_DEV_* settings of make demo and the BFF example", () => {
  assert.deepEqual(devOptionsFromEnv({}), {
    tenant: "base", providerPort: 8180, assistantPort: 8181, hostPort: 8182,
    accessTokenTTL: 300, refreshTokenTTL: 1800, rotateRefreshTokens: false, idleTimeoutSeconds: 0, idleWarningSeconds: 0, log: false,
  });
  assert.equal(devOptionsFromEnv({ CORTI_DEV_IDLE: "900", CORTI_DEV_IDLE_WARNING: "60" }).idleTimeoutSeconds, 900);
  const o = devOptionsFromEnv({ CORTI_DEV_TENANT: "t", CORTI_DEV_HOST_PORT: "0", CORTI_DEV_TOKEN_TTL: "10", CORTI_DEV_ROTATE: "yes", CORTI_DEV_LOG: "TRUE" });
  assert.equal(o.tenant, "t");
  assert.equal(o.hostPort, 0);
  assert.equal(o.accessTokenTTL, 10);
  assert.equal(o.rotateRefreshTokens, true);
  assert.equal(o.log, true);
  for (const bad of ["-1", "1.5", "ten"]) {
    assert.throws(() => devOptionsFromEnv({ CORTI_DEV_PROVIDER_PORT: bad }), /CORTI_DEV_PROVIDER_PORT must be a non-negative integer/);
  }
});

test("setProviderCOOP: the provider's responses carry Cross-Origin-Opener-Policy only while it is set", async () => {
  const authURL = `${env.issuer}/.well-known/openid-configuration`;
  assert.equal((await fetch(authURL)).headers.get('cross-origin-opener-policy'), null);
  env.control.setProviderCOOP('same-origin');
  try {
    assert.equal((await fetch(authURL)).headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal((await fetch(`${env.issuer}${OIDC}/auth?client_id=corti-demo`, { redirect: 'manual' })).headers.get('cross-origin-opener-policy'), 'same-origin');
  } finally {
    env.control.setProviderCOOP(null);
  }
  assert.equal((await fetch(authURL)).headers.get('cross-origin-opener-policy'), null);
});
