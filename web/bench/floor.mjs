// What the mandated dependencies alone cost: builds web/bench/floor (safejs + golang-jwt/jwt/v5, one JWT parse,
// the loader's handshake, nothing else) with the Makefile's flags and compares it with dist/corti-auth.wasm —
// sizes, and navigation → load() resolved in Chromium (a fresh context per load, the two interleaved, BENCH_REPS
// times; median / p90), split into the instantiateStreaming span and Go's start-up until the namespace is handed over.
// Usage (after make build): node web/bench/floor.mjs; appends its table to BENCH_OUT when that is set.
import { mkdtempSync, rmSync, mkdirSync, copyFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { root, coldLoads } from "./diag.mjs";
import { sizes } from "./size.mjs";
import { stats } from "./stats.mjs";

const REPS = Math.max(1, Number(process.env.BENCH_REPS || 20) | 0);
const tmp = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-floor-"));
process.env.TMPDIR = tmp; // Chromium leaves profile folders behind

const floorDist = join(tmp, "floor");
mkdirSync(floorDist, { recursive: true });
// The Makefile's flags for dist/corti-auth.wasm (less its -X main.version, which the floor has not).
const args = ["build", "-trimpath", "-ldflags=-s -w", "-o", join(floorDist, "corti-auth.wasm"), "./web/bench/floor"];
execFileSync(process.env.GO || "go", args, { cwd: root, env: { ...process.env, GOOS: "js", GOARCH: "wasm" }, stdio: "inherit" });
for (const f of ["corti-auth.js", "wasm_exec.js"]) copyFileSync(join(root, "dist", f), join(floorDist, f));

const variants = [
  { key: "corti", name: "corti-auth.wasm", dir: join(root, "dist") },
  { key: "floor", name: "floor (safejs + jwt/v5 only)", dir: floorDist },
];
const R = await coldLoads(variants, REPS);
const fmt = (x) => `${x.toFixed(1)} ms`;
const rows = variants.map((v) => {
  const s = sizes(join(v.dir, "corti-auth.wasm"));
  const rs = R[v.key];
  const ready = stats(rs.map((r) => r.ready));
  const inst = stats(rs.map((r) => r.marks.instantiateStreamingEnd - r.marks.instantiateStreamingStart));
  const go = stats(rs.map((r) => r.ready - r.marks.instantiateStreamingEnd));
  return `| ${v.name} | ${(s.raw / 1e6).toFixed(3)} MB | ${(s.brotli / 1e6).toFixed(3)} MB | ${fmt(ready.median)} / ${fmt(ready.p90)} | ${fmt(inst.median)} | ${fmt(go.median)} |`;
});
const out = [
  "",
  `### The floor: the mandated dependencies alone (web/bench/floor, ${REPS} cold loads each, interleaved, alternating)`,
  "",
  "| wasm | raw | brotli | navigation → load() resolved, median / p90 | instantiateStreaming (fetch + compile + instantiate) | Go start-up → namespace |",
  "|---|---:|---:|---:|---:|---:|",
  ...rows,
  "",
].join("\n");
console.log(out);
if (process.env.BENCH_OUT) appendFileSync(process.env.BENCH_OUT, out + "\n");
rmSync(tmp, { recursive: true, force: true });
