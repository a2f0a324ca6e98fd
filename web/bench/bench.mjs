// make bench (after make build): corti-auth side by side with keycloak-js and oidc-client-ts in ONE Chromium run
// against the local Keycloak-shaped provider (web/dev/env.mjs). Every timed figure is taken BENCH_REPS times
// (default 5: a full run stays near 10 minutes on a loaded 2-core machine), interleaved library by library so load on the machine hits all three alike; median and p90.
//
//   sizes            raw / gzip -9 / brotli -q 11 of what each library ships to the browser
//   ready cold       navigation start (performance.timeOrigin) → API ready, measured in the page; a fresh context
//                    per repetition (empty HTTP cache)
//   ready warm       the same, in one context per library after a priming load; the host sends
//                    Cache-Control: max-age=3600 (a CDN-like setting) — and a second row with the dev server's own
//                    Cache-Control: no-cache and no validators, under which nothing can be reused
//   authorize URL    per-call time over BENCH_CALLS calls (default 100) in the page, one batch per repetition:
//                    one pending login at a time, and (second row) back to back with the pending logins piling up
//   login            click on the page's "Sign in" → provider form (filled by the script) → callback page →
//                    tokens in hand; a fresh context per repetition
//   refresh          one refresh_token grant on that signed-in page (after one untimed refresh); then the median of
//                    BENCH_STEADY (10) more in a row, and of as many sent with a bare fetch (no library: the floor)
//   popup            corti-auth's loginWithPopup(): click → form in the popup → tokens in the opener (where it exists)
//   restore          after that login, a reload: navigation → session from restore()'s silent step / keycloak-js's
//                    check-sso with a silent-check page (pages/silent-check-sso.html)
//   floor            web/bench/floor built in this run, its cold start interleaved with the three libraries'
//   heap             Go heap and goroutines over BENCH_HEAP_REFRESHES (1000) refreshes and BENCH_HEAP_MOUNTS (200)
//                    Assistant mount/destroy cycles, from a -tags corti_bench build of the same code
//   early            goal 5's rows from web/bench/early-mount.mjs, where that file exists
// The report opens with the goal table of issue 17: every goal's row(s), ratio against its same-run reference,
// target, and pass / FAIL / "not measured: why".
//
// Environment: BENCH_REPS (5), BENCH_CALLS (100), BENCH_OUT (bench-results.md), BENCH_GO (a file with the
// `go test -bench` output to append; the Makefile writes one), BENCH_TRACE=0 to skip the start-up trace,
// BENCH_PRIME_MS (3000: how long the warm rows' priming loads stay open), CHROMIUM (/usr/bin/chromium), BENCH_DEBUG=1
// (logs each callback page's ready and tokens-in-hand times).
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync, statSync, mkdirSync, copyFileSync } from "node:fs";
import { tmpdir, loadavg, cpus } from "node:os";
import { join, dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { startEnv } from "../dev/env.mjs";
import { chromiumArgs } from "../dev/browsers.mjs";
import { sizes } from "./size.mjs";
import { stats } from "./stats.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const REPS = Math.max(1, Number(process.env.BENCH_REPS || 5) | 0);
const CALLS = Math.max(1, Number(process.env.BENCH_CALLS || 100) | 0);
const STEADY = Math.max(1, Number(process.env.BENCH_STEADY || 10) | 0);
const OUT = process.env.BENCH_OUT || join(root, "bench-results.md");
const PRIME_MS = Math.max(0, Number(process.env.BENCH_PRIME_MS ?? 3000));
const TIMEOUT = 60000;
// BENCH_JS_FLAGS: V8 flags for Chromium (diagnostics only, e.g. --no-wasm-lazy-compilation); the report names them.
// BENCH_DIST (dist/): the folder whose corti-auth.wasm and corti-auth.js are measured and served (wasm_exec.js too).
const DIST = process.env.BENCH_DIST ? resolve(process.env.BENCH_DIST) : join(root, "dist");
// BENCH_ONLY=cold,warm,authorize,login,restore,popup,heap,early,trace runs a subset (development only; the report then has gaps).
const ONLY = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(",")) : null;
const want = (phase) => !ONLY || ONLY.has(phase);
// Goal 7's cycle counts (the smoke test makes them small).
const HEAP_REFRESHES = Math.max(2, Number(process.env.BENCH_HEAP_REFRESHES || 1000) | 0);
const HEAP_MOUNTS = Math.max(2, Number(process.env.BENCH_HEAP_MOUNTS || 200) | 0);
const t0 = Date.now();
const log = (...a) => console.error(`[bench +${((Date.now() - t0) / 1000).toFixed(0)} s]`, ...a);

const LIBS = [
  { key: "corti", name: "corti-auth", page: "/bench/corti.html" },
  { key: "keycloak", name: "keycloak-js", page: "/bench/keycloak.html" },
  { key: "oidc", name: "oidc-client-ts", page: "/bench/oidc.html" },
];
// The floor binary (web/bench/floor, built by this run with the Makefile's flags) on a page like corti.html.
const FLOOR = { key: "floor", name: "floor binary", page: "/bench/floor.html" };
const nm = (...p) => join(root, "node_modules", ...p);
const pkgVersion = (name) => JSON.parse(readFileSync(nm(name, "package.json"), "utf8")).version;

// ---------- sizes ----------
async function esbuildMinify(file) {
  try {
    const esbuild = await import("esbuild"); // present through vite; optional
    const r = await esbuild.build({ entryPoints: [file], bundle: true, minify: true, format: "esm", write: false, logLevel: "silent" });
    const dir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-bench-min-"));
    const out = join(dir, "keycloak.min.js");
    writeFileSync(out, r.outputFiles[0].contents);
    return { file: out, cleanup: () => rmSync(dir, { recursive: true, force: true }), version: esbuild.version };
  } catch {
    return null;
  }
}

