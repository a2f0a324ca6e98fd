// Launching Debian's browsers, shared by the e2e harness (web/e2e/) and the benchmarks (web/bench/), which import
// this module and not each other. Nothing here downloads a browser: each engine is a Debian package.
//   chromium      /usr/bin/chromium (CHROMIUM=…), through playwright-core
//   firefox       /usr/bin/firefox-esr (FIREFOX=…), through puppeteer-core over WebDriver BiDi
//   webkit        WebKitGTK's MiniBrowser (MINIBROWSER=…) behind /usr/bin/WebKitWebDriver (WEBKIT_WEBDRIVER=…),
//                 through selenium-webdriver, under an Xvfb display started here when DISPLAY is unset
import { chromium } from "playwright-core";
import { spawn } from "node:child_process";
import net from "node:net";

export const chromiumArgs = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

export const paths = {
  chromium: process.env.CHROMIUM || "/usr/bin/chromium",
  firefox: process.env.FIREFOX || "/usr/bin/firefox-esr",
  webkitDriver: process.env.WEBKIT_WEBDRIVER || "/usr/bin/WebKitWebDriver",
  miniBrowser: process.env.MINIBROWSER || "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
};

/** Debian's Chromium through playwright-core (a fresh profile under TMPDIR per launch). */
export function launchChromium(opts = {}) {
  return chromium.launch({ executablePath: paths.chromium, args: chromiumArgs, ...opts });
}

/** Debian's Firefox ESR through puppeteer-core over WebDriver BiDi (puppeteer starts firefox-esr itself). */
export async function launchFirefox({ prefs = {} } = {}) {
  const { default: puppeteer } = await import("puppeteer-core");
  return puppeteer.launch({
    browser: "firefox", executablePath: paths.firefox, protocol: "webDriverBiDi", headless: true,
    // A pop-up opened by a page is a new tab; no first-run pages, no telemetry. prefs: more (or other) preferences.
    extraPrefsFirefox: { "browser.shell.checkDefaultBrowser": false, "datareporting.policy.dataSubmissionEnabled": false, ...prefs },
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

let xvfb; // one Xvfb for the process, when there is no DISPLAY
/** Makes sure a display exists for WebKitGTK: DISPLAY as given, or an Xvfb started (once) here. */
export async function ensureDisplay() {
  if (process.env.DISPLAY) return process.env.DISPLAY;
  if (!xvfb) {
    xvfb = new Promise((resolve, reject) => {
      // -displayfd: Xvfb picks a free display number and writes it to fd 3 (stdio[3] below).
      const p = spawn("Xvfb", ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], { stdio: ["ignore", "ignore", "ignore", "pipe"] });
      let out = "";
      p.on("error", reject);
      p.on("exit", (code) => reject(new Error(`Xvfb exited (${code}) before it gave a display`)));
      p.stdio[3].on("data", (d) => {
        out += d;
        if (out.includes("\n")) resolve({ proc: p, display: `:${out.trim()}` });
      });
      p.unref();
      p.stdio[3].unref?.();
      process.once("exit", () => p.kill());
    });
  }
  const { display } = await xvfb;
  process.env.DISPLAY = display;
  return display;
}

/**
 * A WebKitWebDriver server and one session on it (WebKitWebDriver holds one session at a time, so each browser
 * context is a server and a MiniBrowser of its own, with its own ephemeral website data). Returns {driver, close}.
 */
export async function launchWebKitSession({ attempts = 2, limit = 60000 } = {}) {
  // A session that a loaded machine's driver never gives (MiniBrowser did not come up) is abandoned after limit and
  // asked for again, once: it used to hang its test to the test's own limit with nothing in the log.
  for (let i = 1; ; i++) {
    try {
      return await webKitSessionOnce(limit);
    } catch (e) {
      if (i >= attempts) throw e;
      console.error(`# webkit: ${e.message}; starting another`);
    }
  }
}

async function webKitSessionOnce(limit) {
  await ensureDisplay();
  const { Builder } = await import("selenium-webdriver");
  const port = await freePort();
  const proc = spawn(paths.webkitDriver, [`--port=${port}`], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => { stderr = (stderr + d).slice(-4000); });
  const exited = new Promise((r) => proc.once("exit", r));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const r = await fetch(`${url}/status`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (i > 100 || proc.exitCode !== null) { proc.kill(); throw new Error(`WebKitWebDriver did not start: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 50));
  }
  // usingServer: selenium talks to this server only; selenium-manager never runs, nothing is downloaded.
  let timer;
  const driver = await Promise.race([
    new Builder().usingServer(url).withCapabilities({
      browserName: "MiniBrowser",
      "webkitgtk:browserOptions": { binary: paths.miniBrowser, args: ["--automation"] },
    }).build(),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`WebKitWebDriver gave no session in ${limit / 1000} s`)), limit); }),
  ]).catch((e) => { proc.kill(); throw e; }).finally(() => clearTimeout(timer));
  return {
    driver,
    async close() {
      // A MiniBrowser that died leaves quit unanswered: give it 10 s, then end the server regardless.
      await Promise.race([driver.quit().catch(() => {}), new Promise((r) => setTimeout(r, 10000))]);
      proc.kill();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    },
  };
}
