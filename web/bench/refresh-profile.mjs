// Where a refresh round trip's time goes: signs in on the corti bench page, times N session.refresh() calls one by
// one (the first ones run cold code), then takes a CPU profile (CDP Profiler) over N more and prints self and
// inclusive time by function. Needs a wasm with its name section for Go names (see profile.mjs).
// Usage: node web/bench/refresh-profile.mjs [dist folder]; REFRESHES (30), PROFILE=0 (times only), TREE_MIN (0.04 ms),
// GODEBUG_PAGE (GODEBUG for the Go program, e.g. gctrace=1: the GC lines printed during each refresh are shown).
import { launch, benchContext, fillLoginForm } from "./diag.mjs";
const N = Number(process.env.REFRESHES || 30);
const { env, browser, close } = await launch();
try {
  const ctx = await benchContext(browser, env, { godebug: process.env.GODEBUG_PAGE || "" });
  const page = await ctx.newPage();
  const consoleLines = [];
  page.on("console", (m) => consoleLines.push(m.text()));
  await fillLoginForm(page, env);
  await page.click("#kc-login");
  await page.waitForFunction(() => window.bench && window.bench.login);
  const times = [];
  for (let i = 0; i < N; i++) {
    const before = consoleLines.length;
    times.push(await page.evaluate(() => window.bench.refresh()));
    await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
    if (process.env.GODEBUG_PAGE) {
      const during = consoleLines.slice(before).filter((l) => /^gc \d+/.test(l));
      console.log(`refresh ${i + 1}: ${times[i].toFixed(1)} ms${during.length ? "  " + during.join(" | ") : ""}`);
    }
  }
  const med = (xs) => { const a = [...xs].sort((x, y) => x - y); return a.length % 2 ? a[(a.length - 1) / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2; };
  console.log("refresh ms, one by one:", times.map((x) => x.toFixed(1)).join(" "));
  // The same grant with a bare fetch, interleaved with session.refresh() calls: the overhead over the floor.
  const pairs = await page.evaluate(async ({ n, B }) => {
    const out = [];
    for (let i = 0; i < n; i++) {
      const lib = await window.bench.refresh();
      const t = performance.now();
      const resp = await fetch(B.tokenURL, { method: "POST", credentials: "omit", body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: window.bench.refreshToken(), client_id: B.clientId }) });
      const j = await resp.json();
      if (!resp.ok) throw new Error(`bare refresh: HTTP ${resp.status} ${j.error}`);
      out.push([lib, performance.now() - t]);
      await window.bench.refresh(); // the session's refresh token may have been rotated by the bare grant: one more to be sure it still works
    }
    return out;
  }, { n: N, B: { tokenURL: `${env.issuer}/protocol/openid-connect/token`, clientId: env.clients.public } });
  console.log(`median ${med(times).toFixed(2)} ms, of the last half ${med(times.slice(N >> 1)).toFixed(2)} ms; ` +
    `interleaved with a bare fetch: library ${med(pairs.map((p) => p[0])).toFixed(2)} ms, bare ${med(pairs.map((p) => p[1])).toFixed(2)} ms, ` +
    `difference ${med(pairs.map((p) => p[0] - p[1])).toFixed(2)} ms`);
  if (process.env.PROFILE === "0") throw Object.assign(new Error("done"), { done: true });
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
  await cdp.send("Profiler.start");
  const t2 = [];
  for (let i = 0; i < N; i++) t2.push(await page.evaluate(() => window.bench.refresh()));
  const { profile } = await cdp.send("Profiler.stop");
  console.log("refresh ms, profiled:", t2.map((x) => x.toFixed(1)).join(" "));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map(); for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const self = new Map(), incl = new Map(); let total = 0;
  const name = (n) => n.callFrame.functionName || n.callFrame.url.split("/").pop() || "(anon)";
  profile.samples.forEach((id, i) => {
    const d = profile.timeDeltas[i] || 0; total += d;
    const k = name(byId.get(id)); self.set(k, (self.get(k) || 0) + d);
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) { const k = name(byId.get(x)); if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) || 0) + d); } }
  });
  const top = Number(process.env.TOP || 40);
  const show = (m) => { for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log((v / 1000 / N).toFixed(3).padStart(8), "ms/refresh", (100 * v / total).toFixed(1).padStart(5) + "%", k); };
  // Top-down tree (merged by call path) below Go's entry points, nodes of ≥ TREE_MIN ms per refresh.
  const treeMin = Number(process.env.TREE_MIN || 0.04) * 1000 * N;
  const tree = new Map();
  profile.samples.forEach((id, i) => {
    const d = profile.timeDeltas[i] || 0; const path = [];
    for (let x = id; x !== undefined; x = parent.get(x)) path.unshift(name(byId.get(x)));
    const at = path.findIndex((k) => k === "wasm_export_resume" || k === "wasm_export_run");
    if (at < 0) return;
    let level = tree;
    for (const k of path.slice(at)) { if (!level.has(k)) level.set(k, { t: 0, kids: new Map() }); const n = level.get(k); n.t += d; level = n.kids; }
  });
  const printTree = (level, depth) => { for (const [k, n] of [...level].sort((a, b) => b[1].t - a[1].t)) { if (n.t < treeMin) continue; console.log((n.t / 1000 / N).toFixed(3).padStart(8), " ".repeat(depth * 2) + k); printTree(n.kids, depth + 1); } };
  console.log("--- tree below Go's entry (ms per refresh)"); printTree(tree, 0);
  console.log("--- self"); show(self);
  console.log("--- inclusive"); show(incl);
} catch (e) {
  if (!e.done) throw e;
} finally {
  await close();
}