async function measureSizes() {
  const rows = [];
  const wasm = sizes(join(DIST, "corti-auth.wasm"));
  const glue = ["corti-auth.js"].map((f) => sizes(join(DIST, f))); // the ES module, wasm_exec.js inside
  const sum = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
  const kcFile = nm("keycloak-js/lib/keycloak.js");
  const kc = sizes(kcFile);
  const oidcFile = nm("oidc-client-ts/dist/browser/oidc-client-ts.min.js");
  const oc = sizes(oidcFile);
  const min = await esbuildMinify(kcFile);
  const kcMin = min ? sizes(min.file) : null;
  min?.cleanup();
  rows.push({ what: "wasm / main bundle", corti: wasm, keycloak: kcMin || kc, oidc: oc });
  rows.push({ what: "everything shipped (+ corti-auth.js, the ES module with wasm_exec.js inside)", corti: glue.reduce(sum, wasm), keycloak: kcMin || kc, oidc: oc });
  const files = [
    `corti-auth: \`dist/corti-auth.wasm\` (+ \`dist/corti-auth.js\`, which carries Go's wasm_exec.js, in the second row)`,
    `keycloak-js ${pkgVersion("keycloak-js")}: \`node_modules/keycloak-js/lib/keycloak.js\` (the package ships no minified file; ` +
      (kcMin ? `measured after \`esbuild --bundle --minify\` ${min.version}; unminified: ${fmtBytes(kc.raw)} raw, ${fmtBytes(kc.gzip)} gzip, ${fmtBytes(kc.brotli)} brotli)` : `measured unminified: esbuild was not available)`) +
      `; the pages load the unminified file`,
    `oidc-client-ts ${pkgVersion("oidc-client-ts")}: \`node_modules/oidc-client-ts/dist/browser/oidc-client-ts.min.js\` (IIFE, jwt-decode bundled in)`,
  ];
  return { rows, files };
}

// ---------- browser helpers ----------
async function newContext(browser, env, existing) {
  const ctx = existing || (await browser.newContext());
  const config = {
    authBaseURL: env.authBaseURL, issuer: env.issuer, realm: env.tenant, clientId: env.clients.public, tokenURL: `${env.issuer}/protocol/openid-connect/token`,
    assistantBaseURL: env.assistantBaseURL,
    // The popup's and the silent iframe's landing page, where the build has one.
    callbackURL: existsSync(join(DIST, "callback.html")) ? `${env.hostURL}/dist/callback.html` : "",
  };
  await ctx.addInitScript((c) => { window.BENCH = c; }, config);
  ctx.setDefaultTimeout(TIMEOUT);
  return ctx;
}

let navCounter = 0;
async function openReady(page, env, lib) {
  // A distinct query per navigation: a same-URL navigation would become a reload (revalidating everything).
  await page.goto(`${env.hostURL}${lib.page}?n=${++navCounter}`);
  await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: TIMEOUT });
  return page.evaluate(() => {
    const b = window.bench;
    if (b.error) throw new Error(b.error);
    const res = performance.getEntriesByType("resource").map((e) => ({
      name: e.name, start: e.startTime, end: e.responseEnd, transfer: e.transferSize, encoded: e.encodedBodySize,
    }));
    const nav = performance.getEntriesByType("navigation")[0];
    return { ready: b.ready, marks: b.marks ? { ...b.marks } : null, res, domInteractive: nav && nav.domInteractive };
  });
}

async function readyRun(browser, env, lib, ctx, lingerMs = 0) {
  const own = !ctx;
  ctx = ctx || (await newContext(browser, env));
  const page = await ctx.newPage();
  try {
    const r = await openReady(page, env, lib);
    if (lingerMs) await page.waitForTimeout(lingerMs);
    return r;
  } finally {
    await page.close();
    if (own) await ctx.close();
  }
}

async function fillAndSubmit(page, env) {
  await page.waitForSelector("#username", { timeout: TIMEOUT });
  await page.fill("#username", env.user.username);
  await page.fill("#password", env.user.password);
  await page.click("#kc-login");
}

// Redirect sign-in on the library's page: click → provider form → callback page → tokens.
async function signIn(page, env, lib) {
  await openReady(page, env, lib);
  await page.click("#sign-in");
  await fillAndSubmit(page, env);
  await page.waitForFunction(() => window.bench && window.bench.login, null, { timeout: TIMEOUT });
  const login = await page.evaluate(() => ({ ...window.bench.login, ready: window.bench.ready }));
  if (login.error) throw new Error(`${lib.name} login: ${login.error}`);
  return login;
}

// Resume after a reload (goal 4), on a page whose provider session exists: corti-auth's restore() (silent step) /
// keycloak-js's check-sso with a silent-check page; navigation start → session. null where not measurable.
async function restoreRun(page, env, lib) {
  if (lib.key === "corti" && !(await page.evaluate(() => window.bench.hasRestore))) return { missing: "client.restore missing" };
  const q = lib.key === "corti" ? "restore=1" : lib.key === "keycloak" ? "sso=1" : null;
  if (!q) return null;
  await page.goto(`${env.hostURL}${lib.page}?${q}&n=${++navCounter}`);
  await page.waitForFunction(() => document.body.dataset.ready === "1" && window.bench && window.bench.restore, null, { timeout: TIMEOUT });
  const r = await page.evaluate(() => window.bench.restore);
  // A restore() without the silent step (or whose silent step failed) resolves null: the row says so.
  if (r.null) return { missing: "restore() resolved null (no silent step in this build, or it failed)" };
  if (r.error) throw new Error(`${lib.name} restore: ${r.error}`);
  return { ms: r.ms };
}

// Popup sign-in (goal 3): click → popup with the provider's form → tokens in the opener; a fresh context.
async function popupRun(browser, env) {
  const ctx = await newContext(browser, env);
  try {
    const page = await ctx.newPage();
    await openReady(page, env, LIBS[0]);
    if (!(await page.evaluate(() => window.bench.hasPopup))) return { missing: "loginWithPopup missing" };
    const [popup] = await Promise.all([page.waitForEvent("popup", { timeout: TIMEOUT }), page.click("#sign-in-popup")]);
    await fillAndSubmit(popup, env);
    await page.waitForFunction(() => window.bench.popupLogin, null, { timeout: TIMEOUT });
    const r = await page.evaluate(() => window.bench.popupLogin);
    if (r.error) throw new Error(`corti-auth popup login: ${r.error}`);
    return { ms: r.ms };
  } finally {
    await ctx.close();
  }
}

