// Stand-in for the Corti Assistant's embedded app: CORTI_EMBEDDED v1 (see docs/embedded-protocol.md).
// Test hooks (query): noReady=1 never announces ready; silent=1 announces but never answers;
// legacy=1 speaks the shape of Corti's docs: responses {type, requestId, success, data?, error?:{message, code}}
// (no action, no version), events {type, event, payload}; repeatReady=1 is a faulty frame that keeps announcing
// embedded.ready every 25 ms, requests or not; readyVersion=<v> announces that protocol version instead of v1;
// parentOrigin=<origin> when document.referrer is empty (or the frame's own). window.__assistant.emit(event, payload) posts an event
// (error.triggered, say) from the frame itself; window.__assistant.qrStatus is showDeviceLinkQR's answer;
// window.__assistant.override[action] = {success, error, ...} answers that action with exactly these members
// (plus type and requestId; action and version too unless legacy), to send shapes the handlers never would.
// readyDelayMs=<ms> waits that long before the first embedded.ready (a large application loading);
// selfRefresh=1 refreshes by itself with the refresh token auth gave it, at the provider's token endpoint (the
// token's issuer, client_id its azp), when 40 % of the access token's life is over (selfRefreshAt=<fraction> sets
// another point) — as Corti's older API reference says the real one does. The server may set defaults for every
// load (<html data-defaults="…">, assistant.mjs); the query wins.
(function () {
  'use strict';
  var params = new URLSearchParams(document.documentElement.getAttribute('data-defaults') || '');
  new URLSearchParams(location.search).forEach(function (v, k) { params.set(k, v); });
  var flag = function (n) { return params.has(n) && params.get(n) !== '0' && params.get(n) !== 'false'; };
  var noReady = flag('noReady');
  var silent = flag('silent');
  var legacy = flag('legacy');
  var repeatReady = flag('repeatReady');
  var readyVersion = params.get('readyVersion') || 'v1';
  var selfRefresh = flag('selfRefresh');
  var num = function (n, d) { var v = Number(params.get(n)); return params.has(n) && isFinite(v) && v >= 0 ? v : d; };
  var readyDelayMs = num('readyDelayMs', 0);
  var selfRefreshAt = Math.min(num('selfRefreshAt', 0.4), 0.95);

  // The parent's origin: the referrer, unless it is this frame's own origin (location.reload() in the frame, or a
  // navigation it made itself, gives its own URL as referrer in Chromium: the parent is not in it); then the query,
  // location.ancestorOrigins, and last the origin the frame's earlier document found (sessionStorage, which a
  // reload keeps; Firefox has no ancestorOrigins).
  var parentOrigin = null;
  try { if (document.referrer) parentOrigin = new URL(document.referrer).origin; } catch (e) { /* ignore */ }
  if (parentOrigin === location.origin) parentOrigin = null;
  if (!parentOrigin && params.get('parentOrigin')) parentOrigin = params.get('parentOrigin');
  if (!parentOrigin && location.ancestorOrigins && location.ancestorOrigins.length) parentOrigin = location.ancestorOrigins[0];
  try {
    if (!parentOrigin) parentOrigin = sessionStorage.getItem('stand-in-parent-origin');
    else sessionStorage.setItem('stand-in-parent-origin', parentOrigin);
  } catch (e) { /* storage refused */ }
  if (parentOrigin === 'null') parentOrigin = null;

  var state = {
    user: null,
    exp: null,
    currentPath: '/',
    interaction: null,
    config: { debug: false, ui: {}, appearance: {}, locale: { interfaceLanguage: 'en', dictationLanguage: 'en' }, network: {} },
    interactionOptions: {},
    facts: [],
    recording: false,
    replyOrigin: null,
  };
  var pageId = (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2));
  var A = window.__assistant = {
    pageId: pageId,
    authCount: 0,
    received: [],
    tokens: [],
    events: [],
    readyPosts: 0,
    readyAt: null,
    refreshes: [],
    parentOrigin: parentOrigin,
    mode: { noReady: noReady, silent: silent, legacy: legacy, repeatReady: repeatReady, readyVersion: readyVersion,
      selfRefresh: selfRefresh, readyDelayMs: readyDelayMs },
    credentials: 0,
    qr: [],
    qrStatus: 'dismissed',
    override: {},
    state: state,
    emit: function (event, payload) { emit(event, payload); },
  };

  var $ = function (id) { return document.getElementById(id); };
  $('mode').textContent = [noReady && 'noReady', silent && 'silent', legacy && 'legacy', repeatReady && 'repeatReady',
    readyVersion !== 'v1' && 'readyVersion=' + readyVersion, selfRefresh && 'selfRefresh',
    readyDelayMs && 'ready after ' + readyDelayMs + ' ms'].filter(Boolean).join(' ')
    + (parentOrigin ? ' · parent ' + parentOrigin : ' · parent origin unknown');

  function setStatus(text, s) { $('status').textContent = text; $('status').setAttribute('data-state', s); }

  function tick() {
    var el = $('expires-in');
    if (!state.exp) { el.textContent = '—'; return; }
    var left = Math.round(state.exp - Date.now() / 1000);
    if (left > 0) { el.textContent = 'expires in ' + left + ' s'; el.className = ''; }
    else { el.textContent = 'expired ' + (-left) + ' s ago'; el.className = 'expired'; if (state.user) setStatus('token expired', 'error'); }
  }
  setInterval(tick, 250);

  function post(msg) {
    var target = state.replyOrigin || parentOrigin;
    if (!target || window.parent === window) return;
    window.parent.postMessage(msg, target);
  }

  function emit(event, payload) {
    var msg = legacy ? { type: 'CORTI_EMBEDDED_EVENT', event: event, payload: payload }
      : { type: 'CORTI_EMBEDDED_EVENT', version: 'v1', event: event, confidential: false, payload: payload };
    A.events.push({ event: event, payload: payload, at: Date.now() });
    if (event !== 'embedded.ready') $('last-event').textContent = event;
    post(msg);
  }

  // readiness: re-announce every 25 ms until the first valid request
  var readyTimer = null;
  function announce() {
    if (!parentOrigin || window.parent === window) return;
    A.readyPosts += 1;
    if (A.readyAt === null) A.readyAt = Date.now();
    window.parent.postMessage(legacy ? { type: 'CORTI_EMBEDDED_EVENT', event: 'embedded.ready', payload: { version: readyVersion } }
      : { type: 'CORTI_EMBEDDED_EVENT', version: 'v1', event: 'embedded.ready', confidential: false, payload: { version: readyVersion } }, parentOrigin);
  }
  function startAnnouncing() {
    if (answered) return;
    announce();
    readyTimer = setInterval(announce, 25);
    $('last-event').textContent = 'embedded.ready';
  }
  var answered = false;
  if (!noReady) {
    if (readyDelayMs > 0) setTimeout(startAnnouncing, readyDelayMs);
    else startAnnouncing();
  }

  // Self-refresh (selfRefresh=1): with the refresh token of the last auth, at the provider's real token
  // endpoint. Each attempt is recorded (A.refreshes) and reported to the server (kind "refresh").
  var refreshTimer = null;
  function planRefresh() {
    if (refreshTimer !== null) { clearTimeout(refreshTimer); refreshTimer = null; }
    if (!selfRefresh || !state.refreshToken || !state.exp || !state.iat) return;
    // from now (the token's receipt), not from its iat in whole seconds: a refreshed token is never due at once
    refreshTimer = setTimeout(selfRefreshNow, Math.max(100, (state.exp - state.iat) * selfRefreshAt * 1000));
  }
  async function selfRefreshNow() {
    refreshTimer = null;
    var sent = state.refreshToken;
    var rec = { at: Date.now(), ok: false, rotated: false, error: null, status: 0 };
    try {
      var resp = await fetch(state.issuer + '/protocol/openid-connect/token', {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: sent, client_id: state.clientId }),
      });
      rec.status = resp.status;
      var body = await resp.json();
      if (!resp.ok) { rec.error = body.error || 'HTTP ' + resp.status; }
      else {
        rec.ok = true;
        rec.rotated = typeof body.refresh_token === 'string' && body.refresh_token !== sent;
        if (state.refreshToken === sent) { // no auth from the host meanwhile
          var c = claimsOf(body.access_token);
          state.accessToken = body.access_token;
          state.exp = c.exp; state.iat = c.iat;
          if (typeof body.refresh_token === 'string' && body.refresh_token) state.refreshToken = body.refresh_token;
          tick();
        }
      }
    } catch (e) { rec.error = 'network: ' + (e && e.message); }
    A.refreshes.push(rec);
    report({ kind: 'refresh', at: rec.at, page: pageId, ok: rec.ok, rotated: rec.rotated, error: rec.error, status: rec.status });
    if (rec.ok) planRefresh();
    else setStatus('own refresh refused: ' + rec.error, 'error');
  }
  function claimsOf(jwt) {
    var b = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(b + '==='.slice((b.length + 3) % 4)))));
  }
  function report(body) {
    fetch('/report', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) }).catch(function () {});
  }

  // The document going away (the host navigated the frame to about:blank, or removed it) is reported to this
  // server (kind "unload", with pageId), so a test can tell the Assistant's document is gone with its tokens.
  var unloaded = false;
  function reportUnload(ev) {
    if (unloaded) return;
    unloaded = true;
    var body = JSON.stringify({ kind: 'unload', page: pageId, event: ev.type, at: Date.now(), sub: state.user && state.user.id, received: A.received.length });
    try {
      if (!(navigator.sendBeacon && navigator.sendBeacon('/report', new Blob([body], { type: 'text/plain' })))) {
        fetch('/report', { method: 'POST', keepalive: true, headers: { 'Content-Type': 'text/plain' }, body: body }).catch(function () {});
      }
    } catch (e) { /* the document is going away */ }
  }
  window.addEventListener('pagehide', reportUnload);
  window.addEventListener('unload', reportUnload);

  // Recording, from the host's startRecording/stopRecording or the clinician's own click on #record (input
  // inside the frame, which the host page never sees: only the event tells it).
  function setRecording(on) {
    state.recording = on;
    $('record').textContent = on ? 'Stop recording' : 'Start recording';
    emit(on ? 'recording.started' : 'recording.stopped', {});
  }
  $('record').addEventListener('click', function () { if (state.user) setRecording(!state.recording); });

  function Fail(code, message) { var e = new Error(message); e.assistantCode = code; return e; }
  function isObj(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }
  function merge(dst, src) {
    Object.keys(src).forEach(function (k) {
      if (isObj(src[k]) && isObj(dst[k])) merge(dst[k], src[k]);
      else dst[k] = isObj(src[k]) ? merge({}, src[k]) : src[k];
    });
    return dst;
  }
  function uuid() { return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2)); }

  var handlers = {
    auth: async function (p) {
      if (!isObj(p)) throw Fail('INVALID_PAYLOAD', 'payload must be a token response object');
      if (typeof p.access_token !== 'string' || !p.access_token) throw Fail('INVALID_PAYLOAD', 'access_token is required');
      if (typeof p.token_type !== 'string' || p.token_type.toLowerCase() !== 'bearer') throw Fail('INVALID_PAYLOAD', 'token_type must be "Bearer"');
      // The component's type (KeycloakTokenResponse in @corti/embedded-web's payloads.ts): optional strings,
      // optional numbers (or null), and profile only as {name, email, sub}, all strings.
      ['refresh_token', 'id_token', 'session_state', 'scope'].forEach(function (k) {
        if (p[k] !== undefined && typeof p[k] !== 'string') throw Fail('INVALID_PAYLOAD', k + ' must be a string');
      });
      ['expires_at', 'expires_in', 'refresh_expires_in', 'not-before-policy'].forEach(function (k) {
        if (p[k] !== undefined && p[k] !== null && typeof p[k] !== 'number') throw Fail('INVALID_PAYLOAD', k + ' must be a number');
      });
      if (p.profile !== undefined) {
        var pr = p.profile;
        if (!isObj(pr) || typeof pr.name !== 'string' || typeof pr.email !== 'string' || typeof pr.sub !== 'string') {
          throw Fail('INVALID_PAYLOAD', 'profile must be {name, email, sub}, all strings');
        }
      }
      if (p.accessToken !== undefined && p.access_token === undefined) throw Fail('INVALID_PAYLOAD', 'camelCase token fields are not accepted');
      var r;
      try {
        var resp = await fetch('/verify', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ access_token: p.access_token }) });
        r = await resp.json();
      } catch (e) { throw Fail('INTERNAL_ERROR', 'token verification unavailable: ' + e.message); }
      if (!r.ok) {
        setStatus('rejected: ' + r.error, 'error');
        throw Fail(r.errorCode || 'UNAUTHORIZED', r.error || 'Invalid or expired tokens');
      }
      var c = r.claims;
      state.user = { id: c.sub, email: c.email, name: c.name };
      state.exp = c.exp;
      state.iat = c.iat;
      state.issuer = c.iss;
      state.clientId = c.azp;
      state.accessToken = p.access_token;
      state.refreshToken = typeof p.refresh_token === 'string' && p.refresh_token ? p.refresh_token : null;
      planRefresh();
      A.authCount += 1;
      var now = Date.now();
      A.tokens.push({ accessToken: p.access_token, at: now, exp: c.exp, sub: c.sub, kid: r.kid, keys: Object.keys(p).sort(), tokenType: p.token_type, profile: p.profile });
      $('auth-count').textContent = String(A.authCount);
      $('user').textContent = (c.name || c.preferred_username || c.sub) + (c.email ? ' <' + c.email + '>' : '');
      setStatus('signed in', 'authenticated');
      tick();
      fetch('/report', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ at: now, sub: c.sub, exp: c.exp, accessToken: p.access_token }) }).catch(function () {});
      emit('embedded.authenticated', {
        tokenType: p.token_type,
        scope: p.scope,
        expiresIn: p.expires_in,
        refreshExpiresIn: p.refresh_expires_in,
        hasRefreshToken: typeof p.refresh_token === 'string' && p.refresh_token.length > 0,
        hasIdToken: typeof p.id_token === 'string' && p.id_token.length > 0,
        hasProfile: isObj(p.profile),
      });
      var user = { id: c.sub, email: c.email };
      if (c.name) user.name = c.name;
      return { user: user };
    },
    getStatus: async function () {
      var authed = !!state.user && (!state.exp || state.exp > Date.now() / 1000);
      var auth = { isAuthenticated: authed };
      if (state.user) auth.user = state.user;
      return { auth: auth, currentUrl: location.origin + state.currentPath, interaction: state.interaction };
    },
    createInteraction: async function (p) {
      if (p !== undefined && !isObj(p)) throw Fail('INVALID_PAYLOAD', 'payload must be an object');
      var it = { id: uuid(), createdAt: new Date().toISOString() };
      state.interaction = { id: it.id, createdAt: it.createdAt, status: 'created', encounter: p && p.encounter, patient: p && p.patient };
      emit('embedded.interactionCreated', { interaction: { id: it.id, createdAt: it.createdAt } });
      return { id: it.id, createdAt: it.createdAt, status: 'created' };
    },
    navigate: async function (p) {
      if (!isObj(p) || typeof p.path !== 'string' || p.path.charAt(0) !== '/') throw Fail('INVALID_PAYLOAD', 'navigate needs {path: "/…"}');
      state.currentPath = p.path;
      $('current-path').textContent = p.path;
      emit('embedded.navigated', { path: p.path });
      return undefined;
    },
    configureApp: async function (p) {
      if (!isObj(p)) throw Fail('INVALID_PAYLOAD', 'payload must be an object');
      merge(state.config, p);
      return JSON.parse(JSON.stringify(state.config));
    },
    // EmbeddedTemplate in the component's responses.ts: language {code, name, ...}, isCustom.
    getTemplates: async function () {
      var en = { code: 'en', name: 'English' };
      return { templates: [
        { id: 'soap', name: 'SOAP note', templateType: 'built-in', language: en, isCustom: false },
        { id: 'discharge', name: 'Discharge summary', templateType: 'built-in', language: en, isCustom: false },
        { id: 'referral', name: 'Referral letter', description: 'To a specialist', templateType: 'custom', language: en, isCustom: true },
      ] };
    },
    setInteractionOptions: async function (p) {
      if (p !== undefined && !isObj(p)) throw Fail('INVALID_PAYLOAD', 'payload must be an object');
      merge(state.interactionOptions, p || {});
      return undefined;
    },
    addFacts: async function (p) {
      if (!isObj(p) || !Array.isArray(p.facts)) throw Fail('INVALID_PAYLOAD', 'addFacts needs {facts: [...]}');
      state.facts = state.facts.concat(p.facts);
      return undefined;
    },
    startRecording: async function () { setRecording(true); return undefined; },
    stopRecording: async function () { setRecording(false); return undefined; },
    setCredentials: async function (p) {
      if (!isObj(p) || typeof p.password !== 'string' || !p.password) throw Fail('INVALID_PAYLOAD', 'setCredentials needs {password}');
      A.credentials += 1; // the password itself is kept nowhere
      return undefined;
    },
    // DeviceLinkTokenResponse in the component's payloads.ts: a token response with its refresh_token.
    showDeviceLinkQR: async function (p) {
      if (!isObj(p) || typeof p.access_token !== 'string' || !p.access_token) throw Fail('INVALID_PAYLOAD', 'access_token is required');
      if (typeof p.token_type !== 'string' || !p.token_type) throw Fail('INVALID_PAYLOAD', 'token_type is required');
      if (typeof p.refresh_token !== 'string' || !p.refresh_token) throw Fail('INVALID_PAYLOAD', 'showDeviceLinkQR needs a refresh_token');
      A.qr.push({ at: Date.now(), keys: Object.keys(p).sort(), sub: p.profile && p.profile.sub });
      return { status: A.qrStatus };
    },
  };

  function respond(ev, d, ok, result, code, message) {
    var msg = legacy ? { type: 'CORTI_EMBEDDED_RESPONSE', requestId: d.requestId, success: ok }
      : { type: 'CORTI_EMBEDDED_RESPONSE', version: 'v1', action: d.action, requestId: d.requestId, success: ok };
    if (ok) {
      if (result !== undefined) { if (legacy) msg.data = result; else msg.payload = result; }
    } else if (legacy) {
      msg.error = { message: message, code: code };
    } else {
      msg.error = message;
      msg.errorCode = code;
    }
    ev.source.postMessage(msg, ev.origin);
  }

  window.addEventListener('message', async function (ev) {
    A.received.push({ origin: ev.origin, data: ev.data, at: Date.now() });
    var d = ev.data;
    if (!isObj(d) || d.type !== 'CORTI_EMBEDDED' || d.version !== 'v1' || typeof d.action !== 'string' || !d.action) return;
    if (ev.source !== window.parent) return;
    answered = true;
    if (readyTimer !== null && !repeatReady) { clearInterval(readyTimer); readyTimer = null; }
    state.replyOrigin = ev.origin;
    if (silent) return;
    if (Object.prototype.hasOwnProperty.call(A.override, d.action)) {
      var o = legacy ? { type: 'CORTI_EMBEDDED_RESPONSE', requestId: d.requestId }
        : { type: 'CORTI_EMBEDDED_RESPONSE', version: 'v1', action: d.action, requestId: d.requestId };
      Object.keys(A.override[d.action]).forEach(function (k) { o[k] = A.override[d.action][k]; });
      ev.source.postMessage(o, ev.origin);
      return;
    }
    var h = Object.prototype.hasOwnProperty.call(handlers, d.action) ? handlers[d.action] : null;
    if (!h) { respond(ev, d, false, undefined, 'INVALID_PAYLOAD', 'UNKNOWN_ACTION: ' + d.action); return; }
    try {
      var result = await h(d.payload);
      respond(ev, d, true, result);
    } catch (e) {
      respond(ev, d, false, undefined, e.assistantCode || 'INTERNAL_ERROR', e.message || String(e));
    }
  });
})();
