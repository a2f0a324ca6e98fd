// The e2e driver: one small interface, three engines. It is the subset of Playwright's API the tests use, so
// Chromium is playwright-core itself and Firefox (puppeteer-core, WebDriver BiDi) and WebKit (selenium-webdriver,
// WebKitWebDriver) implement the same calls. See README.md in this folder for how a test uses it.
//
//   browser.name / .version / .can           engine name, version string, capabilities (below)
//   browser.newContext({viewport})           a fresh profile: own cookies, localStorage, Web Locks
//   context.newPage()  context.close()       a tab in that profile
//   page.goto(url)  await page.url()  page.close()   (url() is a promise in WebKit: always await it)
//   page.evaluate(fn, arg)                   fn runs in the page (awaited); arg and result are JSON values
//   page.waitForFunction(fn, arg, {timeout}) polls fn in the page; resolves to {jsonValue()} of its truthy result
//   page.waitForURL(pred, {timeout})         pred(URL) on the current address, polled
//   page.waitForSelector(sel, {timeout})  page.fill(sel, text)  page.click(sel)
//   page.textContent(sel)  page.getAttribute(sel, name)  page.isVisible(sel)
//   page.screenshot({path})                  the viewport as PNG; shoot(page, path, sel) (harness.mjs) for an element
//   page.on("pageerror" | "console", fn)     where .can.events (console types as Playwright's: "warning", …)
//   waitForPopup(page, {timeout}) (here)    the next window page opens (window.open): a page of the same interface;
//                                            start it before the click that opens it. close() is a user's close.
//   frameOf(page, sel) (harness.mjs)         the document of the iframe sel: evaluate, url, waitForSelector, textContent;
//                                            click in Chromium and Firefox (WebKitWebDriver's clicks do not reach an iframe)
//
// Capabilities (browser.can): events (pageerror/console listeners), initScript (context.addInitScript),
// route (page.route: answer or hold requests), binding (context.exposeBinding), cdp (context.newCDPSession).
// A test needing one that an engine lacks does what the engine can, or says in its name why it is Chromium-only.
import { launchChromium, launchFirefox, launchWebKitSession } from "../dev/browsers.mjs";

export const ALL_ENGINES = ["chromium", "firefox", "webkit"];
/** The engines to run: ENGINES=chromium,webkit (comma or space separated); all three by default. */
export const ENGINES = (process.env.ENGINES || ALL_ENGINES.join(",")).split(/[\s,]+/).filter(Boolean).map((e) => {
  if (!ALL_ENGINES.includes(e)) throw new Error(`ENGINES: unknown engine ${e} (known: ${ALL_ENGINES.join(", ")})`);
  return e;
});

/** What each engine's driver offers beyond the common subset (known before launch: test names can say it). */
export const CAN = {
  chromium: { events: true, initScript: true, route: true, binding: true, cdp: true },
  firefox: { events: true, initScript: true, route: false, binding: false, cdp: false },
  webkit: { events: false, initScript: false, route: false, binding: false, cdp: false },
};

/**
 * Launches engine. {popupBlocker: true} keeps the browser's popup blocker on, which Playwright (Chromium) and
 * puppeteer (Firefox) turn off by default; WebKitWebDriver leaves it on anyway.
 */
export async function launch(engine, { popupBlocker = false } = {}) {
  if (engine === "chromium") {
    const b = await launchChromium(popupBlocker ? { ignoreDefaultArgs: ["--disable-popup-blocking"] } : {});
    b.name = "chromium";
    b.can = CAN.chromium;
    // Playwright's waits default to 30 s: hang guards of 60 s, as the other engines' drivers have here.
    const newContext = b.newContext.bind(b);
    b.newContext = async (...args) => {
      const ctx = await newContext(...args);
      ctx.setDefaultTimeout(60000);
      return ctx;
    };
    return b;
  }
  if (engine === "firefox") return new FirefoxBrowser(await launchFirefox(popupBlocker ? { prefs: { "dom.disable_open_during_load": true } } : {}));
  if (engine === "webkit") return new WebKitBrowser();
  throw new Error(`unknown engine ${engine}`);
}