async function loginRun(browser, env, lib) {
  const ctx = await newContext(browser, env);
  try {
    const page = await ctx.newPage();
    page.on("pageerror", (e) => log(`${lib.name} pageerror: ${e.message}`));
    const login = await signIn(page, env, lib);
    await page.evaluate(() => window.bench.refresh()); // untimed: first refresh on the page
    const refresh = await page.evaluate(() => window.bench.refresh());
    // Steady state: the median of STEADY more refreshes, one after another (the code has run before).
    const series = await page.evaluate(async (n) => { const r = []; for (let i = 0; i < n; i++) r.push(await window.bench.refresh()); return r; }, STEADY);
    // The floor: the same grant sent with a bare fetch (no library), on the corti-auth page, whose session hands
    // out its refresh token.
    const bare = lib.key !== "corti" ? [] : await page.evaluate(async (n) => { const r = []; for (let i = 0; i < n; i++) r.push(await window.bench.bareRefresh()); return r; }, STEADY);
    if (process.env.BENCH_DEBUG) log(`${lib.name} callback page: ready ${login.ready?.toFixed(1)} ms, tokens ${login.callbackDone?.toFixed(1)} ms`);
    const restore = want("restore") ? await restoreRun(page, env, lib) : null;
    return { login: login.ms, callback: login.callbackDone, refresh, steady: stats(series).median, bare: stats(bare).median, restore };
  } finally {
    await ctx.close();
  }
}

// Goal 7: on one signed-in corti-auth page, the Go runtime's live heap (after a GC) and goroutine count, read through
// the bench's runtime-stats hook, around HEAP_REFRESHES refresh cycles and HEAP_MOUNTS Assistant mount/destroy
// cycles (the stand-in Assistant), in a context served a build of the same code with -tags corti_bench. Each series is read after a warm-up, at its half and at its end: "flat" is judged
// on the second half (the first settles the GC's heap goal and the runtime's caches).
async function heapRun(browser, env, statsWasm) {
  const ctx = await newContext(browser, env);
  try {
    // This context's corti-auth.wasm is the same code built with -tags corti_bench (its namespace has
    // __runtimeStats); the shipped binary has no such hook.
    await ctx.route(`${env.hostURL}/dist/corti-auth.wasm*`, (route) => route.fulfill({ path: statsWasm, contentType: "application/wasm" }));
    const page = await ctx.newPage();
    await signIn(page, env, LIBS[0]);
    if (!(await page.evaluate(() => window.bench.hasStats))) return { missing: "no __runtimeStats in the corti_bench build" };
    const read = () => page.evaluate(() => window.bench.stats());
    const series = async (warm, n, step) => {
      await page.evaluate(step, warm);
      const a = await read();
      await page.evaluate(step, n / 2);
      const b = await read();
      await page.evaluate(step, n / 2);
      const c = await read();
      return [a, b, c];
    };
    const refresh = await series(Math.min(50, HEAP_REFRESHES), HEAP_REFRESHES, (n) => window.bench.refreshN(n));
    const mount = await series(Math.min(20, HEAP_MOUNTS), HEAP_MOUNTS, (n) => window.bench.mountCycles(n));
    return { refresh, mount };
  } finally {
    await ctx.close();
  }
}

// Goal 5 comes from web/bench/early-mount.mjs where it exists: its rows (or default) export is called with
// { browser, env, reps, newContext, log } and returns rows { row|name, measured|value, against?, ratio?, target?,
// pass?, note? } (measured in ms, or a string); absent, the goal's row says so.
async function earlyMountRows(browser, env) {
  const file = join(root, "web", "bench", "early-mount.mjs");
  if (!existsSync(file)) return [{ goal: 5, row: "Assistant authenticated after navigation (early mount)", missing: "web/bench/early-mount.mjs missing" }];
  const mod = await import(file);
  const fn = mod.benchEarlyMount || mod.rows || mod.earlyMountRows || mod.default;
  if (typeof fn !== "function") return [{ goal: 5, row: "Assistant authenticated after navigation (early mount)", missing: "web/bench/early-mount.mjs exports no rows function" }];
  const rows = await fn({ browser, env, reps: REPS, newContext: () => newContext(browser, env), log });
  // benchEarlyMount's rows are { name, median, p90, goal (ms or null), pass, ratio }.
  return (Array.isArray(rows) ? rows : [rows]).map((r) => ({ goal: 5, ...r, row: r.row || r.name || r.label || "early mount",
    measured: r.measured ?? r.value ?? r.median, against: r.against ?? (typeof r.goal === "number" ? r.goal : undefined),
    target: r.target ?? (typeof r.goal === "number" ? `≤ ${fmtMs(r.goal)}` : undefined) }));
}

function wasmBreakdown(r) {
  const m = r.marks || {};
  const wasm = r.res.find((e) => e.name.endsWith(".wasm"));
  const streaming = m.instantiateStreamingEnd !== undefined;
  const instEnd = streaming ? m.instantiateStreamingEnd : m.instantiateEnd;
  const instStart = m.instantiateStreamingStart;
  return {
    moduleStart: m.moduleStart,
    wasmFetch: wasm ? wasm.end - wasm.start : NaN,
    wasmCached: wasm ? wasm.transfer === 0 : null,
    wasmTransfer: wasm ? wasm.transfer : NaN,
    // instantiateStreaming overlaps download and compile; its span is download + compile + instantiate.
    instantiate: instEnd !== undefined && instStart !== undefined ? instEnd - instStart : NaN,
    afterDownload: instEnd !== undefined && wasm ? instEnd - wasm.end : NaN,
    goStart: instEnd !== undefined ? r.ready - instEnd : NaN,
    streaming,
    fallbackError: m.instantiateStreamingError,
  };
}

