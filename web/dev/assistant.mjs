// The stand-in Corti Assistant: serves /embedded (a page speaking CORTI_EMBEDDED v1, see
// docs/embedded-protocol.md), verifies access tokens server-side (/verify, jose +
// the provider's JWKS) and records accepted auths, the page's own refreshes and its unload (/report, kind "auth" /
// "refresh" / "unload") for env.control.assistantLog(). opts.defaults (a query string; setDefaults) applies to
// every /embedded load (embedded.js reads it from <html data-defaults>; the page's own query wins).
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, decodeJwt, jwtVerify, errors as joseErrors } from 'jose';
import { closableServer, readBody, sendJSON, sendText, makeLogger } from './util.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const UI = path.join(here, 'assistant');

/**
 * opts: { port, authBaseURL: () => string, log, defaults?: string }
 */
export async function startAssistantServer(opts) {
  const log = makeLogger(opts.log, 'assistant');
  let defaults = String(opts.defaults || '');
  const reports = [];
  const jwksByIssuer = new Map();

  function jwksFor(issuer) {
    let set = jwksByIssuer.get(issuer);
    if (!set) {
      // cooldownDuration 0: a token signed with a kid we have not seen refetches at once (key rotation).
      set = createRemoteJWKSet(new URL(`${issuer}/protocol/openid-connect/certs`), { cooldownDuration: 0, cacheMaxAge: 60_000, timeoutDuration: 5000 });
      jwksByIssuer.set(issuer, set);
    }
    return set;
  }

  async function verify(accessToken) {
    let unverified;
    try { unverified = decodeJwt(accessToken); } catch {
      return { ok: false, errorCode: 'UNAUTHORIZED', error: 'Invalid or expired tokens: access_token is not a JWT' };
    }
    const iss = unverified.iss;
    const base = opts.authBaseURL();
    const m = typeof iss === 'string' && iss.startsWith(`${base}/realms/`) && /^[^/]+$/.test(iss.slice(`${base}/realms/`.length));
    if (!m) return { ok: false, errorCode: 'UNAUTHORIZED', error: `Invalid or expired tokens: unknown issuer ${iss}` };
    try {
      const { payload, protectedHeader } = await jwtVerify(accessToken, jwksFor(iss), { issuer: iss, algorithms: ['RS256'], clockTolerance: 0 });
      if (typeof payload.preferred_username === 'string' && payload.preferred_username.startsWith('service-account-')) {
        return { ok: false, errorCode: 'UNAUTHORIZED', error: 'client credentials are not supported' };
      }
      return { ok: true, claims: payload, kid: protectedHeader.kid };
    } catch (err) {
      const why = err instanceof joseErrors.JWTExpired ? 'token expired' : err?.code || err?.message || String(err);
      log('verify failed', why);
      return { ok: false, errorCode: 'UNAUTHORIZED', error: `Invalid or expired tokens: ${why}` };
    }
  }

  const http = closableServer((req, res) => {
    handle(req, res).catch((err) => {
      log('error', err);
      if (!res.headersSent) sendJSON(res, 500, { ok: false, errorCode: 'INTERNAL_ERROR', error: String(err?.message || err) });
      else res.destroy();
    });
  });

  async function serveFile(res, name, type) {
    let body = await fs.readFile(path.join(UI, name));
    if (name === 'embedded.html' && defaults) {
      const attr = defaults.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
      body = Buffer.from(body.toString().replace('<html lang="en">', `<html lang="en" data-defaults="${attr}">`));
    }
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': 'no-cache' });
    res.end(body);
  }

  // A test hook for any browser (no request interception needed): the next plain GET /embedded is answered with a
  // stub that navigates the frame to /embedded?<query> (the base URL a host mounts cannot carry a query). The stub
  // sends no referrer, so the query should name the parent (parentOrigin=…).
  let nextEmbedded = null;
  const referers = []; // the Referer of each /embedded load, oldest first

  async function handle(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    log(req.method, req.url);
    if (req.method === 'GET' && url.pathname === '/embedded' && url.search === '' && nextEmbedded !== null) {
      const target = `/embedded?${nextEmbedded}`;
      nextEmbedded = null;
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`<!doctype html><meta name="referrer" content="no-referrer"><script>location.replace(${JSON.stringify(target)})</script>`);
      return;
    }
    if (req.method === 'GET' && (url.pathname === '/embedded' || url.pathname === '/embedded/')) {
      referers.push({ at: Date.now(), referer: req.headers.referer ?? null }); // what the host page's policy let through
      await serveFile(res, 'embedded.html', 'text/html; charset=utf-8');
      return;
    }
    if (req.method === 'GET' && url.pathname === '/embedded.js') {
      await serveFile(res, 'embedded.js', 'text/javascript; charset=utf-8');
      return;
    }
    if (req.method === 'POST' && url.pathname === '/verify') {
      if (!isSameOrigin(req)) { sendJSON(res, 403, { ok: false, errorCode: 'INTERNAL_ERROR', error: 'cross-origin' }); return; }
      let body;
      try { body = JSON.parse((await readBody(req)).toString() || '{}'); } catch { body = {}; }
      if (typeof body.access_token !== 'string') { sendJSON(res, 400, { ok: false, errorCode: 'INVALID_PAYLOAD', error: 'access_token missing' }); return; }
      sendJSON(res, 200, await verify(body.access_token));
      return;
    }
    if (req.method === 'POST' && url.pathname === '/report') {
      if (!isSameOrigin(req)) { sendJSON(res, 403, { ok: false }); return; }
      let body;
      try { body = JSON.parse((await readBody(req)).toString() || '{}'); } catch { body = {}; }
      if (body.kind === 'refresh') {
        // the page refreshed by itself (selfRefresh=1): its outcome at the provider
        reports.push({ kind: 'refresh', at: typeof body.at === 'number' ? body.at : Date.now(), page: String(body.page || ''), ok: body.ok === true, rotated: body.rotated === true, error: body.error ?? null, status: Number(body.status) || 0 });
      } else if (body.kind === 'unload') {
        // the stand-in's document went away (see embedded.js): no accessToken, so auth filters skip it
        reports.push({ kind: 'unload', at: typeof body.at === 'number' ? body.at : Date.now(), page: String(body.page || ''), event: String(body.event || ''), received: body.received });
      } else {
        reports.push({ kind: 'auth', at: typeof body.at === 'number' ? body.at : Date.now(), sub: body.sub, exp: body.exp, accessToken: body.accessToken });
      }
      sendJSON(res, 200, { ok: true });
      return;
    }
    if (req.method === 'GET' && url.pathname === '/') {
      sendText(res, 200, 'Corti Assistant (stand-in). The embedded app lives at /embedded.\n');
      return;
    }
    if (req.method === 'GET' && url.pathname === '/favicon.ico') { res.writeHead(204); res.end(); return; }
    sendText(res, 404, 'not found\n');
  }

  function isSameOrigin(req) {
    const origin = req.headers.origin;
    return !origin || origin === `http://127.0.0.1:${port}`;
  }

  const port = await http.listen(opts.port || 0);
  return {
    port,
    baseURL: `http://127.0.0.1:${port}`,
    log() { return reports.map((r) => ({ ...r })); },
    clearLog() { reports.length = 0; },
    /** The Referer header of each /embedded load ({at, referer}; referer null when none was sent), oldest first. */
    referers() { return referers.map((r) => ({ ...r })); },
    /** Sets the hook for the next plain /embedded (null clears it); returns whether the previous one is unused. */
    nextEmbedded(query) { const pending = nextEmbedded !== null; nextEmbedded = query ?? null; return pending; },
    /** Sets the defaults of every later /embedded load (a query string: "selfRefresh=1&readyDelayMs=1500"; "" none). */
    setDefaults(query) { defaults = String(query || ''); },
    defaults() { return defaults; },
    close() { return http.close(); },
  };
}
