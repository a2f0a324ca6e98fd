// The browser tests, spread over a few workers: `make test-e2e` runs this. Each job is one test file in one engine
// (a `node --test` process of its own, with its own environment, browser and TMPDIR), so jobs share nothing but the
// machine. E2E_JOBS of them run at once (3 by default; 4 at once brought the load average of a 2-core machine to
// 15–28 and WebKit's page loads to 20 s and more, where timing-sensitive tests failed more often), and up to
// E2E_MAX_JOBS while the CPUs are mostly idle (below). A job's output is printed whole when it ends, so the log reads
// file by file; at the end come a table of jobs and their times, how busy the CPUs were, and the closing count line.
//
//   node web/e2e/run.mjs                          every file in every engine of ENGINES, and web/types/, web/dev/
//   node web/e2e/run.mjs web/e2e/popup.test.mjs   one file (in every engine of ENGINES)
//   ENGINES=webkit E2E_JOBS=1 node web/e2e/run.mjs
//   E2E_REPEAT=5 node web/e2e/run.mjs …           every job five times
//   E2E_BURN=2 …                                  with two CPU-burning processes beside the run (make soak-e2e)
//
// Files that do not use forEachEngine (Chromium only: bench, bff, package) run once, in Chromium; the Node-only
// tests (web/types/, web/dev/) are one job each.
import { spawn } from "node:child_process";
import { readFileSync, readdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { ENGINES } from "./engines.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const rel = (p) => relative(root, p);
const JOBS = Math.max(1, Number(process.env.E2E_JOBS) || 3);
// Most jobs spend most of their time waiting on real token lifetimes and timers (idle [firefox] and [webkit] one after
// the other: 207 s, during which the machine's CPUs were busy for 101 s of their 414), so the machine can have room
// for more than JOBS. Up to MAX_JOBS run at once, but a job beyond the first JOBS
// starts only while the machine is mostly idle (IDLE_MIN of its CPU time, over the last IDLE_WINDOW_MS, read from
// /proc/stat), and at most one such start per START_GAP_MS, so that its own start-up (a browser, an environment) is
// seen before the next. Under load (the soak's burners, another build) it never happens: JOBS at a time, as before.
const MAX_JOBS = Math.max(JOBS, Number(process.env.E2E_MAX_JOBS ?? JOBS + 2) || JOBS);
const IDLE_MIN = Number(process.env.E2E_IDLE_MIN) || 0.5;
const IDLE_WINDOW_MS = 4000;
const START_GAP_MS = 8000;
const REPEAT = Math.max(1, Number(process.env.E2E_REPEAT) || 1);
const JOB_LIMIT_MS = Number(process.env.E2E_JOB_LIMIT_MS) || 20 * 60 * 1000; // a job still running then has hung
const base = process.env.TMPDIR || tmpdir();

// Slowest first, so the long jobs do not start last (measured: make test-e2e's table). Files not named here follow
// in name order.
const SLOW_FIRST = [
  "bench", "session", "assistant", "reauth", "assistant-protocol", "flows", "signout-sticks", "idle", "popup",
  "assistant-refresh", "element", "login", "restore", "assistant-early", "demo", "examples", "assistant-end", "tokens",
  "tabs-users", "package", "stepup", "assistant-auth", "bff", "outage", "storage",
];

function jobsFor(args) {
  const files = args.length
    ? args.map((a) => join(process.cwd(), a))
    : readdirSync(join(root, "web/e2e")).filter((f) => f.endsWith(".test.mjs")).map((f) => join(root, "web/e2e", f));
  const weight = (f) => {
    const i = SLOW_FIRST.indexOf(f.replace(/^.*\//, "").replace(/\.test\.mjs$/, ""));
    return i < 0 ? SLOW_FIRST.length : i;
  };
  files.sort((a, b) => weight(a) - weight(b) || a.localeCompare(b));
  const jobs = [];
  for (const file of files) {
    if (!file.includes("/web/e2e/")) { jobs.push({ name: rel(file), args: [file], env: {} }); continue; }
    const perEngine = readFileSync(file, "utf8").includes("forEachEngine(");
    for (const engine of perEngine ? ENGINES : ["chromium"]) {
      if (!perEngine && !ENGINES.includes("chromium")) continue;
      jobs.push({ name: `${rel(file)} [${engine}]`, args: [file], env: { ENGINES: engine } });
    }
  }
  if (!args.length) {
    // The Node-only tests: first, short, and a check of the environment every browser job relies on.
    jobs.unshift({ name: "web/dev/", args: [join(root, "web/dev/")], env: {} });
    jobs.unshift({ name: "web/types/", args: [join(root, "web/types/")], env: {} });
  }
  const out = [];
  for (let r = 1; r <= REPEAT; r++) for (const j of jobs) out.push({ ...j, key: j.name, name: REPEAT > 1 ? `${j.name} #${r}` : j.name });
  return out;
}

function runJob(job) {
  return new Promise((resolve) => {
    const dir = mkdtempSync(join(base, "e2e-"));
    const t0 = Date.now();
    const child = spawn(process.execPath, ["--test", "--test-concurrency=1", "--test-force-exit", "--test-reporter=tap", ...job.args], {
      cwd: root,
      env: { ...process.env, ...job.env, TMPDIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true, // its own process group: a hung job is ended with everything it started
    });
    let out = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { out += d; });
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }
    }, JOB_LIMIT_MS);
    child.on("close", (code) => {
      clearTimeout(limit);
      try { process.kill(-child.pid, "SIGKILL"); } catch { /* its group is gone */ }
      rmSync(dir, { recursive: true, force: true });
      const count = (k) => { const m = out.match(new RegExp(`^# ${k} (\\d+)$`, "m")); return m ? Number(m[1]) : 0; };
      const r = {
        ...job, code, timedOut, ms: Date.now() - t0, out,
        pass: count("pass"), fail: count("fail") + count("cancelled"), skipped: count("skipped") + count("todo"),
      };
      // A job that exits non-zero without a failing test (a crash in before(), a hang) counts as one failure.
      if ((code !== 0 || timedOut) && r.fail === 0) r.fail = 1;
      resolve(r);
    });
  });
}