// ---------- start-up trace (diagnostics) ----------
async function traceStartup(browser, env, warmCtx) {
  const ctx = warmCtx || (await newContext(browser, env));
  const page = await ctx.newPage();
  try {
    const cdp = await ctx.newCDPSession(page);
    await cdp.send("Performance.enable");
    await browser.startTracing(page, {
      categories: ["devtools.timeline", "v8", "v8.wasm", "disabled-by-default-v8.wasm.detailed", "disabled-by-default-v8.compile", "blink", "loading", "netlog"],
    });
    const r = await openReady(page, env, LIBS[0]);
    const { metrics } = await cdp.send("Performance.getMetrics");
    const buf = await browser.stopTracing();
    const events = JSON.parse(buf.toString()).traceEvents || [];
    const byName = new Map();
    for (const e of events) {
      if (e.ph !== "X" || typeof e.dur !== "number") continue;
      if (!/wasm|Wasm|v8\.|V8\.|EvaluateScript|FunctionCall|RunMicrotasks|ParseHTML|Compile|Deserializ|CodeCache/.test(e.name)) continue;
      const k = e.name;
      const v = byName.get(k) || { name: k, total: 0, count: 0, max: 0 };
      v.total += e.dur / 1000;
      v.count += 1;
      v.max = Math.max(v.max, e.dur / 1000);
      byName.set(k, v);
    }
    const top = [...byName.values()].sort((a, b) => b.total - a.total).slice(0, 16);
    // V8.DeserializeContext is the start-up snapshot, in every load: not a wasm code-cache hit.
  const wasmCache = [...byName.values()].filter((v) => /Deserializ|CodeCache|Serializ/i.test(v.name) && v.name !== "V8.DeserializeContext");
    const pick = (n) => (metrics.find((m) => m.name === n) || {}).value;
    return {
      ready: r.ready,
      wasm: wasmBreakdown(r),
      top,
      wasmCache,
      metrics: { ScriptDuration: pick("ScriptDuration"), TaskDuration: pick("TaskDuration"), JSHeapUsedSize: pick("JSHeapUsedSize"), JSHeapTotalSize: pick("JSHeapTotalSize") },
    };
  } finally {
    if (warmCtx) await page.close();
    else await ctx.close();
  }
}

// ---------- formatting ----------
function fmtBytes(n) {
  if (!Number.isFinite(n)) return "–";
  return n >= 1e6 ? `${(n / 1e6).toFixed(3)} MB` : `${(n / 1e3).toFixed(1)} kB`;
}
function fmtMs(x) {
  if (!Number.isFinite(x)) return "–";
  if (x < 1) return `${(x * 1000).toFixed(1)} µs`;
  if (x < 10) return `${x.toFixed(2)} ms`;
  return `${x.toFixed(1)} ms`;
}
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : "–");

// ---------- goals ----------
// One row per goal figure: measured, the reference it is held against (same run), ratio, target, pass / FAIL, or
// "not measured: why".
function goalRows({ S, size, diag, extra, traces }) {
  const rows = [];
  const med = (fig, lib) => S[fig]?.[lib]?.median;
  const has = (x) => Number.isFinite(x);
  const verdict = (ok) => (ok ? "pass" : "FAIL");
  const timeRow = (goal, row, a, b, bName, max, target, note) => {
    if (!has(a) || !has(b)) return rows.push({ goal, row, measured: has(a) ? fmtMs(a) : "–", against: has(b) ? `${fmtMs(b)} (${bName})` : "–", target, result: "not measured: phase not run", note });
    rows.push({ goal, row, measured: fmtMs(a), against: `${fmtMs(b)} (${bName})`, ratio: ratio(a, b), target, result: verdict(a / b <= max), note });
  };
  // 1. size
  const w = size.rows[0].corti.brotli, f = size.floor.brotli;
  rows.push({ goal: 1, row: "wasm size, brotli -q 11", measured: fmtBytes(w), against: `${fmtBytes(f)} (floor binary)`, ratio: ratio(w, f),
    target: "≤ 1.20 MB and ≤ 1.05× floor", result: verdict(w <= 1.2e6 && w / f <= 1.05),
    note: `raw ${fmtBytes(size.rows[0].corti.raw)} against the floor's ${fmtBytes(size.floor.raw)}; the module's own share ${fmtBytes(w - f)} brotli (per package: web/bench/wasmsize.mjs)` });
  // 2. start-up
  timeRow(2, "navigation → ready, cold", med("ready-cold", "corti"), med("ready-cold", "floor"), "floor binary, cold", 1.1, "≤ 1.10× floor");
  const cold = med("ready-cold", "corti");
  const rep = diag["ready-warm"], cd = diag["ready-cold"];
  const inst = (arr) => stats(arr.map((x) => x.instantiate)).median;
  const warmTrace = traces.find((t) => /repeat/.test(t.label) && !t.error);
  const cache = warmTrace ? (warmTrace.wasmCache.length ? `code-cache trace events on the traced repeat visit: ${warmTrace.wasmCache.map((v) => `${v.name} ×${v.count}`).join(", ")}` : "no code-cache trace event on the traced repeat visit") : "no traced repeat visit in this run";
  timeRow(2, "navigation → ready, repeat visit (same profile, immutable)", med("ready-warm", "corti"), cold, "cold", 0.5, "≤ 0.50× cold",
    rep.length ? `wasm from the HTTP cache on ${rep.filter((x) => x.wasmCached).length}/${rep.length} repeat visits; instantiateStreaming ${fmtMs(inst(rep))} on a repeat visit against ${fmtMs(inst(cd))} cold (a hit in V8's wasm code cache would show as a drop); ${cache}` : undefined);
  const nc = diag["ready-warm-nocache"];
  if (nc.length) rows.push({ goal: 2, row: "reload under the dev server's no-cache + validators", measured: fmtMs(med("ready-warm-nocache", "corti")), against: `${fmtMs(cold)} (cold)`, ratio: ratio(med("ready-warm-nocache", "corti"), cold),
    target: "wasm revalidated, not downloaded", result: verdict(nc.every((x) => x.wasmTransfer < 4096)), note: `the wasm's transferSize per reload (resource timing): median ${fmtBytes(stats(nc.map((x) => x.wasmTransfer)).median)}, against ${fmtBytes(size.rows[0].corti.raw)} for a download` });
  // 3. popup
  if (extra.popupMissing) rows.push({ goal: 3, row: "popup sign-in, click → tokens", measured: "–", result: `not measured: ${extra.popupMissing}` });
  else {
    timeRow(3, "popup sign-in, click → tokens", med("login-popup", "corti"), med("login", "corti"), "corti-auth redirect login", 0.8, "≤ 0.80× redirect login");
    timeRow(3, "popup sign-in, click → tokens, against keycloak-js", med("login-popup", "corti"), med("login", "keycloak"), "keycloak-js redirect login", 1.0, "≤ 1.00× keycloak-js login");
  }
  // 4. restore
  if (extra.restoreMissing) rows.push({ goal: 4, row: "resume after reload, navigation → session", measured: "–", result: `not measured: ${extra.restoreMissing}` });
  else timeRow(4, "resume after reload, navigation → session", med("restore", "corti"), med("restore", "keycloak"), "keycloak-js check-sso, silent-check page", 1.0, "≤ 1.00× keycloak-js");
  // 5. early mount
  const early = extra.early.length ? extra.early : [{ goal: 5, row: "Assistant authenticated after navigation (early mount)", missing: "phase not run" }];
  // Rows without a goal of their own (mount after the session, frame ready, session ready) are the context of the
  // first judged row: its note.
  const context = early.filter((r) => !r.missing && typeof r.pass !== "boolean");
  const ctxNote = context.map((r) => `${r.row}: ${typeof r.measured === "number" ? fmtMs(r.measured) : r.measured}`).join("; ");
  let noted = false;
  for (const r of early.filter((r) => r.missing || typeof r.pass === "boolean")) {
    if (r.missing) { rows.push({ goal: 5, row: r.row, measured: "–", result: `not measured: ${r.missing}` }); continue; }
    const m = typeof r.measured === "number" ? fmtMs(r.measured) : String(r.measured ?? "–");
    const a = typeof r.against === "number" ? fmtMs(r.against) : r.against;
    rows.push({ goal: 5, row: r.row, measured: m, against: a,
      ratio: typeof r.ratio === "number" ? ratio(r.ratio, 1) : r.ratio ?? (typeof r.measured === "number" && typeof r.against === "number" ? ratio(r.measured, r.against) : undefined),
      target: r.target, result: verdict(r.pass), note: [r.note, !noted && ctxNote].filter(Boolean).join("; ") || undefined });
    noted = true;
  }
  // 6. refresh
  const steady = med("refresh-steady", "corti"), bare = med("refresh-bare", "corti");
  timeRow(6, "refresh round trip, steady", steady, med("refresh-steady", "oidc"), "oidc-client-ts, steady", 1.2, "≤ 1.20× oidc-client-ts",
    has(steady) && has(bare) ? `the module's share over a bare fetch of the same grant: ${fmtMs(steady - bare)} (${fmtMs(steady)} against ${fmtMs(bare)})` : undefined);
  // 7. heap
  const h = extra.heap;
  const heapRow = (name, k, n) => {
    if (!h || h.missing || h.error) return rows.push({ goal: 7, row: name, measured: "–", result: `not measured: ${!h ? "phase not run" : h.missing || h.error}` });
    const [a, b, c] = h[k];
    const grow = c.heapAlloc - b.heapAlloc;
    const flat = grow < 256 * 1024 && c.goroutines <= b.goroutines + 1;
    rows.push({ goal: 7, row: name, measured: `${fmtBytes(c.heapAlloc)} heap, ${c.goroutines} goroutines`, against: `${fmtBytes(b.heapAlloc)}, ${b.goroutines} at the half`,
      ratio: ratio(c.heapAlloc, b.heapAlloc), target: "second half: heap Δ < 256 kB, goroutines +≤ 1", result: verdict(flat),
      note: `${n} cycles; Go heap (live, after a GC) ${fmtBytes(a.heapAlloc)} → ${fmtBytes(b.heapAlloc)} → ${fmtBytes(c.heapAlloc)} (second half Δ ${fmtBytes(grow)}); goroutines ${a.goroutines} → ${b.goroutines} → ${c.goroutines}` });
  };
  heapRow(`${HEAP_REFRESHES} refresh cycles: Go heap and goroutines`, "refresh", HEAP_REFRESHES);
  heapRow(`${HEAP_MOUNTS} Assistant mount/destroy cycles: Go heap and goroutines`, "mount", HEAP_MOUNTS);
  return rows;
}

