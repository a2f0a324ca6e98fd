// CPU profile of corti-auth's client.authorizeURL() in Chromium (CDP Profiler), self and inclusive time by
// function. Function names need a wasm with its name section: build one without -s -w, e.g.
//   mkdir -p /tmp/prof-dist && cp dist/*.js /tmp/prof-dist/ &&
//   GOOS=js GOARCH=wasm go build -trimpath -o /tmp/prof-dist/corti-auth.wasm . && node web/bench/profile.mjs /tmp/prof-dist
// Argument: the dist folder to serve (default dist/). PROFILE_CLEAR=0 lets pending logins pile up.
import { launch, benchContext } from "./diag.mjs";
const { env, browser, close } = await launch();
const ctx = await benchContext(browser, env);
const page = await ctx.newPage();
const cdp = await ctx.newCDPSession(page);
await page.goto(`${env.hostURL}/bench/corti.html`);
await page.waitForFunction(() => document.body.dataset.ready === "1");
const method = process.env.PROFILE_CLEAR === "0" ? "authorizeBatch" : "authorizeEach";
await page.evaluate((m) => window.bench[m](20), method);
await cdp.send("Profiler.enable");
await cdp.send("Profiler.setSamplingInterval", { interval: 100 });
await cdp.send("Profiler.start");
const per = await page.evaluate(async (m) => { const r = []; for (let i = 0; i < 5; i++) { r.push(await window.bench[m](20)); localStorage.clear(); } return r; }, method);
const { profile } = await cdp.send("Profiler.stop");
console.log("per call ms", per.map((x) => x.toFixed(2)).join(" "));
const self = new Map(); const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const dt = profile.timeDeltas; let total = 0;
profile.samples.forEach((id, i) => { const n = byId.get(id); const k = n.callFrame.functionName || n.callFrame.url.split("/").pop() || "(anon)"; self.set(k, (self.get(k) || 0) + (dt[i] || 0)); total += dt[i] || 0; });
for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((v / 1000).toFixed(1).padStart(8), "ms", (100 * v / total).toFixed(1).padStart(5) + "%", k);
// inclusive for a few runtime functions
const parent = new Map(); for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
const incl = new Map();
profile.samples.forEach((id, i) => { const seen = new Set(); for (let x = id; x !== undefined; x = parent.get(x)) { const k = byId.get(x).callFrame.functionName; if (seen.has(k)) continue; seen.add(k); incl.set(k, (incl.get(k) || 0) + (dt[i] || 0)); } });
console.log("--- inclusive (top 40)");
for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log((v / 1000).toFixed(1).padStart(8), "ms", (100 * v / total).toFixed(1).padStart(5) + "%", k);
await close();
