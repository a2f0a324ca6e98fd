// Does V8 write corti-auth.wasm to its code cache? (after make build) A persistent Chromium profile visits the bench
// page BENCH_VISITS times (default 4), each page left open BENCH_LINGER_MS (4000) so that V8 can tier up and
// serialise, then prints each visit's navigation → ready and what the profile's "Code Cache/wasm" folder holds.
// Once with Chromium's default flags, then, if CODECACHE_JS_FLAGS is set, with those V8 flags, e.g.
//   CODECACHE_JS_FLAGS="--wasm-caching-threshold=1 --wasm-caching-hard-threshold=1 --wasm-caching-timeout-ms=0" \
//     node web/bench/codecache.mjs
import { chromium } from "playwright-core";
import { mkdtempSync, readdirSync, statSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { startEnv } from "../dev/env.mjs";
import { chromiumArgs } from "../dev/browsers.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const VISITS = Math.max(1, Number(process.env.BENCH_VISITS || 4) | 0);
const LINGER = Math.max(0, Number(process.env.BENCH_LINGER_MS ?? 4000));
const tmp = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "cbc-"));
process.env.TMPDIR = tmp;
const env = await startEnv({ staticRoots: { "/bench/": join(root, "web", "bench", "pages"), "/dist/": join(root, "dist") } });
env.setHostHeaders({ "Cache-Control": "public, max-age=31536000, immutable" });
const du = (d) => {
  let bytes = 0, files = 0;
  const walk = (p) => { for (const e of readdirSync(p, { withFileTypes: true })) { const q = join(p, e.name); if (e.isDirectory()) walk(q); else { bytes += statSync(q).size; files++; } } };
  try { walk(d); } catch { /* no folder */ }
  return `${files} files, ${bytes} B`;
};
try {
  for (const flags of [null, process.env.CODECACHE_JS_FLAGS].filter((x) => x !== undefined)) {
    const prof = mkdtempSync(join(tmp, "p-"));
    const ctx = await chromium.launchPersistentContext(prof, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      args: flags ? [...chromiumArgs, `--js-flags=${flags}`] : chromiumArgs,
    });
    try {
      await ctx.addInitScript((c) => { window.BENCH = c; }, { authBaseURL: env.authBaseURL, realm: env.tenant, clientId: env.clients.public });
      const ready = [];
      for (let i = 0; i < VISITS; i++) {
        const page = await ctx.newPage(); // a new tab: no renderer's in-memory module to reuse
        await page.goto(`${env.hostURL}/bench/corti.html?n=${i}`);
        await page.waitForFunction(() => document.body.dataset.ready === "1");
        ready.push(Math.round(await page.evaluate(() => window.bench.ready)));
        await new Promise((r) => setTimeout(r, LINGER)); // the page stays open: V8 tiers up and caches meanwhile
        await page.close();
      }
      console.log(`${flags ? `--js-flags=${flags}` : "default flags"}: navigation → ready ${ready.join(", ")} ms; Code Cache/wasm: ${du(join(prof, "Default", "Code Cache", "wasm"))}`);
    } finally {
      await ctx.close();
    }
  }
} finally {
  await env.close();
  rmSync(tmp, { recursive: true, force: true });
}