function goBenchSection() {
  const f = process.env.BENCH_GO;
  if (!f || !existsSync(f)) return "";
  const lines = readFileSync(f, "utf8").split("\n").filter((l) => /^(Benchmark|goos|goarch|cpu|pkg)/.test(l));
  if (!lines.length) return "";
  const rows = [];
  let pkg = "";
  for (const l of lines) {
    if (l.startsWith("pkg:")) { pkg = l.slice(4).trim().split("/").pop(); continue; }
    const m = /^(Benchmark\S+)\s+(\d+)\s+([\d.]+) ns\/op(?:\s+([\d.]+) MB\/s)?(?:\s+(\d+) B\/op)?(?:\s+(\d+) allocs\/op)?/.exec(l);
    const ns = Number(m?.[3]);
    if (m) rows.push(`| ${pkg} | ${m[1]} | ${ns < 1000 ? `${ns.toFixed(0)} ns` : fmtMs(ns / 1e6)} | ${m[5] ?? "–"} | ${m[6] ?? "–"} |`);
  }
  return ["", "### Go benchmarks (native, `go test -bench=. -benchmem`, same `make bench`)", "",
    "| package | benchmark | time/op | B/op | allocs/op |", "|---|---|---:|---:|---:|", ...rows].join("\n");
}