/**
 * Resolves to the next window that page opens (window.open), as a page of this interface: Playwright's "popup"
 * event, puppeteer's "popup" event (WebDriver BiDi), a new WebDriver window handle in WebKit. Call it before the
 * action that opens the window.
 */
export function waitForPopup(page, { timeout = 60000 } = {}) {
  if (typeof page.waitForPopup === "function") return page.waitForPopup({ timeout });
  return page.waitForEvent("popup", { timeout }); // Playwright
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Anything that took over 20 s but still succeeded is said on stderr (a job's output is printed whole when it
 * fails): when a test runs into its own time limit, its log tells which steps ate the time.
 */
export function slow(start, what) {
  const ms = Date.now() - start;
  if (ms > 20000) console.error(`# slow: ${what.replace(/\s+/g, " ").slice(0, 200)}: ${(ms / 1000).toFixed(1)} s`);
}

const LONG_WAIT_MS = 2000;
const LONG_WAIT_INTERVAL_MS = 200;

/** Polls fn until it returns a truthy value (errors count as falsy: a page may be navigating); the harness's waitFor. */
export async function poll(fn, { timeout = 60000, interval = 50, what = "condition" } = {}) {
  const start = Date.now();
  const end = start + timeout;
  let last;
  let askedAgain = false;
  for (;;) {
    try {
      // A call is not cut short at the deadline: WebKitWebDriver holds a command while a popup it cannot reach is
      // closing (up to the popup's own 30 s), then answers; a call with no answer at all fails at commandLimit.
      const v = await fn();
      if (v) {
        slow(start, `waiting for ${what}`);
        return v;
      }
      last = v;
    } catch (e) {
      last = e;
    }
    // A driver that gave no answer (WebKitWebDriver while a popup of the page closes: one evaluate in the opener
    // answered after 90.3 s, past the 90 s command limit and the wait's 60 s, in a fresh-clone run) never asked the
    // condition: it is asked once more, past the deadline, before the wait fails.
    if (Date.now() > end && !askedAgain && last instanceof Error && / got no answer in /.test(last.message)) {
      askedAgain = true;
      continue;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ""}`);
    // A long wait polls less often: every probe is a round trip through the driver and the browser, and a test
    // waiting out a token lifetime at 50 ms spent more CPU asking than the page spent working.
    await sleep(Date.now() - start > LONG_WAIT_MS ? Math.max(interval, LONG_WAIT_INTERVAL_MS) : interval);
  }
}

/** Shared page helpers over evaluate(): the same DOM reads in every engine. */
class PageBase {
  /** evaluate for a polled predicate: WebKit gives it a short script limit (see WebKitFrame.evaluate). */
  probe(fn, arg) { return this.evaluate(fn, arg); }
  async waitForFunction(fn, arg, { timeout = 60000 } = {}) {
    const v = await poll(() => this.probe(fn, arg), { timeout, what: `waitForFunction ${String(fn).slice(0, 80)}` });
    return { jsonValue: async () => v };
  }
  async waitForURL(pred, { timeout = 60000 } = {}) {
    await poll(async () => pred(new URL(await this.url())), { timeout, what: `URL ${String(pred).slice(0, 80)}` });
  }
  async waitForSelector(sel, { timeout = 60000, state } = {}) {
    await poll(() => this.probe(({ sel, state }) => {
      const e = document.querySelector(sel);
      if (!e) return false;
      if (state === "attached") return true;
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden";
    }, { sel, state }), { timeout, what: `selector ${sel}` });
  }
  textContent(sel) { return this.evaluate((s) => { const e = document.querySelector(s); return e ? e.textContent : null; }, sel); }
  getAttribute(sel, name) { return this.evaluate(({ s, name }) => { const e = document.querySelector(s); return e ? e.getAttribute(name) : null; }, { s: sel, name }); }
  isVisible(sel) {
    return this.evaluate((s) => {
      const e = document.querySelector(s);
      if (!e) return false;
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== "hidden";
    }, sel);
  }
}

// ------------------------------------------------------------------ Firefox

class FirefoxBrowser {
  constructor(b) {
    this.b = b;
    this.name = "firefox";
    this.can = CAN.firefox;
  }
  async version() { return this.b.version(); }
  async newContext({ viewport } = {}) { return new FirefoxContext(this, await this.serial(() => this.b.createBrowserContext()), viewport); }
  async close() { await this.b.close(); }
  // Firefox ESR answered browsingContext.create with "no such frame: DiscardedBrowsingContextError" for every tab that
  // three concurrent tests opened at once in new user contexts (a fresh-clone CI run; the next test's tab, a moment
  // later, was fine). Tabs and user contexts are therefore made one at a time, and a create that meets a discarded
  // context is tried again, a bounded number of times, with the error reported on stderr.
  serial(fn) {
    const run = (this.queue || Promise.resolve()).then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
  async newTab(create) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.serial(create);
      } catch (e) {
        const msg = String(e && e.message);
        if (attempt >= 4 || !/DiscardedBrowsingContext|no such frame/.test(msg)) throw e;
        process.stderr.write(`firefox driver: browsingContext.create failed (${msg.split("\n")[0]}); attempt ${attempt + 1}\n`);
        await new Promise((r) => setTimeout(r, 250 * attempt)); // back-off between driver retries, not a wait for the product
      }
    }
  }
}

class FirefoxContext {
  constructor(browser, c, viewport) { this.browser = browser; this.c = c; this.viewport = viewport; this.inits = []; this.pages = []; }
  async addInitScript(fn) {
    this.inits.push(fn);
    for (const p of this.pages) await p.p.evaluateOnNewDocument(fn);
  }
  async newPage() {
    const p = await this.browser.newTab(() => this.c.newPage());
    if (this.viewport) await setFirefoxViewport(p, this.viewport);
    for (const fn of this.inits) await p.evaluateOnNewDocument(fn);
    const page = new FirefoxPage(p);
    this.pages.push(page);
    return page;
  }
  async close() { await this.c.close(); }
}

// Firefox ESR differs by release in the WebDriver BiDi commands it knows, and puppeteer-core uses the newest: Debian's
// firefox-esr 140 refuses emulation.setScreenOrientationOverride (sent by page.setViewport) and the "context" locator
// of browsingContext.locateNodes (sent by a click inside a frame), and does not report history.replaceState to
// page.url(); 153 does all three. The driver works with both: it asks the page where the newer commands fail.
const unknownToThisFirefox = (e) => /unknown command|"locator\.type"/.test(String(e && e.message));

/** page.setViewport, or where Firefox refuses its screen-orientation half, the viewport alone (then checked). */
async function setFirefoxViewport(p, viewport) {
  try {
    await p.setViewport(viewport);
  } catch (e) {
    if (!unknownToThisFirefox(e)) throw e;
    await p.mainFrame().browsingContext.setViewport({ viewport: { width: viewport.width, height: viewport.height } });
    // The window takes the size a moment later: polled.
    await poll(async () => {
      const [w, h] = await p.evaluate(() => [innerWidth, innerHeight]);
      return w === viewport.width && h === viewport.height;
    }, { timeout: 10000, what: `the viewport ${viewport.width}×${viewport.height} (after ${e.message.split("\n")[0]})` });
  }
}

class FirefoxFrame extends PageBase {
  /** f: puppeteer's frame; in, where it is an iframe of a page: that FirefoxPage and the iframe's selector. */
  constructor(f, inside) { super(); this.f = f; this.inside = inside; }
  evaluate(fn, arg) { return this.f.evaluate(fn, arg); }
  async url() { return this.f.url(); }
  async click(sel) {
    await this.waitForSelector(sel);
    try {
      await this.f.click(sel);
    } catch (e) {
      if (!this.inside || !unknownToThisFirefox(e)) throw e;
      // A trusted click all the same: the mouse of the page, at the element's centre in the page's coordinates.
      const at = await this.evaluate((s) => {
        const el = document.querySelector(s);
        el.scrollIntoView({ block: "center", inline: "center" });
        const r = el.getBoundingClientRect();
        return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
      }, sel);
      const frame = await this.inside.page.evaluate((s) => {
        const el = document.querySelector(s);
        const r = el.getBoundingClientRect();
        const st = getComputedStyle(el);
        return { x: r.left + el.clientLeft + parseFloat(st.paddingLeft), y: r.top + el.clientTop + parseFloat(st.paddingTop) };
      }, this.inside.sel);
      await this.inside.page.p.mouse.click(frame.x + at.x, frame.y + at.y);
    }
  }
}

class FirefoxPage extends FirefoxFrame {
  constructor(p) { super(p.mainFrame()); this.p = p; }
  async goto(url) { await this.p.goto(url, { waitUntil: "load" }); }
  /** The page's own location (page.url() misses history.replaceState in Firefox 140); puppeteer's while it navigates. */
  async url() {
    try {
      return await this.p.evaluate(() => location.href);
    } catch {
      return this.p.url();
    }
  }
  evaluate(fn, arg) { return this.p.evaluate(fn, arg); }
  async fill(sel, text) {
    await this.waitForSelector(sel);
    await this.p.$eval(sel, (e) => { e.value = ""; });
    await this.p.type(sel, text);
  }
  async click(sel) { await this.waitForSelector(sel); await this.p.click(sel); }
  async screenshot({ path }) { await this.p.screenshot({ path }); }
  async elementScreenshot(sel, { path }) { await (await this.p.waitForSelector(sel)).screenshot({ path }); }
  on(event, fn) {
    if (event === "pageerror") {
      this.p.on("pageerror", (e) => {
        // Firefox ESR 140 logs its WebDriver BiDi's own failures to reach into a cross-origin frame as page errors:
        // 'Permission denied to access property "__bidi_args" on cross-origin object' (the property its
        // script.callFunction uses), and under load 'Permission denied to access property "length"' with no stack at
        // all (no script of the page threw it). Seen only in pages with a cross-origin frame, never in another
        // engine or in Firefox 153. Any other page error, and any with a stack of the page's scripts, is passed on.
        const m = String(e.message);
        if (/Permission denied to access property /.test(m) && (m.includes("__bidi_") || !/\n\s+at /.test(e.stack || ""))) {
          process.stderr.write(`firefox driver: not counted as a page error (the browser's own, not a script of the page): ${e.message}\n`);
          return;
        }
        fn(e);
      });
    } else if (event === "console") this.p.on("console", (m) => fn({ type: () => (m.type() === "warn" ? "warning" : m.type()), text: () => m.text() }));
    else throw new Error(`firefox driver: no ${event} event`);
  }
  async contentFrame(sel) {
    const el = await this.p.waitForSelector(sel);
    return new FirefoxFrame(await el.contentFrame(), { page: this, sel });
  }
  // puppeteer's "popup" event misses a window opened by an iframe: the context's next new page target instead.
  async waitForPopup({ timeout = 60000 } = {}) {
    const c = this.p.browserContext();
    const known = new Set(c.targets());
    const t = await c.waitForTarget((t) => t.type() === "page" && !known.has(t), { timeout });
    return new FirefoxPage(await t.page());
  }
  async close() { await this.p.close(); }
}

