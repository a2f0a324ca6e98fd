// Shared set-up of the bench's side scripts (profile.mjs, startup-profile.mjs, refresh-profile.mjs,
// login-profile.mjs, popup-profile.mjs, inittrace.mjs, floor.mjs, ab.mjs): the local environment serving the bench pages and a dist
// folder, Chromium, contexts carrying the bench pages' configuration, the corti page's sign-in up to the filled
// form, interleaved cold loads of two dists, and walking a CPU profile.
import { chromium } from "playwright-core";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startEnv } from "../dev/env.mjs";
import { chromiumArgs } from "../dev/browsers.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Starts the environment (serving dist, default dist/, and any extra roots) and Chromium; close() stops both. */
export async function launch(dist = process.argv[2], extraRoots = {}) {
  const env = await startEnv({ staticRoots: { "/bench/": join(root, "web/bench/pages"), "/dist/": dist ? resolve(dist) : join(root, "dist"), ...extraRoots } });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: chromiumArgs });
  return { env, browser, close: async () => { await browser.close(); await env.close(); } };
}

/** A fresh context whose pages get the bench configuration (window.BENCH); godebug is passed to the Go program;
 * callbackURL, where given, is the popup's and silent iframe's landing page of the corti bench page. */
export async function benchContext(browser, env, { godebug = "", callbackURL = "" } = {}) {
  const ctx = await browser.newContext();
  await ctx.addInitScript((c) => {
    window.BENCH = c;
    if (!c.godebug) return;
    let G; // GODEBUG reaches the Go program through a wrapped Go constructor (its env)
    Object.defineProperty(globalThis, "Go", {
      configurable: true,
      get() { return G; },
      set(v) { G = class extends v { constructor() { super(); this.env = { ...this.env, GODEBUG: c.godebug }; } }; },
    });
  }, { authBaseURL: env.authBaseURL, issuer: env.issuer, realm: env.tenant, clientId: env.clients.public, tokenURL: `${env.issuer}/protocol/openid-connect/token`, godebug, callbackURL });
  return ctx;
}

/** Opens the corti bench page, starts a login and fills the provider's form; the caller submits (#kc-login). */
export async function fillLoginForm(page, env) {
  await page.goto(`${env.hostURL}/bench/corti.html`);
  await page.waitForFunction(() => document.body.dataset.ready === "1");
  await page.click("#sign-in");
  await page.waitForSelector("#username");
  await page.fill("#username", env.user.username);
  await page.fill("#password", env.user.password);
}

/**
 * Cold loads of web/bench/pages/ready.html (navigation → load() resolved), a fresh context each: for each of
 * variants ({key, dir, query?}: a dist folder, extra query for ready.html) one load per round, the order alternating
 * from round to round, reps rounds after one warm-up round (the server and the disk). rtt (ms) adds latency to every
 * request (CDP network emulation). Returns key → [{ready, marks}], index i of each from the same round.
 */
export async function coldLoads(variants, reps, { rtt = 0 } = {}) {
  const roots = Object.fromEntries(variants.map((v, i) => [`/v${i}/`, resolve(v.dir)]));
  const { env, browser, close } = await launch(undefined, roots);
  const R = Object.fromEntries(variants.map((v) => [v.key, []]));
  try {
    for (let round = 0; round <= reps; round++) {
      const order = variants.map((v, i) => [v, i]);
      if (round % 2 === 0) order.reverse();
      for (const [v, i] of order) {
        const ctx = await browser.newContext();
        try {
          const page = await ctx.newPage();
          if (rtt) {
            const cdp = await ctx.newCDPSession(page);
            await cdp.send("Network.enable");
            await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: rtt, downloadThroughput: -1, uploadThroughput: -1 });
          }
          await page.goto(`${env.hostURL}/bench/ready.html?d=/v${i}/&n=${round}${v.query || ""}`);
          await page.waitForFunction(() => window.readyAt !== undefined, null, { timeout: 60000 });
          if (round > 0) R[v.key].push(await page.evaluate(() => ({ ready: window.readyAt, marks: { ...window.__m } })));
        } finally {
          await ctx.close();
        }
      }
    }
  } finally {
    await close();
  }
  return R;
}

/**
 * Walks a CDP CPU profile: fn(names, dt) for each sample, names being the sampled stack's function names from the
 * root down (a nameless frame is named after its script, else "(anon)"), dt its duration in µs.
 */
export function walkProfile(profile, fn) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const name = (n) => n.callFrame.functionName || n.callFrame.url.split("/").pop() || "(anon)";
  profile.samples.forEach((id, i) => {
    const names = [];
    for (let x = id; x !== undefined; x = parent.get(x)) names.unshift(name(byId.get(x)));
    fn(names, profile.timeDeltas[i] || 0);
  });
}

/** Adds a sampled stack to self and inclusive totals (Maps name → µs); a recursive name counts once inclusively. */
export function addSample(self, incl, names, dt) {
  const leaf = names[names.length - 1];
  self.set(leaf, (self.get(leaf) || 0) + dt);
  for (const k of new Set(names)) incl.set(k, (incl.get(k) || 0) + dt);
}

/**
 * Adds a sampled stack to a top-down call tree (Map name → {t, kids}), from the first frame named in roots on;
 * stacks without one (the browser's own work) are left out.
 */
export function addToTree(tree, names, dt, roots = ["wasm_export_resume", "wasm_export_run"]) {
  const at = names.findIndex((k) => roots.includes(k));
  if (at < 0) return;
  let level = tree;
  for (const k of names.slice(at)) {
    if (!level.has(k)) level.set(k, { t: 0, kids: new Map() });
    const n = level.get(k);
    n.t += dt;
    level = n.kids;
  }
}

/** Prints a call tree heaviest first, in ms divided by per (a per-operation figure): nodes of at least minMs. */
export function printTree(tree, { per = 1, minMs = 0, maxDepth = Infinity } = {}, depth = 0) {
  for (const [k, n] of [...tree].sort((a, b) => b[1].t - a[1].t)) {
    const ms = n.t / 1000 / per;
    if (ms < minMs || depth > maxDepth) continue;
    console.log(ms.toFixed(3).padStart(8), " ".repeat(depth * 2) + k);
    printTree(n.kids, { per, minMs, maxDepth }, depth + 1);
  }
}

/** Prints the top entries of a name → µs Map, in ms divided by per, with their share of total. */
export function printTop(m, total, { top = 40, per = 1, unit = "ms" } = {}) {
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log((v / 1000 / per).toFixed(3).padStart(9), unit, (100 * v / total).toFixed(1).padStart(5) + "%", k);
  }
}
