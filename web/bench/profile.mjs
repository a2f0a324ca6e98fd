// CPU profile of corti-auth's client.authorizeURL() in Chromium (CDP Profiler), self and inclusive time by
// function. Function names need a wasm with its name section: build one without -s -w, e.g.
//   mkdir -p /tmp/prof-dist && cp dist/*.js /tmp/prof-dist/ &&
//   GOOS=js GOARCH=wasm go build -trimpath -o /tmp/prof-dist/corti-auth.wasm . && node web/bench/profile.mjs /tmp/prof-dist
// Argument: the dist folder to serve (default dist/). PROFILE_CLEAR=0 lets pending logins pile up.
import { launch, benchContext, walkProfile, addSample, printTop } from "./diag.mjs";
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
const self = new Map(), incl = new Map();
let total = 0;
walkProfile(profile, (names, dt) => { total += dt; addSample(self, incl, names, dt); });
console.log("--- self (top 30)");
printTop(self, total, { top: 30 });
console.log("--- inclusive (top 40)");
printTop(incl, total);
await close();
