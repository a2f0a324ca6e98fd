// What the mandated dependencies alone cost: builds web/bench/floor (safejs + golang-jwt/jwt/v5, one JWT parse,
// the loader's handshake, nothing else) with the Makefile's flags and compares it with dist/corti-auth.wasm —
// sizes, and navigation → load() resolved in Chromium (a fresh context per load, the two interleaved, BENCH_REPS
// times; median / p90), split into the instantiateStreaming span and Go's start-up until the namespace is handed over.
// Usage (after make build): node web/bench/floor.mjs; appends its table to BENCH_OUT when that is set.
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync, copyFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { startEnv } from "../dev/env.mjs";
import { chromiumArgs } from "../e2e/harness.mjs";
import { sizes } from "./size.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const REPS = Math.max(1, Number(process.env.BENCH_REPS || 20) | 0);
const tmp = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-floor-"));
process.env.TMPDIR = tmp; // Chromium leaves profile folders behind
const median = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const p90 = (xs) => { const s = xs.filter(Number.isFinite).sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(0.9 * s.length) - 1)]; };

const floorDist = join(tmp, "floor");
execFileSync("mkdir", ["-p", floorDist]);
// The Makefile's flags for dist/corti-auth.wasm (less its -X main.version, which the floor has not).
const args = ["build", "-trimpath", "-ldflags=-s -w", "-o", join(floorDist, "corti-auth.wasm"), "./web/bench/floor"];
execFileSync(process.env.GO || "go", args, { cwd: root, env: { ...process.env, GOOS: "js", GOARCH: "wasm" }, stdio: "inherit" });
for (const f of ["corti-auth.js", "wasm_exec.js"]) copyFileSync(join(root, "dist", f), join(floorDist, f));

const variants = [
  { key: "corti", name: "corti-auth.wasm", prefix: "/a/", dir: join(root, "dist") },
  { key: "floor", name: "floor (safejs + jwt/v5 only)", prefix: "/b/", dir: floorDist },
];
const env = await startEnv({ staticRoots: { "/bench/": join(root, "web/bench/pages"), "/a/": variants[0].dir, "/b/": variants[1].dir } });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: chromiumArgs });
const R = { corti: [], floor: [] };
try {
  for (let i = 0; i < REPS + 1; i++) {
    for (const v of variants) {
      const ctx = await browser.newContext();
      try {
        const page = await ctx.newPage();
        await page.goto(`${env.hostURL}/bench/ready.html?d=${v.prefix}&n=${i}`);
        await page.waitForFunction(() => window.readyAt !== undefined, null, { timeout: 60000 });
        const r = await page.evaluate(() => ({ ready: window.readyAt, m: { ...window.__m } }));
        if (i > 0) R[v.key].push(r); // the first round warms the server and the disk
      } finally {
        await ctx.close();
      }
    }
  }
} finally {
  await browser.close();
  await env.close();
}
const fmt = (x) => `${x.toFixed(1)} ms`;
const rows = variants.map((v) => {
  const s = sizes(join(v.dir, "corti-auth.wasm"));
  const rs = R[v.key];
  const ready = rs.map((r) => r.ready);
  const inst = rs.map((r) => r.m.instantiateStreamingEnd - r.m.instantiateStreamingStart);
  const go = rs.map((r) => r.ready - r.m.instantiateStreamingEnd);
  return `| ${v.name} | ${(s.raw / 1e6).toFixed(3)} MB | ${(s.brotli / 1e6).toFixed(3)} MB | ${fmt(median(ready))} / ${fmt(p90(ready))} | ${fmt(median(inst))} | ${fmt(median(go))} |`;
});
const out = [
  "",
  `### The floor: the mandated dependencies alone (web/bench/floor, ${REPS} cold loads each, interleaved)`,
  "",
  "| wasm | raw | brotli | navigation → load() resolved, median / p90 | instantiateStreaming (fetch + compile + instantiate) | Go start-up → namespace |",
  "|---|---:|---:|---:|---:|---:|",
  ...rows,
  "",
].join("\n");
console.log(out);
if (process.env.BENCH_OUT) appendFileSync(process.env.BENCH_OUT, out + "\n");
rmSync(tmp, { recursive: true, force: true });
