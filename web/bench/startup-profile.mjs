// Where corti-auth's start-up goes: REPS (5) cold loads of the corti bench page (a fresh context each), a CPU profile
// (CDP Profiler, 50 µs) from navigation to load() resolved; prints self and inclusive time by function over all
// loads, and the children of WATCH (runtime.schedinit, runtime.doInit1, runtime.main, …: comma-separated names).
// Go names need a wasm with its name section (see profile.mjs). Usage: node web/bench/startup-profile.mjs [dist folder].
import { launch, benchContext, walkProfile, addSample, printTop } from "./diag.mjs";
const { env, browser, close } = await launch();
const agg = new Map(), incl = new Map(), edges = new Map(); let total = 0;
const WATCH = new Set((process.env.WATCH || "runtime.schedinit,runtime.doInit1,runtime.main,runtime.mcommoninit,github.com_corti_auth_corti_auth_bridge.Init,github.com_corti_auth_corti_auth_bridge.Namespace,main.main").split(","));
for (let rep = 0; rep < Number(process.env.REPS || 5); rep++) {
const ctx = await benchContext(browser, env);
const page = await ctx.newPage();
await page.goto(`${env.hostURL}/bench/none.txt`); // same origin first: the profiler then sees the navigation
const cdp = await ctx.newCDPSession(page);
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
await cdp.send("Profiler.start");
await page.goto(`${env.hostURL}/bench/corti.html`);
await page.waitForFunction(() => window.bench && window.bench.ready);
const ready = await page.evaluate(() => window.bench.ready);
const { profile } = await cdp.send("Profiler.stop");
walkProfile(profile, (names, dt) => {
  total += dt;
  addSample(agg, incl, names, dt);
  const seen = new Set(); // caller > callee edges below WATCH, each once per sample
  for (let i = 1; i < names.length; i++) {
    const e = names[i - 1] + " > " + names[i];
    if (WATCH.has(names[i - 1]) && !seen.has(e)) { seen.add(e); edges.set(e, (edges.get(e) || 0) + dt); }
  }
});
console.log("ready", ready.toFixed(1));
await ctx.close();
}
const top = Number(process.env.TOP || 40);
console.log("--- self (all loads)");
printTop(agg, total, { top });
console.log("--- inclusive");
printTop(incl, total, { top });
console.log("--- children of watched functions (inclusive)");
for (const [k, v] of [...edges].sort((a, b) => a[0].split(" > ")[0].localeCompare(b[0].split(" > ")[0]) || b[1] - a[1])) if (v >= 1000) console.log((v / 1000).toFixed(1).padStart(8), "ms", k);
await close();