// ------------------------------------------------------------------- WebKit

class WebKitBrowser {
  constructor() {
    this.name = "webkit";
    this.can = CAN.webkit;
    this.contexts = new Set();
    this._version = null;
  }
  async version() {
    if (!this._version) {
      const c = await this.newContext();
      await c.close();
    }
    return this._version;
  }
  async newContext({ viewport } = {}) {
    const s = await launchWebKitSession();
    const caps = await s.driver.getCapabilities();
    this._version = `MiniBrowser (WebKitGTK) ${caps.get("browserVersion")}`;
    await s.driver.manage().setTimeouts({ script: scriptLimit, pageLoad: scriptLimit }); // under commandLimit: a script that never ends is told apart from a driver that never answers
    const c = new WebKitContext(this, s, await s.driver.getWindowHandle(), viewport);
    c.limit = scriptLimit;
    if (viewport) await s.driver.manage().window().setRect({ width: viewport.width, height: viewport.height }).catch(() => {});
    this.contexts.add(c);
    return c;
  }
  async close() { await Promise.all([...this.contexts].map((c) => c.close())); }
}

// A WebDriver command that has no answer after 90 s (every test's limit is 180 s; no script a test runs waits over
// 60 s, the harness's longest condition wait) has lost its page or its browser: it fails its test naming the command, what it ran, and where, instead of
// leaving the test to its timeout with nothing to say.
const commandLimit = 90000;
const scriptLimit = 80000; // the driver's limit for a script a test runs
const probeLimit = 15000; // and for a polled predicate (WebKitFrame.probe)

