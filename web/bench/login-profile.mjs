// Where the callback page's time goes after start-up: REPS (4) logins on the corti bench page, a CPU profile (CDP
// Profiler, 50 µs) from the provider form's submit to tokens in hand; prints the Go call tree below wasm resumes
// (nodes of at least TREE_MIN ms per login, default 0.5). Go names need a wasm with its name section (see
// profile.mjs). Usage: node web/bench/login-profile.mjs [dist folder].
import { launch, benchContext, fillLoginForm, walkProfile, addToTree, printTree } from "./diag.mjs";
const { env, browser, close } = await launch();
const tree = new Map(); let runs = 0;
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
  walkProfile(profile, (names, dt) => addToTree(tree, names, dt, ["wasm_export_resume"]));
  await ctx.close();
}
printTree(tree, { per: runs, minMs: Number(process.env.TREE_MIN || 0.5), maxDepth: 14 });
await close();