// ---------- main ----------
async function main() {
  for (const f of ["corti-auth.wasm", "corti-auth.js", "wasm_exec.js"]) {
    if (!existsSync(join(DIST, f))) throw new Error(`${join(DIST, f)} missing: run make build`);
  }
  const started = new Date();
  const load0 = loadavg();
  const tmp = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "cb-"));
  process.env.TMPDIR = tmp; // Chromium leaves profile folders behind (a short name: its singleton socket path must stay under 108 bytes)
  log(`reps ${REPS}, ${CALLS} calls per authorize batch; load average ${load0.map((x) => x.toFixed(2)).join(" ")} on ${cpus().length} cores`);

  const size = await measureSizes();
  // The floor binary, built in this run with the Makefile's flags (less its -X main.version) beside dist's loader.
  const floorDist = join(tmp, "floor");
  mkdirSync(floorDist, { recursive: true });
  execFileSync(process.env.GO || "go", ["build", "-trimpath", "-ldflags=-s -w", "-o", join(floorDist, "corti-auth.wasm"), "./web/bench/floor"],
    { cwd: root, env: { ...process.env, GOOS: "js", GOARCH: "wasm" }, stdio: "inherit" });
  for (const f of ["corti-auth.js", "wasm_exec.js"]) copyFileSync(join(DIST, f), join(floorDist, f));
  size.floor = sizes(join(floorDist, "corti-auth.wasm"));
  // Goal 7's binary: the module with the corti_bench tag (bridge/benchhooks.go: __runtimeStats), else as shipped.
  const statsWasm = join(tmp, "corti-auth.bench.wasm");
  execFileSync(process.env.GO || "go", ["build", "-trimpath", "-tags", "corti_bench", "-ldflags=-s -w", "-o", statsWasm, "."],
    { cwd: root, env: { ...process.env, GOOS: "js", GOARCH: "wasm" }, stdio: "inherit" });
  const env = await startEnv({
    staticRoots: {
      "/bench/": join(root, "web", "bench", "pages"),
      "/dist/": DIST,
      "/floor/": floorDist,
      "/node_modules/keycloak-js/": nm("keycloak-js", "lib"),
      "/node_modules/oidc-client-ts/": nm("oidc-client-ts", "dist", "browser"),
    },
  });
  // One Chromium: launched with a persistent profile, whose own context is a returning visitor's browser (disk
  // HTTP cache, V8/wasm code cache); browser.newContext() gives the fresh (incognito-like) contexts.
  const profile = join(tmp, "profile");
  const persistent = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: process.env.BENCH_JS_FLAGS ? [...chromiumArgs, `--js-flags=${process.env.BENCH_JS_FLAGS}`] : chromiumArgs,
  });
  const browser = persistent.browser();
  await newContext(browser, env, persistent);
  for (const p of persistent.pages()) await p.close().catch(() => {});
  const R = {}; // figure → lib → [values]
  const push = (fig, lib, v) => ((R[fig] ||= {})[lib] ||= []).push(v);
  const diag = { "ready-cold": [], "ready-warm": [], "ready-warm-incognito": [], "ready-warm-nocache": [], "ready-warm-tab": [] };
  const traces = [];
  const extra = { popup: [], heap: null, early: [] };
  try {
    // What a CDN sends for hashed file names (the repeat-visit row); the dev servers' own no-cache + validators is
    // the "no-cache" row.
    const immutable = { "Cache-Control": "public, max-age=31536000, immutable" };
    const cacheable = immutable;

    // Warm-up (not counted): one load per library, so the host server and Chromium are not charged to the
    // first repetition.
    env.setHostHeaders(cacheable);
    for (const lib of [...LIBS, FLOOR]) await readyRun(browser, env, lib);

    // 1. ready, cold (the floor binary interleaved: goal 2's reference)
    log("ready, cold");
    for (let i = 0; i < (want("cold") ? REPS : 0); i++) {
      for (const lib of i % 2 ? [...LIBS, FLOOR] : [FLOOR, ...LIBS]) {
        const r = await readyRun(browser, env, lib);
        push("ready-cold", lib.key, r.ready);
        if (lib.key === "corti") diag["ready-cold"].push(wasmBreakdown(r));
      }
    }

    // 2. ready, warm: the cache primed by two loads, then REPS loads in the same context.
    //    ready-warm           the persistent profile, Cache-Control: max-age=31536000, immutable (a repeat visit)
    //    ready-warm-incognito one browser.newContext() per library, the same headers (in-memory HTTP cache)
    //    ready-warm-nocache   the persistent profile, the dev server's Cache-Control: no-cache with validators (304s)
    for (const [fig, headers, incognito] of [["ready-warm", cacheable, false], ["ready-warm-incognito", cacheable, true], ["ready-warm-nocache", {}, false]]) {
      if (!want("warm")) break;
      log(fig);
      env.setHostHeaders(headers);
      const ctxs = {};
      for (const lib of LIBS) {
        ctxs[lib.key] = incognito ? await newContext(browser, env) : persistent;
        // The priming loads stay open PRIME_MS: V8 writes a wasm module to the code cache only after it has
        // tiered up (or a timeout after the first tier-up), so a page closed at once primes the HTTP cache only.
        await readyRun(browser, env, lib, ctxs[lib.key], PRIME_MS);
        await readyRun(browser, env, lib, ctxs[lib.key], PRIME_MS);
      }
      for (let i = 0; i < REPS; i++) {
        for (const lib of LIBS) {
          const r = await readyRun(browser, env, lib, ctxs[lib.key]);
          push(fig, lib.key, r.ready);
          if (lib.key === "corti") diag[fig].push(wasmBreakdown(r));
        }
      }
      if (incognito) for (const c of Object.values(ctxs)) await c.close();
    }
    // ready-warm-tab: the next page in the same tab (a reload, an app's next page, the login's callback page):
    // one page per library in a fresh context, navigated to the library's page again for each repetition.
    if (want("warm")) {
      log("ready-warm-tab");
      env.setHostHeaders(cacheable);
      const tabs = {};
      for (const lib of LIBS) {
        const ctx = await newContext(browser, env);
        tabs[lib.key] = { ctx, page: await ctx.newPage() };
        await openReady(tabs[lib.key].page, env, lib);
      }
      for (let i = 0; i < REPS; i++) {
        for (const lib of LIBS) {
          const r = await openReady(tabs[lib.key].page, env, lib);
          push("ready-warm-tab", lib.key, r.ready);
          if (lib.key === "corti") diag["ready-warm-tab"].push(wasmBreakdown(r));
        }
      }
      for (const t of Object.values(tabs)) await t.ctx.close();
    }
    env.setHostHeaders(cacheable);

    // 3. authorize URL per call
    if (want("authorize")) {
      log("authorize URL");
      const pages = {};
      const ctx = await newContext(browser, env);
      for (const lib of LIBS) {
        pages[lib.key] = await ctx.newPage();
        await openReady(pages[lib.key], env, lib);
        await pages[lib.key].evaluate((n) => window.bench.authorizeEach(n), CALLS); // warm-up (JIT), untimed
        await pages[lib.key].evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
      }
      for (let i = 0; i < REPS; i++) {
        for (const lib of LIBS) {
          const p = pages[lib.key];
          push("authorize", lib.key, await p.evaluate((n) => window.bench.authorizeEach(n), CALLS));
          push("authorize-pile", lib.key, await p.evaluate((n) => window.bench.authorizeBatch(n), CALLS));
          await p.evaluate(() => { localStorage.clear(); sessionStorage.clear(); });
        }
      }
      await ctx.close();
    }

    // 4. login and refresh round trips
    if (want("login")) log("login + refresh");
    for (const lib of want("login") ? LIBS : []) await loginRun(browser, env, lib); // warm-up
    for (let i = 0; i < (want("login") ? REPS : 0); i++) {
      for (const lib of LIBS) {
        const r = await loginRun(browser, env, lib);
        push("login", lib.key, r.login);
        push("login-callback", lib.key, r.callback);
        push("refresh", lib.key, r.refresh);
        push("refresh-steady", lib.key, r.steady);
        push("refresh-bare", lib.key, r.bare);
        if (r.restore?.missing) extra.restoreMissing = r.restore.missing;
        else if (r.restore) push("restore", lib.key, r.restore.ms);
      }
      // 4b. popup sign-in, in the same repetition
      if (want("popup")) {
        const p = await popupRun(browser, env);
        if (p.missing) extra.popupMissing = p.missing;
        else push("login-popup", "corti", p.ms);
      }
    }

    // 4c. goal 7: heap and goroutines over refresh and mount/destroy cycles
    if (want("heap")) {
      log(`heap: ${HEAP_REFRESHES} refreshes, ${HEAP_MOUNTS} mount/destroy cycles`);
      extra.heap = await heapRun(browser, env, statsWasm).catch((e) => ({ error: String(e.message || e) }));
    }

    // 4d. goal 5: the early mount, from web/bench/early-mount.mjs
    if (want("early")) {
      log("early mount");
      extra.early = await earlyMountRows(browser, env).catch((e) => [{ goal: 5, row: "early mount", missing: `failed: ${String(e.message || e).split("\n")[0]}` }]);
    }

    // 5. one traced cold and one traced warm start of corti-auth (diagnostics)
    if (process.env.BENCH_TRACE !== "0" && want("trace")) {
      log("start-up traces");
      env.setHostHeaders(cacheable);
      for (const [label, ctx] of [["cold (fresh context)", null], ["repeat visit (the profile, immutable)", persistent]]) {
        const t = await traceStartup(browser, env, ctx).catch((e) => ({ error: String(e.message || e) }));
        traces.push({ label, ...t });
      }
    }
  } finally {
    var chromiumVersion = browser.version();
    await persistent.close().catch(() => {});
    await env.close().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
  const load1 = loadavg();

  // ---------- report ----------
  const figures = [
    ["ready-cold", "navigation → API ready, cold (fresh context)"],
    ["ready-warm", "navigation → API ready, repeat visit (same profile, immutable)"],
    ["ready-warm-incognito", "navigation → API ready, warm (same incognito context, immutable)"],
    ["ready-warm-nocache", "navigation → API ready, warm (same profile, dev server's no-cache + validators)"],
    ["ready-warm-tab", "navigation → API ready, next page in the same tab (immutable)"],
    ["authorize", `authorize URL built, per call (mean of ${CALLS}, one pending login at a time)`],
    ["authorize-pile", `authorize URL built, per call (${CALLS} back to back, pending logins piling up)`],
    ["login", "login round trip (click → tokens in hand)"],
    ["login-callback", "of which the callback page: its navigation start → tokens in hand"],
    ["login-popup", "popup sign-in (click → tokens in the opener; corti-auth only)"],
    ["restore", "resume after reload: navigation → session (restore() / check-sso with a silent-check page)"],
    ["refresh", "refresh round trip (refresh_token grant)"],
    ["refresh-steady", `refresh round trip, steady (median of ${STEADY} in a row on one page)`],
    ["refresh-bare", `the same grant with a bare fetch from that page, no library (median of ${STEADY}; the floor)`],
  ];
  const S = {};
  for (const [fig] of figures) for (const lib of [...LIBS, FLOOR]) (S[fig] ||= {})[lib.key] = stats(R[fig]?.[lib.key] || []);
  const goals = goalRows({ S, size, diag, extra, traces });
  let rev = "";
  try { rev = execFileSync("git", ["describe", "--tags", "--always", "--dirty"], { cwd: root }).toString().trim(); } catch {}
  const out = [];
  out.push(`## corti-auth benchmark — ${started.toISOString()}`);
  out.push("");
  out.push(`${REPS} repetitions per timed figure (median / p90, nearest rank), libraries interleaved; Chromium ${chromiumVersion} (headless), ` +
    `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model?.trim() || "cpu"}; load average ${load0.map((x) => x.toFixed(2)).join(" ")} at the start, ` +
    `${load1.map((x) => x.toFixed(2)).join(" ")} at the end; corti-auth ${rev || "?"}, keycloak-js ${pkgVersion("keycloak-js")}, oidc-client-ts ${pkgVersion("oidc-client-ts")}. ` +
    `Same local provider (oidc-provider shaped like Keycloak) and public client for all three.` +
    (process.env.BENCH_JS_FLAGS ? ` **Chromium ran with --js-flags=${process.env.BENCH_JS_FLAGS}** (a diagnostic run, not a user's browser).` : "") +
    (process.env.BENCH_DIST ? ` corti-auth served from ${process.env.BENCH_DIST}.` : ""));
  out.push("");
  out.push("### Goals (issue 17): each row's figure, what it is held against in this run, the ratio and the verdict");
  out.push("");
  out.push("| goal | row | measured | against | ratio | target | result |");
  out.push("|---|---|---:|---:|---:|---|---|");
  for (const g of goals) out.push(`| ${g.goal} | ${g.row} | ${g.measured} | ${g.against ?? "–"} | ${g.ratio ?? "–"} | ${g.target ?? "–"} | ${g.result} |`);
  out.push("");
  for (const g of goals) if (g.note) out.push(`- goal ${g.goal}, ${g.row}: ${g.note}`);
  out.push("");
  out.push("| figure | corti-auth median / p90 | keycloak-js median / p90 | oidc-client-ts median / p90 | corti / keycloak-js | corti / oidc-client-ts |");
  out.push("|---|---:|---:|---:|---:|---:|");
  for (const row of size.rows) {
    for (const k of ["raw", "gzip", "brotli"]) {
      out.push(`| size, ${row.what}, ${k} | ${fmtBytes(row.corti[k])} | ${fmtBytes(row.keycloak[k])} | ${fmtBytes(row.oidc[k])} | ${ratio(row.corti[k], row.keycloak[k])} | ${ratio(row.corti[k], row.oidc[k])} |`);
    }
  }
  for (const [fig, label] of figures) {
    const s = S[fig];
    const cell = (x) => (x.n ? `${fmtMs(x.median)} / ${fmtMs(x.p90)}` : "–");
    out.push(`| ${label} | ${cell(s.corti)} | ${cell(s.keycloak)} | ${cell(s.oidc)} | ${ratio(s.corti.median, s.keycloak.median)} | ${ratio(s.corti.median, s.oidc.median)} |`);
  }
  out.push("");
  out.push("Files measured: " + size.files.join("; ") + ".");
  out.push("");
  out.push("What each figure is: **ready** — in the page, `performance.now()` (from `performance.timeOrigin`, the navigation start) when " +
    "corti-auth's `load()` resolved / keycloak-js's `new Keycloak({url, realm, clientId})` + `init({checkLoginIframe: false, pkceMethod: 'S256'})` " +
    "resolved (no `onLoad`, so no check-sso iframe and no request; `checkLoginIframe: false` also skips the 3rd-party-cookie check iframe) / oidc-client-ts's `new UserManager({...})` returned. " +
    "**authorize URL** — `client.authorizeURL()` / `kc.createLoginUrl()` / `new OidcClient(settings).createSigninRequest({})` " +
    "(all three store the pending login in storage and are async; first row: storage cleared after each call, untimed — " +
    "the usual case; second row: the calls back to back, so up to BENCH_CALLS pending logins sit in storage, as abandoned logins do for their TTL). " +
    "**login** — from the click handler to tokens in hand on the callback page (`handleCallback()` / `init()` / `signinRedirectCallback()`), " +
    "the provider's form filled and submitted by Playwright (its time counts for all three alike). " +
    "**refresh** — `session.refresh()` / `kc.updateToken(-1)` / `mgr.signinSilent()` (a refresh_token grant: the user has a refresh token). " +
    "keycloak-js runs with two page shims for the local provider (web/bench/pages/keycloak.html): its token requests go without " +
    "`credentials: 'include'` (the provider sends no Access-Control-Allow-Credentials, real Keycloak does) and the provider's opaque refresh " +
    "token is wrapped in a JWT-shaped envelope (keycloak-js decodes refresh tokens as JWTs, Keycloak's are). " +
    "**ready, warm** — the same context with its cache primed by two loads left open BENCH_PRIME_MS each; \"profile\" is the persistent " +
    "profile Chromium was launched with (disk cache), \"incognito\" a `browser.newContext()` (in-memory cache); \"next page in the same tab\" " +
    "navigates one page of a fresh context to the library's page again, as a reload or the login's callback page does. " +
    "**callback page** — the login's last leg alone: from the callback page's navigation start to tokens in hand. " +
    "**steady** — after the timed refresh, the median of BENCH_STEADY more in a row on the same page. **bare fetch** — the same " +
    "refresh_token grant sent by the page with `fetch` and `response.json()`, no library: what the provider and the browser cost.");

  // corti-auth start-up breakdown
  const bd = (arr, k) => stats(arr.map((x) => x[k]));
  out.push("");
  out.push("### corti-auth start-up breakdown (medians over the same repetitions)");
  out.push("");
  out.push("| run | ready | module script starts | wasm fetch (resource timing) | instantiateStreaming (fetch + compile + instantiate) | compile after download | Go start-up → namespace ready | instantiateStreaming used | wasm from cache |");
  out.push("|---|---:|---:|---:|---:|---:|---:|---|---|");
  for (const [name, fig] of [["cold", "ready-cold"], ["repeat visit, profile, immutable", "ready-warm"], ["warm, incognito, immutable", "ready-warm-incognito"], ["warm, profile, no-cache + validators", "ready-warm-nocache"], ["next page, same tab", "ready-warm-tab"]]) {
    const arr = diag[fig];
    if (!arr.length) continue;
    out.push(`| ${name} | ${fmtMs(S[fig].corti.median)} | ${fmtMs(bd(arr, "moduleStart").median)} | ${fmtMs(bd(arr, "wasmFetch").median)} | ${fmtMs(bd(arr, "instantiate").median)} | ` +
      `${fmtMs(bd(arr, "afterDownload").median)} | ${fmtMs(bd(arr, "goStart").median)} | ${arr.every((x) => x.streaming) ? "yes" : `no (${arr.find((x) => !x.streaming)?.fallbackError || "?"})`} | ` +
      `${arr.filter((x) => x.wasmCached).length}/${arr.length} |`);
  }
  out.push("");
  out.push("(module script starts: corti.js evaluated, i.e. the HTML, corti.js and corti-auth.js (with wasm_exec.js inside) fetched; " +
    "wasm from cache: resource timing's transferSize 0.)");
  for (const t of traces) {
    out.push("");
    if (t.error) { out.push(`(start-up trace, ${t.label}, failed: ${t.error})`); continue; }
    out.push(`### One traced start of corti-auth, ${t.label}: ready ${fmtMs(t.ready)} (instantiateStreaming ${fmtMs(t.wasm.instantiate)}, ` +
      `Go start-up ${fmtMs(t.wasm.goStart)}); Performance.getMetrics: ScriptDuration ${fmtMs(t.metrics.ScriptDuration * 1000)}, ` +
      `TaskDuration ${fmtMs(t.metrics.TaskDuration * 1000)}, JS heap ${fmtBytes(t.metrics.JSHeapUsedSize)} used of ${fmtBytes(t.metrics.JSHeapTotalSize)}; ` +
      `wasm code-cache events: ${t.wasmCache.length ? t.wasmCache.map((v) => `${v.name} ×${v.count} ${fmtMs(v.total)}`).join(", ") : "none"}`);
    out.push("");
    out.push("| trace event (the whole browser during the load) | total | count | longest |");
    out.push("|---|---:|---:|---:|");
    for (const e of t.top) out.push(`| ${e.name} | ${fmtMs(e.total)} | ${e.count} | ${fmtMs(e.max)} |`);
  }
  out.push(goBenchSection());
  const md = out.join("\n") + "\n";
  console.log(md);
  writeFileSync(OUT, md);
  log(`written to ${relative(process.cwd(), OUT) || OUT}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