function withLimit(p, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} got no answer in ${ms / 1000} s`)), ms); });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/**
 * One WebDriver session = one MiniBrowser = one profile. Its windows are the context's pages; WebDriver talks
 * to one window (and one frame) at a time, so every command runs under a lock after switching to its page.
 */
class WebKitContext {
  constructor(browser, s, first, viewport) {
    this.browser = browser; this.s = s; this.d = s.driver; this.free = first; this.viewport = viewport;
    this.current = first; this.frame = null; this.queue = Promise.resolve();
  }
  /**
   * Runs fn(driver) with the given window (and iframe selector, or null) selected, and the driver's script and
   * page-load limits at limit (a probe's are short; every other command has scriptLimit). The page-load limit counts
   * too: before a script or a click the driver waits for the window's navigation to finish, and that wait is what hung.
   */
  run(handle, frameSel, fn, what = "a WebKit WebDriver command", limit = scriptLimit) {
    const go = async () => {
      if (this.limit !== limit) { await this.d.manage().setTimeouts({ script: limit, pageLoad: limit }); this.limit = limit; }
      if (this.current !== handle) { await this.d.switchTo().window(handle); this.current = handle; this.frame = null; }
      if (this.frame !== frameSel) {
        await this.d.switchTo().defaultContent();
        this.frame = null;
        if (frameSel) {
          const { By } = await import("selenium-webdriver");
          await this.d.switchTo().frame(await this.d.findElement(By.css(frameSel)));
          this.frame = frameSel;
        }
      }
      return fn(this.d);
    };
    const queued = Date.now();
    const r = this.queue.then(go, go).finally(() => slow(queued, `${what} (queued and run)`));
    const limited = withLimit(r, commandLimit, `${what} (window ${handle}${frameSel ? `, frame ${frameSel}` : ""})`);
    this.queue = limited.catch(() => {});
    return limited;
  }
  async newPage() {
    let handle = this.free;
    this.free = null;
    if (!handle) handle = await this.run(this.current, null, async (d) => (await d.switchTo().newWindow("tab"), d.getWindowHandle()));
    this.current = handle; this.frame = null;
    return new WebKitPage(this, handle);
  }
  async close() {
    this.browser.contexts.delete(this);
    await this.s.close();
  }
}

// The function's source goes into the script body itself (a WebDriver script is exempt from the page's CSP; an
// eval inside the page would not be, under the examples' strict policy).
const asyncScript = (src) => `
const [arg, done] = arguments;
Promise.resolve().then(() => (${src})(arg)).then(
  (v) => done({ ok: true, v: v === undefined ? null : JSON.stringify(v) }),
  (e) => done({ ok: false, e: String(e && e.stack ? e.message + "\\n" + e.stack : e) }));`;

class WebKitFrame extends PageBase {
  constructor(ctx, handle, frameSel) { super(); this.ctx = ctx; this.handle = handle; this.frameSel = frameSel; }
  async evaluate(fn, arg, { limit = scriptLimit } = {}) {
    const r = await this.ctx.run(this.handle, this.frameSel, (d) => d.executeAsyncScript(asyncScript(String(fn)), arg === undefined ? null : arg),
      `evaluate ${String(fn).replace(/\s+/g, " ").slice(0, 160)}`, limit);
    if (!r.ok) throw new Error(`evaluate: ${r.e}`);
    return r.v === null ? undefined : JSON.parse(r.v);
  }
  url() { return this.evaluate(() => location.href); }
  // A polled predicate is a DOM read: one that has no answer in probeLimit waits on a navigation the driver lost track
  // of (WebKitWebDriver, a popup's first command while its navigation to a provider page with COOP same-origin swaps
  // its process: it hung to the 80 s limit, past the poll's 60 s, in a fresh-clone run and a soak run). It fails then,
  // and the poll asks again, in the page as it is now.
  probe(fn, arg) { return this.evaluate(fn, arg, { limit: probeLimit }); }
}

class WebKitPage extends WebKitFrame {
  constructor(ctx, handle) { super(ctx, handle, null); }
  goto(url) { return this.ctx.run(this.handle, null, (d) => d.get(url), `goto ${url}`); }
  url() { return this.ctx.run(this.handle, null, (d) => d.getCurrentUrl(), "getCurrentUrl"); }
  async element(sel) {
    const { By } = await import("selenium-webdriver");
    await this.waitForSelector(sel);
    return By.css(sel);
  }
  async fill(sel, text) {
    const by = await this.element(sel);
    await this.ctx.run(this.handle, null, async (d) => { const e = await d.findElement(by); await e.clear(); await e.sendKeys(text); });
  }
  async click(sel) {
    const by = await this.element(sel);
    await this.ctx.run(this.handle, null, async (d) => (await d.findElement(by)).click());
  }
  async screenshot({ path }) {
    const { writeFileSync } = await import("node:fs");
    const png = await this.ctx.run(this.handle, null, (d) => d.takeScreenshot());
    writeFileSync(path, Buffer.from(png, "base64"));
  }
  async elementScreenshot(sel, { path }) {
    const { writeFileSync } = await import("node:fs");
    const by = await this.element(sel);
    const png = await this.ctx.run(this.handle, null, async (d) => (await d.findElement(by)).takeScreenshot());
    writeFileSync(path, Buffer.from(png, "base64"));
  }
  on() { throw new Error("webkit driver: no page events (WebDriver classic); check browser.can.events"); }
  async waitForPopup({ timeout = 60000 } = {}) {
    const known = new Set(await this.ctx.run(this.handle, null, (d) => d.getAllWindowHandles()));
    const handle = await poll(async () => {
      const all = await this.ctx.run(this.handle, null, (d) => d.getAllWindowHandles());
      return all.find((h) => !known.has(h));
    }, { timeout, interval: 100, what: "a new window" });
    return new WebKitPage(this.ctx, handle);
  }
  async contentFrame(sel) {
    await this.waitForSelector(sel, { state: "attached" });
    return new WebKitFrame(this.ctx, this.handle, sel);
  }
  async close() {
    await this.ctx.run(this.handle, null, async (d) => {
      await d.close();
      const [other] = await d.getAllWindowHandles();
      if (other) await d.switchTo().window(other);
      this.ctx.current = other; this.ctx.frame = null;
    });
  }
}
