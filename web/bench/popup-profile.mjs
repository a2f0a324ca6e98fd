// Where a sign-in's time goes (after make build), in Chromium against the local provider: BENCH_REPS (default 10)
// redirect and popup sign-ins on the bench page, a fresh context each, interleaved. Every page of the journey
// (the app page, the provider's form, the callback page) reports wall-clock marks through an init script, so the
// split below is read in the pages, not in the script driving them:
//   to form      click → the provider's form is in its DOM (a new top-level page / a new popup window)
//   form         form in the DOM → submitted (the script's typing: the same work in both journeys)
//   to callback  submitted → the landing page's navigation start (the provider's POST and 302)
//   landing      landing page's navigation start → tokens in the app (redirect: the wasm starts, then exchanges;
//                popup: callback.html hands over, the opener exchanges)
//   node web/bench/popup-profile.mjs [dist folder]          BENCH_REPS=20 node web/bench/popup-profile.mjs
import { existsSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import { launch, benchContext, root } from "./diag.mjs";
import { stats } from "./stats.mjs";

const REPS = Math.max(1, Number(process.env.BENCH_REPS || 10) | 0);
const dist = process.argv[2] ? resolve(process.argv[2]) : join(root, "dist"); // the dist folder served as /dist/
const { env, browser, close } = await launch(dist);

// Marks: every page logs "mark <name> <epoch ms>" on the console; the context's console listener collects them.
function marks() {
  const at = () => performance.timeOrigin + performance.now();
  const say = (name, t = at()) => console.debug(`mark ${name} ${t}`);
  say(`nav:${location.pathname}`, performance.timeOrigin);
  document.addEventListener("DOMContentLoaded", () => {
    if (document.querySelector("#username")) say("form");
    for (const f of document.forms) f.addEventListener("submit", () => say("submit"), true);
  });
  if (window.opener === null && window.top === window) {
    addEventListener("message", (e) => { if (e.data && e.data.type === "corti-auth:callback") say("handoff"); }, true);
  }
}

const seq = [];
async function journey(kind) {
  const ctx = await benchContext(browser, env, {
    callbackURL: existsSync(join(dist, "callback.html")) ? `${env.hostURL}/dist/callback.html` : "",
  });
  const m = {};
  ctx.on("console", (msg) => {
    const [w, name, t] = msg.text().split(" ");
    if (w === "mark") (m[name] ||= []).push(Number(t));
  });
  await ctx.addInitScript(marks);
  try {
    const page = await ctx.newPage();
    await page.goto(`${env.hostURL}/bench/corti.html?n=${seq.push(kind)}`);
    await page.waitForFunction(() => document.body.dataset.ready === "1");
    const clickAt = await page.evaluate(() => performance.timeOrigin + performance.now());
    let form;
    if (kind === "popup") {
      const [popup] = await Promise.all([ctx.waitForEvent("page"), page.click("#sign-in-popup")]);
      form = popup;
    } else {
      await page.click("#sign-in");
      form = page;
    }
    await form.waitForSelector("#username");
    await form.fill("#username", env.user.username);
    await form.fill("#password", env.user.password);
    await form.click("#kc-login");
    const key = kind === "popup" ? "popupLogin" : "login";
    await page.waitForFunction((k) => window.bench && window.bench[k], key, { timeout: 30000 });
    const r = await page.evaluate((k) => ({ ...window.bench[k], doneAt: performance.timeOrigin + performance.now() }), key);
    if (r.error) throw new Error(`${kind}: ${r.error}`);
    // The redirect journey loads the app page twice: its last navigation is the landing.
    const last = (k) => (m[k] || []).at(-1);
    const landing = last(kind === "popup" ? "nav:/dist/callback.html" : "nav:/bench/corti.html");
    return {
      total: r.ms,
      toForm: last("form") - clickAt,
      form: last("submit") - last("form"),
      toCallback: landing - last("submit"),
      landing: clickAt + r.ms - landing,
      handoff: m.handoff ? last("handoff") - landing : undefined,
    };
  } finally {
    await ctx.close();
  }
}

const fmt = (xs) => { const s = stats(xs.filter((x) => Number.isFinite(x))); return `${s.median.toFixed(0).padStart(5)} ms (p90 ${s.p90.toFixed(0)}, n ${s.n})`; };
try {
  const R = { redirect: [], popup: [] };
  for (let i = 0; i < REPS; i++) for (const k of ["redirect", "popup"]) R[k].push(await journey(k));
  console.log(`sign-in split, Chromium, ${REPS} repetitions each, load average ${loadavg()[0].toFixed(2)} (medians):`);
  for (const k of ["redirect", "popup"]) {
    console.log(`  ${k}`);
    for (const [part, label] of [["total", "click → tokens"], ["toForm", "click → form in the DOM"], ["form", "form → submitted (typing)"],
      ["toCallback", "submitted → landing page starts"], ["landing", "landing page start → tokens"], ["handoff", "landing start → opener has the callback"]]) {
      if (R[k].some((x) => x[part] !== undefined)) console.log(`    ${label.padEnd(42)} ${fmt(R[k].map((x) => x[part]))}`);
    }
  }
} finally {
  await close();
}
