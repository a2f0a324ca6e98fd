// Where the callback page's time goes after start-up: REPS (4) logins on the corti bench page, a CPU profile (CDP
// Profiler, 50 µs) from the provider form's submit to tokens in hand; prints the Go call tree below wasm resumes
// (nodes of at least TREE_MIN ms per login, default 0.5). Go names need a wasm with its name section (see
// profile.mjs). Usage: node web/bench/login-profile.mjs [dist folder].
import { launch, benchContext, fillLoginForm } from "./diag.mjs";
const { env, browser, close } = await launch();
const tree = new Map(); let runs = 0;
const name = (n) => n.callFrame.functionName || n.callFrame.url.split("/").pop() || "(anon)";
for (let rep = 0; rep < Number(process.env.REPS || 4); rep++) {
  const ctx = await benchContext(browser, env);
  const page = await ctx.newPage();
  await fillLoginForm(page, env);
  const cdp = await ctx.newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
  await cdp.send("Profiler.start");
  await page.click("#kc-login");
  await page.waitForFunction(() => window.bench && window.bench.login);
  const l = await page.evaluate(() => ({ ...window.bench.login, ready: window.bench.ready }));
  const { profile } = await cdp.send("Profiler.stop");
  console.log("ready", l.ready.toFixed(1), "done", l.callbackDone.toFixed(1), "profile span ms", ((profile.endTime - profile.startTime) / 1000).toFixed(1));
  runs++;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map(); for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  profile.samples.forEach((id, i) => {
    const d = profile.timeDeltas[i] || 0; const path = [];
    for (let x = id; x !== undefined; x = parent.get(x)) path.unshift(name(byId.get(x)));
    const at = path.findIndex((k) => k === "wasm_export_resume");
    if (at < 0) return;
    let level = tree;
    for (const k of path.slice(at)) { if (!level.has(k)) level.set(k, { t: 0, kids: new Map() }); const n = level.get(k); n.t += d; level = n.kids; }
  });
  await ctx.close();
}
const min = Number(process.env.TREE_MIN || 0.5) * 1000 * runs;
const pr = (level, depth) => { for (const [k, n] of [...level].sort((a, b) => b[1].t - a[1].t)) { if (n.t < min || depth > 14) continue; console.log((n.t / 1000 / runs).toFixed(2).padStart(8), " ".repeat(depth * 2) + k); pr(n.kids, depth + 1); } };
pr(tree, 0);
await close();
