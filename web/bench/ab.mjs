// A/B of start-up: navigation → load() resolved (web/bench/pages/ready.html) for two dist folders, cold (a fresh
// context per load), interleaved and alternated, REPS (20) pairs after one warm-up pair; prints both medians and the
// median of the paired differences. PRE=1 gives B the page's preload hints (ready.html?pre=1); RTT=<ms> adds that
// much latency to every request (CDP network emulation), to see what a real network's round trips do.
// Usage (after make build): node web/bench/ab.mjs <dist A> <dist B>, e.g. node web/bench/ab.mjs dist dist with PRE=1.
import { chromium } from "playwright-core";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startEnv } from "../dev/env.mjs";
import { chromiumArgs } from "../e2e/harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const [A, B] = [resolve(process.argv[2] || "dist"), resolve(process.argv[3] || "dist")];
const REPS = Math.max(1, Number(process.env.REPS || 20) | 0);
const env = await startEnv({ staticRoots: { "/bench/": join(root, "web/bench/pages"), "/a/": A, "/b/": B } });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: chromiumArgs });
const R = { a: [], b: [] };
const med = (xs) => { const s = [...xs].sort((x, y) => x - y); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
try {
  for (let i = 0; i <= REPS; i++) {
    for (const k of i % 2 ? ["a", "b"] : ["b", "a"]) {
      const ctx = await browser.newContext();
      try {
        const page = await ctx.newPage();
        if (process.env.RTT) {
          const cdp = await ctx.newCDPSession(page);
          await cdp.send("Network.enable");
          await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: Number(process.env.RTT), downloadThroughput: -1, uploadThroughput: -1 });
        }
        await page.goto(`${env.hostURL}/bench/ready.html?d=/${k}/&n=${i}${k === "b" && process.env.PRE === "1" ? "&pre=1" : ""}`);
        await page.waitForFunction(() => window.readyAt !== undefined, null, { timeout: 60000 });
        if (i > 0) R[k].push(await page.evaluate(() => window.readyAt));
      } finally {
        await ctx.close();
      }
    }
  }
} finally {
  await browser.close();
  await env.close();
}
console.log(`A ${A}: median ${med(R.a).toFixed(1)} ms; B ${B}${process.env.PRE === "1" ? " with preload hints" : ""}: median ${med(R.b).toFixed(1)} ms; ` +
  `B − A: ${med(R.b.map((x, i) => x - R.a[i])).toFixed(1)} ms (median of ${REPS} paired differences)${process.env.RTT ? `; ${process.env.RTT} ms added latency` : ""}`);
