// The Assistant loading while the clinician signs in (issue 15 §6): the login's callback page, from its navigation
// start to the Assistant authenticated, with the Assistant mounted early (client.mountAssistant before
// handleCallback(), assistant.authenticate(session) after it) against mounted after the session
// (session.mountAssistant once handleCallback() resolved). The stand-in Assistant waits BENCH_ASSISTANT_DELAY_MS
// (default 1500) before its embedded.ready, as Corti's large application loading would.
// Goal: early ≤ max(frame ready, session ready) + 50 ms — the host's start-up and code exchange overlap with the
// Assistant's load instead of adding to it.
//
//   benchEarlyMount({ browser, env, reps, log }) → rows [{ name, median, p90, goal, pass, ratio }]
//     browser: a Playwright Browser (Chromium); env: startEnv() serving /bench/ (web/bench/pages) and /dist/;
//     reps: repetitions per mode (interleaved early, late); log: (...args) => void.
//     ratio is median / goal where there is a goal, else the row's median against the early mount's.
//     Rows: the early mount's total (goal: the median of max(frame ready, session ready) + 50 ms); of it, the time
//     after both were ready (goal 50 ms) and the host's share of that (ready → auth posted, the answer → resolved;
//     goal 50 ms; the rest is the Assistant verifying the token); the mount after the session; frame and session
//     ready. Where the time after both were ready goes is logged once per mode.
//   node web/bench/early-mount.mjs       standalone (after make build): starts its own environment and Chromium,
//                                        prints the rows; BENCH_REPS (10), CHROMIUM (/usr/bin/chromium)
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { stats } from "./stats.mjs";

const TIMEOUT = 60000;
const SLACK_MS = 50;

