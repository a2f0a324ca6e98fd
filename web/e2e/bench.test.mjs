// The benchmarks keep working: `make bench`'s two scripts run once each with the smallest settings (one repetition,
// a few calls, no priming wait, no trace) against the real provider and Chromium, and their reports carry a
// measured number for every figure they promise — so a page or library change that breaks a bench page fails here,
// not on the day someone wants figures. Timings themselves are not asserted (that is what the bench is for).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const run = promisify(execFile);

function rows(md, header) {
  const lines = md.split("\n");
  const at = lines.findIndex((l) => l.startsWith(header));
  assert.ok(at >= 0, `no table headed ${header}`);
  const out = [];
  for (const l of lines.slice(at + 2)) {
    if (!l.startsWith("|")) break;
    out.push(l.split("|").slice(1, -1).map((c) => c.trim()));
  }
  return out;
}
const measured = (cell) => /^\d+(\.\d+)? (ms|µs|MB|kB)\b/.test(cell);

test("make bench: bench.mjs reports every figure for all three libraries, and the bare-fetch floor", { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-bench-test-"));
  try {
    const out = join(dir, "bench.md");
    await run(process.execPath, [join(root, "web/bench/bench.mjs")], {
      cwd: root,
      env: { ...process.env, TMPDIR: dir, BENCH_REPS: "1", BENCH_CALLS: "3", BENCH_STEADY: "2", BENCH_PRIME_MS: "0", BENCH_TRACE: "0", BENCH_OUT: out },
      maxBuffer: 16 << 20,
    });
    const md = readFileSync(out, "utf8");
    const table = rows(md, "| figure |");
    const names = table.map((r) => r[0]);
    for (const want of ["navigation → API ready, cold", "authorize URL built", "login round trip", "of which the callback page", "refresh round trip (refresh_token grant)", "refresh round trip, steady", "bare fetch"]) {
      assert.ok(names.some((n) => n.includes(want)), `no row for "${want}" in:\n${names.join("\n")}`);
    }
    for (const r of table) {
      assert.ok(measured(r[1]), `corti-auth has no figure for "${r[0]}": ${r[1]}`);
      if (!r[0].includes("bare fetch")) {
        assert.ok(measured(r[2]) && measured(r[3]), `keycloak-js / oidc-client-ts lack "${r[0]}": ${r[2]} | ${r[3]}`);
        assert.match(r[4], /^\d+\.\d\d×$/, `no ratio for "${r[0]}"`);
      }
    }
    assert.ok(rows(md, "| run | ready |").length >= 1, "no start-up breakdown");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("make bench: floor.mjs builds the mandated-dependencies floor and times both wasms", { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-floor-test-"));
  try {
    const out = join(dir, "floor.md");
    await run(process.execPath, [join(root, "web/bench/floor.mjs")], {
      cwd: root, env: { ...process.env, TMPDIR: dir, BENCH_REPS: "1", BENCH_OUT: out }, maxBuffer: 16 << 20,
    });
    const table = rows(readFileSync(out, "utf8"), "| wasm |");
    assert.equal(table.length, 2);
    const [corti, floor] = table;
    assert.match(corti[0], /corti-auth/);
    assert.match(floor[0], /floor/);
    for (const r of table) for (const c of r.slice(1)) assert.ok(/^\d+\.\d+ (MB|ms)/.test(c), `not a figure: ${c} in ${r.join(" | ")}`);
    // The floor is a subset of corti-auth: it cannot be the bigger binary.
    assert.ok(parseFloat(floor[1]) < parseFloat(corti[1]), `floor ${floor[1]} not smaller than corti-auth ${corti[1]}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
