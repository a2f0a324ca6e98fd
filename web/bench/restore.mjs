// What restore() costs (after make build), in Chromium against the local provider: sign in once, then BENCH_REPS
// (default 20) reloads of a page that calls restore() at once, each timed in the page from the navigation start:
//   silent    reload → session by the hidden iframe (restore()), and restore() alone
//   redirect  reload → session by a top-level prompt=none navigation (restore({silent: false, redirect: true})):
//             the provider, the callback page's own load of the wasm, the code exchange
// Median and p90. Every repetition also counts the code exchanges at the provider (one each).
//   node web/bench/restore.mjs          BENCH_REPS=40 node web/bench/restore.mjs
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startEnv } from "../dev/env.mjs";
import { chromiumArgs } from "../dev/browsers.mjs";
import { stats } from "./stats.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const REPS = Math.max(1, Number(process.env.BENCH_REPS || 20) | 0);
const tmp = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "cbr-"));
process.env.TMPDIR = tmp;
const env = await startEnv({ staticRoots: { "/bench/": join(root, "web", "bench", "pages"), "/dist/": join(root, "dist") } });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: chromiumArgs });
const fmt = (s) => `median ${s.median.toFixed(0)} ms, p90 ${s.p90.toFixed(0)} ms (n ${s.n})`;
let n = 0;
try {
  const ctx = await browser.newContext();
  await ctx.addInitScript((c) => { window.BENCH = c; }, { authBaseURL: env.authBaseURL, realm: env.tenant, clientId: env.clients.public });
  const page = await ctx.newPage();
  const open = async (q) => {
    await page.goto(`${env.hostURL}/bench/restore.html?${q}&n=${++n}`);
    await page.waitForFunction(() => document.body.dataset.ready === "1");
  };
  const result = async () => {
    await page.waitForFunction(() => window.bench && window.bench.result, null, { timeout: 30000 });
    const r = await page.evaluate(() => window.bench.result);
    if (!r.ok) throw new Error(`no session: ${JSON.stringify(r)}`);
    return r;
  };
  // Sign in once (the provider's session lives in this context from now on).
  await open("mode=none");
  await page.goto(await page.evaluate(() => window.bench.client.authorizeURL({ prompt: "login" })));
  await page.fill("#username", env.user.username);
  await page.fill("#password", env.user.password);
  await page.click("#kc-login");
  await result();
  const R = { silent: [], restore: [], ready: [], redirect: [] };
  for (let i = 0; i < REPS; i++) {
    env.control.resetStats();
    await open("mode=silent");
    const s = await result();
    R.silent.push(s.total); R.restore.push(s.restore); R.ready.push(s.ready);
    await page.goto(`${env.hostURL}/bench/restore.html?mode=redirect&n=${++n}`);
    await page.waitForURL((u) => u.searchParams.has("state"), { timeout: 30000 });
    R.redirect.push((await result()).total);
    const codes = env.control.stats().token.authorization_code;
    if (codes !== 2) throw new Error(`${codes} code exchanges in repetition ${i}, expected 2`);
  }
  console.log(`restore() in Chromium, ${REPS} repetitions, load average ${loadavg()[0].toFixed(2)}:`);
  console.log(`  reload → API ready (load())                         ${fmt(stats(R.ready))}`);
  console.log(`  reload → session, silent step (hidden iframe)       ${fmt(stats(R.silent))}`);
  console.log(`    of which restore() itself                         ${fmt(stats(R.restore))}`);
  console.log(`  reload → session, redirect step (top-level)         ${fmt(stats(R.redirect))}`);
} finally {
  await browser.close().catch(() => {});
  await env.close();
  rmSync(tmp, { recursive: true, force: true });
}