/** One login on the bench page in mode "early" or "late"; the callback page's times (ms since its navigation). */
async function run(browser, env, mode) {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${env.hostURL}/bench/early-mount.html?mode=${mode}`);
    await page.waitForFunction(() => document.body.dataset.ready === "1", null, { timeout: TIMEOUT });
    await page.click("#sign-in");
    await page.waitForSelector("#username", { timeout: TIMEOUT });
    await page.fill("#username", env.user.username);
    await page.fill("#password", env.user.password);
    await page.click("#kc-login");
    await page.waitForFunction(() => window.bench && window.bench.result, null, { timeout: TIMEOUT });
    const r = await page.evaluate(() => ({ ...window.bench.result, origin: performance.timeOrigin }));
    if (r.error) throw new Error(`early-mount bench (${mode}): ${r.error}`);
    // Where the time after both were ready goes (the stand-in's own clock: Date.now(), as timeOrigin here).
    const frame = page.frames().find((f) => f.url().startsWith(env.assistantBaseURL));
    const a = frame && (await frame.evaluate(() => ({
      posted: (window.__assistant.received.find((x) => x.data && x.data.action === "auth") || {}).at,
      verified: (window.__assistant.tokens[0] || {}).at,
    })).catch(() => null));
    if (a && a.posted) {
      const at = (t) => t - r.origin;
      r.parts = { readyToPost: at(a.posted) - Math.max(r.frameReady, r.sessionReady), verify: a.verified - a.posted,
        answerSeen: r.answerSeen - at(a.verified), resolve: r.authenticated - r.answerSeen };
    }
    if (r.mode !== mode) throw new Error(`early-mount bench: ran ${r.mode}, wanted ${mode}`);
    return r;
  } finally {
    await ctx.close();
  }
}

/**
 * Runs the measurement; returns its rows. The stand-in's ready delay is set for the run and cleared after it.
 */
export async function benchEarlyMount({ browser, env, reps = 10, log = () => {} }) {
  const delay = Math.max(0, Number(process.env.BENCH_ASSISTANT_DELAY_MS ?? 1500));
  env.control.setAssistantDefaults(`readyDelayMs=${delay}`);
  const R = { early: [], late: [] };
  try {
    log(`early mount vs mount after session: ${reps} logins each, the stand-in ready after ${delay} ms`);
    await run(browser, env, "early"); // warm-up, not counted
    await run(browser, env, "late");
    for (let i = 0; i < reps; i++) {
      for (const mode of ["early", "late"]) R[mode].push(await run(browser, env, mode));
    }
  } finally {
    env.control.setAssistantDefaults("");
  }
  const early = stats(R.early.map((r) => r.authenticated));
  const late = stats(R.late.map((r) => r.authenticated));
  const floor = stats(R.early.map((r) => Math.max(r.frameReady, r.sessionReady)));
  const over = stats(R.early.map((r) => r.authenticated - Math.max(r.frameReady, r.sessionReady)));
  const frame = stats(R.early.map((r) => r.frameReady));
  const session = stats(R.early.map((r) => r.sessionReady));
  const goal = floor.median + SLACK_MS;
  for (const mode of ["early", "late"]) {
    const parts = R[mode].map((r) => r.parts).filter(Boolean);
    if (!parts.length) continue;
    const m = (k) => stats(parts.map((p) => p[k])).median.toFixed(1);
    log(`${mode}: after both ready → auth posted ${m("readyToPost")} ms, the stand-in's verification ${m("verify")} ms, ` +
      `→ its answer in the page ${m("answerSeen")} ms, → authenticate resolved ${m("resolve")} ms (medians)`);
  }
  const parts = R.early.map((r) => r.parts).filter(Boolean);
  const host = stats(parts.map((p) => p.readyToPost + p.resolve)); // what the host adds; the rest is the Assistant's own auth
  const row = (name, s, g, ratio) => ({ name, median: s.median, p90: s.p90, goal: g, pass: g === null ? null : s.median <= g, ratio });
  return [
    row("Assistant authenticated, mounted early (callback page navigation → auth)", early, goal, early.median / goal),
    row("of which after max(frame ready, session ready), early mount", over, SLACK_MS, over.median / SLACK_MS),
    row("of which the host's share, early mount (ready → auth posted, answer → authenticate resolved)", host, SLACK_MS, host.median / SLACK_MS),
    row("Assistant authenticated, mounted after the session (callback page navigation → auth)", late, null, late.median / early.median),
    row(`early mount: frame ready (stand-in ready after ${delay} ms)`, frame, null, frame.median / early.median),
    row("early mount: session ready (handleCallback resolved)", session, null, session.median / early.median),
  ];
}

// ---------- standalone ----------
if (import.meta.url === pathToFileURL(process.argv[1] || "").href) {
  const { chromium } = await import("playwright-core");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { startEnv } = await import("../dev/env.mjs");
  const { chromiumArgs } = await import("../dev/browsers.mjs");
  const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  const reps = Math.max(1, Number(process.env.BENCH_REPS || 10) | 0);
  const tmp = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "cbe-"));
  process.env.TMPDIR = tmp;
  const env = await startEnv({ staticRoots: { "/bench/": join(root, "web", "bench", "pages"), "/dist/": join(root, "dist") } });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: chromiumArgs });
  try {
    const rows = await benchEarlyMount({ browser, env, reps, log: (...a) => console.error("[bench]", ...a) });
    const f = (x) => (x === null || x === undefined || Number.isNaN(x) ? "" : typeof x === "boolean" ? (x ? "yes" : "NO") : x.toFixed(1));
    console.log(`| figure (ms, ${reps} reps, Chromium) | median | p90 | goal | pass | ratio |`);
    console.log("|---|---:|---:|---:|---|---:|");
    for (const r of rows) console.log(`| ${r.name} | ${f(r.median)} | ${f(r.p90)} | ${f(r.goal)} | ${f(r.pass)} | ${r.ratio.toFixed(2)} |`);
  } finally {
    await browser.close().catch(() => {});
    await env.close().catch(() => {});
    rmSync(tmp, { recursive: true, force: true });
  }
}