const jobs = jobsFor(process.argv.slice(2));
// A loaded machine on purpose: busy loops at the lowest priority would yield to the tests, so they run at the
// tests' own priority, as another build or test run on the machine would.
// A burner also stops by itself once this runner is gone (killed by a signal it could not handle, say): it checks
// now and then that its parent is still this process.
const burners = Array.from({ length: Math.max(0, Number(process.env.E2E_BURN) || 0) }, () =>
  spawn(process.execPath, ["-e", `for (let i = 0; ; i++) if ((i & 0xffffff) === 0 && process.ppid !== ${process.pid}) process.exit();`], { stdio: "ignore" }));
process.on("exit", () => { for (const b of burners) b.kill("SIGKILL"); });
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => process.exit(130));
if (burners.length) console.log(`# ${burners.length} CPU burners running beside the tests`);
const t0 = Date.now();
const results = [];
// The machine's idle share of CPU time over the last IDLE_WINDOW_MS (NaN without /proc/stat).
const samples = [];
function cpuTimes() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return { idle: f[3] + (f[4] || 0), total: f.reduce((a, b) => a + b, 0), at: Date.now() };
  } catch {
    return null;
  }
}
function idleShare() {
  const now = cpuTimes();
  if (!now) return NaN;
  samples.push(now);
  while (samples.length > 1 && now.at - samples[0].at > IDLE_WINDOW_MS) samples.shift();
  const old = samples[0];
  if (now.at - old.at < IDLE_WINDOW_MS / 2 || now.total === old.total) return NaN; // not enough history yet
  return (now.idle - old.idle) / (now.total - old.total);
}
const cpuAtStart = cpuTimes();
let next = 0;
let running = 0;
let peak = 0;
let lastExtra = 0;
let wake = null;
const tick = setInterval(() => { idleShare(); if (wake) wake(); }, 1000);
async function runOne(job) {
  running++;
  peak = Math.max(peak, running);
  const r = await runJob(job);
  running--;
  results.push(r);
  const status = r.fail ? "FAIL" : "ok";
  process.stdout.write(`\n======== ${status} ${r.name} — ${(r.ms / 1000).toFixed(0)} s, ${r.pass} passed, ${r.fail} failed, ${r.skipped} skipped` +
    `${r.timedOut ? ` (killed after ${JOB_LIMIT_MS / 1000} s)` : ""} [${results.length}/${jobs.length}, ${((Date.now() - t0) / 60000).toFixed(1)} min, ${running} running]\n`);
  process.stdout.write(r.out.endsWith("\n") ? r.out : r.out + "\n");
  if (wake) wake();
}
const all = [];
while (next < jobs.length) {
  let start = running < JOBS;
  if (!start && running < MAX_JOBS && Date.now() - lastExtra >= START_GAP_MS && idleShare() >= IDLE_MIN) {
    start = true;
    lastExtra = Date.now();
  }
  if (start) {
    all.push(runOne(jobs[next++]));
    continue;
  }
  await new Promise((res) => { wake = res; });
  wake = null;
}
await Promise.all(all);
clearInterval(tick);

const wall = (Date.now() - t0) / 1000;
const sum = (k) => results.reduce((a, r) => a + r[k], 0);
const cpuAtEnd = cpuTimes();
const busy = cpuAtStart && cpuAtEnd ? `, the machine's CPUs ${(100 - (100 * (cpuAtEnd.idle - cpuAtStart.idle)) / (cpuAtEnd.total - cpuAtStart.total)).toFixed(0)} % busy` : "";
console.log(`\n======== e2e jobs (${JOBS} at a time, up to ${MAX_JOBS} while the CPU was idle; at most ${peak} ran at once; ${wall.toFixed(0)} s wall, ${(sum("ms") / 1000).toFixed(0)} s of jobs${busy})`);
for (const r of [...results].sort((a, b) => b.ms - a.ms)) {
  console.log(`${r.fail ? "FAIL" : "  ok"} ${String((r.ms / 1000).toFixed(0)).padStart(5)} s  ${r.name}  (${r.pass}/${r.fail}/${r.skipped})`);
}
if (REPEAT > 1) {
  const by = new Map();
  for (const r of results) {
    const e = by.get(r.key) || { runs: 0, failed: 0, ms: [] };
    e.runs++; if (r.fail) e.failed++; e.ms.push(r.ms);
    by.set(r.key, e);
  }
  console.log(`\n| file [engine] | runs | failed runs | slowest run |\n|---|---:|---:|---:|`);
  for (const [k, e] of [...by].sort((a, b) => a[0].localeCompare(b[0]))) console.log(`| ${k} | ${e.runs} | ${e.failed} | ${(Math.max(...e.ms) / 1000).toFixed(0)} s |`);
}
const failed = results.filter((r) => r.fail);
if (failed.length) console.log(`failed jobs: ${failed.map((r) => r.name).join(", ")}`);
console.log(`e2e: ${sum("pass")} passed, ${sum("fail")} failed, ${sum("skipped")} skipped`);
for (const b of burners) b.kill("SIGKILL");
process.exitCode = failed.length ? 1 : 0;
