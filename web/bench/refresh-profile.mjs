// Where a refresh round trip's time goes: signs in on the corti bench page, times N session.refresh() calls one by
// one (the first ones run cold code), then takes a CPU profile (CDP Profiler) over N more and prints self and
// inclusive time by function. Needs a wasm with its name section for Go names (see profile.mjs).
// Usage: node web/bench/refresh-profile.mjs [dist folder]; REFRESHES (30), PROFILE=0 (times only), TREE_MIN (0.04 ms),
// GODEBUG_PAGE (GODEBUG for the Go program, e.g. gctrace=1: the GC lines printed during each refresh are shown).
import { launch, benchContext, fillLoginForm, walkProfile, addSample, addToTree, printTree, printTop } from "./diag.mjs";
import { median as med } from "./stats.mjs";
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
  console.log("refresh ms, one by one:", times.map((x) => x.toFixed(1)).join(" "));
  // The same grant with a bare fetch, interleaved with session.refresh() calls: the overhead over the floor.
  const pairs = await page.evaluate(async (n) => {
    const out = [];
    for (let i = 0; i < n; i++) out.push([await window.bench.refresh(), await window.bench.bareRefresh()]);
    return out;
  }, N);
  console.log(`median ${med(times).toFixed(2)} ms, of the last half ${med(times.slice(N >> 1)).toFixed(2)} ms; ` +
    `interleaved with a bare fetch: library ${med(pairs.map((p) => p[0])).toFixed(2)} ms, bare ${med(pairs.map((p) => p[1])).toFixed(2)} ms, ` +
    `difference ${med(pairs.map((p) => p[0] - p[1])).toFixed(2)} ms`);
  if (process.env.PROFILE !== "0") {
    const cdp = await ctx.newCDPSession(page);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
    await cdp.send("Profiler.start");
    const t2 = [];
    for (let i = 0; i < N; i++) t2.push(await page.evaluate(() => window.bench.refresh()));
    const { profile } = await cdp.send("Profiler.stop");
    console.log("refresh ms, profiled:", t2.map((x) => x.toFixed(1)).join(" "));
    const self = new Map(), incl = new Map(), tree = new Map();
    let total = 0;
    walkProfile(profile, (names, dt) => { total += dt; addSample(self, incl, names, dt); addToTree(tree, names, dt); });
    const show = { top: Number(process.env.TOP || 40), per: N, unit: "ms/refresh" };
    console.log("--- tree below Go's entry (ms per refresh)");
    printTree(tree, { per: N, minMs: Number(process.env.TREE_MIN || 0.04) });
    console.log("--- self"); printTop(self, total, show);
    console.log("--- inclusive"); printTop(incl, total, show);
  }
} finally {
  await close();
}
