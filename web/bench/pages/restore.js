// bench page for restore() (web/bench/restore.mjs): a reload gets its session back. ?mode=silent: restore() at once
// (the hidden iframe); ?mode=redirect: restore({silent: false, redirect: true}) (a top-level prompt=none
// navigation; the callback load of this page records the whole round trip). Times are ms since the navigation
// start of the page that was reloaded.
import { load } from "/dist/corti-auth.js";

const B = window.BENCH;
const mode = new URLSearchParams(location.search).get("mode");
const corti = await load();
const ready = performance.now();
const client = corti.createClient({
  clientId: B.clientId,
  redirectUri: `${location.origin}/bench/restore.html`,
  silentRedirectUri: `${location.origin}/dist/callback.html`,
  tenant: B.realm,
  authBaseURL: B.authBaseURL,
});
window.bench = { ready, client };
const fail = (e) => { window.bench.result = { error: `${e.code || e.name}: ${e.message}` }; };

if (client.isCallback()) {
  try {
    const s = await client.handleCallback();
    const t0 = Number(sessionStorage.getItem("bench-t0") || "0");
    sessionStorage.removeItem("bench-t0");
    window.bench.session = s;
    window.bench.result = { ok: !!s.tokens.access_token, total: t0 ? performance.timeOrigin + performance.now() - t0 : NaN };
  } catch (e) { fail(e); }
} else if (mode === "silent") {
  const t = performance.now();
  try {
    const s = await client.restore();
    window.bench.session = s;
    window.bench.result = { ok: !!s, total: performance.now(), restore: performance.now() - t, ready };
  } catch (e) { fail(e); }
} else if (mode === "redirect") {
  sessionStorage.setItem("bench-t0", String(performance.timeOrigin));
  client.restore({ silent: false, redirect: true }).catch(fail);
}
document.body.dataset.ready = "1";
