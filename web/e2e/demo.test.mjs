// Issue 8: the demo page (web/demo/, served at /) shows its state. Drives it through signed out → signing in →
// signed in (user, tenant, environment, countdown, refresh count) → the Assistant panel → an error in plain words
// with its code; checks the key text of each state in the DOM and takes a screenshot of each. The screenshots go to
// docs/screenshots/ with CORTI_UPDATE_SCREENSHOTS=1 (`make screenshots`), else to a temporary folder, so that a
// test run leaves the working tree alone. Runs in every engine of ENGINES; Chromium's screenshots are
// docs/screenshots/demo-*.png, the others' demo-<engine>-*.png. Holding the token request for the "signing in"
// state needs request routing (page.route): Chromium only.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { setup, frameOf, shoot as shootPage, forEachEngine, waitFor, CAN } from "./harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const update = process.env.CORTI_UPDATE_SCREENSHOTS === "1";
const shots = update ? join(root, "docs", "screenshots") : mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-shots-"));
const viewport = { width: 1200, height: 720 };

before(() => { mkdirSync(shots, { recursive: true }); });
after(() => { if (!update) rmSync(shots, { recursive: true, force: true }); });

forEachEngine((engine) => {
const can = CAN[engine];
let h;
before(async () => {
  h = await setup({}, engine);
});
after(async () => {
  await h?.close();
});

async function shoot(page, name, sel) {
  const file = join(shots, engine === "chromium" ? name : name.replace(/^demo-/, `demo-${engine}-`));
  await shootPage(page, file, sel);
  assert.ok(statSync(file).size < 250 * 1024, `${name} is small enough for the README`);
}

const stateOf = (page) => page.getAttribute("#state", "data-state");

/** Waits until the provider's form is shown, fills it and submits; resolves back on the demo page. */
async function fillProviderForm(page, button = "#kc-login") {
  await page.waitForURL((u) => u.href.startsWith(h.env.authBaseURL));
  if (button === "#kc-login") {
    await page.fill("#username", h.env.user.username);
    await page.fill("#password", h.env.user.password);
  }
  await Promise.all([page.waitForURL((u) => u.href.startsWith(h.env.hostURL)), page.click(button)]);
}

test(`the demo's states: signed out, ${can.route ? "signing in" : "(signing in not held: needs request routing, Chromium only)"}, signed in, the Assistant, sign-out`, async () => {
  const ctx = await h.browser.newContext({ viewport });
  try {
    const page = await ctx.newPage();
    const pageErrors = [];
    if (can.events) page.on("pageerror", (e) => pageErrors.push(e.message));

    // 1. Signed out.
    await page.goto(`${h.env.hostURL}/`);
    await page.waitForSelector('#state[data-state="signed-out"]');
    assert.equal(await page.textContent("#state"), "Signed out");
    assert.ok(await page.isVisible("#sign-in"));
    assert.equal(await page.textContent("#issuer"), h.env.issuer);
    assert.ok(!(await page.isVisible("#signed-in")) && !(await page.isVisible("#assistant-panel")));
    await shoot(page, "demo-1-signed-out.png");

    // 2. Signing in: back from the provider with a code, the token request held until the screenshot is taken.
    if (can.route) {
      let held;
      const caught = new Promise((resolve) => page.route(h.env.tokenURL, (route) => { held = route; resolve(); }));
      await page.click("#sign-in");
      await fillProviderForm(page);
      await caught;
      await page.waitForSelector('#state[data-state="signing-in"]');
      assert.equal(await page.textContent("#state"), "Signing in…");
      assert.ok(!(await page.isVisible("#sign-in")), "no Sign in button while signing in");
      await shoot(page, "demo-2-signing-in.png");
      await held.continue();
      await page.unroute(h.env.tokenURL);
    } else {
      await page.click("#sign-in");
      await fillProviderForm(page);
    }

    // 3. Signed in: user, tenant, environment, a live countdown and the refresh count.
    await page.waitForSelector('#state[data-state="signed-in"]', { timeout: 60000 });
    assert.equal(await page.textContent("#state"), `Signed in as ${h.env.user.name}`);
    assert.equal(await page.textContent("#user"), `${h.env.user.name} <${h.env.user.email}>`);
    assert.equal(await page.textContent("#tenant"), h.env.tenant);
    assert.match(await page.textContent("#environment"), /not a Corti issuer/, "the local provider is not auth.<env>.corti.app");
    const countdown = async () => Number((await page.textContent("#countdown")).match(/^expires in (\d+) s$/)?.[1]);
    const first = await countdown();
    assert.ok(first > 250 && first <= 300, `countdown ${first}`);
    await page.waitForFunction((n) => Number(document.getElementById("countdown").textContent.match(/\d+/)) < n, first, { timeout: 60000 });
    assert.equal(await page.textContent("#refresh-count"), "0");
    assert.doesNotMatch(await page.url(), /[?&](code|state)=/);
    await page.click("#refresh");
    await page.waitForFunction(() => document.getElementById("refresh-count").textContent === "1", null, { timeout: 60000 });
    await shoot(page, "demo-3-signed-in.png", "#panel");

    // 4. The Assistant panel: the stand-in signed in as the same user.
    await page.waitForFunction(() => /^Assistant (signed|re-authenticated)/.test(document.getElementById("assistant-state").textContent), null, { timeout: 180000 });
    assert.match(await page.textContent("#assistant-state"), new RegExp(`as ${h.env.user.email}$`));
    const frame = await frameOf(page, "#assistant iframe");
    assert.ok((await frame.url()).startsWith(h.env.assistantBaseURL), "the Assistant iframe");
    await frame.waitForSelector('#status[data-state="authenticated"]');
    assert.equal(await frame.textContent("#user"), `${h.env.user.name} <${h.env.user.email}>`);
    // After "Refresh now" the Assistant got the new token too (two auth messages).
    await frame.waitForFunction(() => Number(document.getElementById("auth-count").textContent) >= 2, null, { timeout: 60000 });
    await shoot(page, "demo-4-assistant.png");

    // A reload resumes without a click (restore(): a prompt=none sign-in in a hidden iframe), one code exchange.
    h.env.control.resetStats();
    await page.goto(`${h.env.hostURL}/`);
    await page.waitForSelector('#state[data-state="signed-in"]', { timeout: 60000 });
    assert.equal(await page.textContent("#state"), `Signed in as ${h.env.user.name}`);
    assert.ok(!(await page.isVisible("#sign-in")));
    assert.equal(h.env.control.stats().token.authorization_code, 1, "one code exchange, no login form");
    assert.equal(new URL(await page.url()).href, `${h.env.hostURL}/`);
    await page.waitForFunction(() => /^Assistant (signed|re-authenticated)/.test(document.getElementById("assistant-state").textContent), null, { timeout: 180000 });

    // Sign out: back to signed out, and a reload stays signed out (the provider says login_required).
    // "Signed out (logout)" is the page before the end-session request; plain "Signed out" the page loaded after it
    // (restore() found no session), read across the navigations (a read during one counts as not yet).
    await page.click("#sign-out");
    await waitFor(async () => (await page.textContent("#state")) === "Signed out", { timeout: 60000, what: "back from the end-session request" });
    await page.goto(`${h.env.hostURL}/?again=1`);
    await page.waitForSelector('#state[data-state="signed-out"]', { timeout: 60000 });
    assert.equal(await page.textContent("#state"), "Signed out");
    assert.deepEqual(pageErrors, []);
  } finally {
    await ctx.close();
  }
});

test("idle sign-out: the banner counts down, input hides it, the end sticks: a reload does not resume although the provider's session lives", async () => {
  h.env.setIdle({ timeoutSeconds: 8, warningSeconds: 5 });
  const ctx = await h.browser.newContext({ viewport });
  try {
    const page = await ctx.newPage();
    await page.goto(`${h.env.hostURL}/`);
    await page.waitForSelector('#state[data-state="signed-out"]');
    await page.click("#sign-in");
    await fillProviderForm(page);
    await page.waitForSelector('#state[data-state="signed-in"]', { timeout: 60000 });
    // No input: the warning, counting down.
    await page.waitForSelector("#idle-banner:not([hidden])", { timeout: 60000 });
    assert.match(await page.textContent("#idle-banner"), /^No activity: signing out in \d+ s\./);
    await shoot(page, "demo-6-idle.png", "#panel");
    // Input ("active"): the banner goes.
    await page.click("header h1");
    await page.waitForFunction(() => document.getElementById("idle-banner").hidden, null, { timeout: 60000 });
    assert.equal(await stateOf(page), "signed-in");
    // No input again until the end: signed out, and it sticks — a reload does not resume (no code exchange), although
    // the provider's session lives (idleSignOut "local").
    await waitFor(async () => (await page.textContent("#state")) === "Signed out (idle)", { timeout: 60000, what: "Signed out (idle)" });
    const codes = h.env.control.stats().token.authorization_code;
    await page.goto(`${h.env.hostURL}/`);
    await page.waitForSelector('#state[data-state="signed-out"]', { timeout: 60000 });
    assert.equal(await page.textContent("#state"), "Signed out");
    assert.equal(h.env.control.stats().token.authorization_code, codes, "restore() exchanged no code");
    const prompt = new URL(await page.evaluate(() => window.demo.client.authorizeURL())).searchParams.get("prompt");
    assert.equal(prompt, "login", "a sign-in asks for the password");
  } finally {
    h.env.setIdle({});
    await ctx.close();
  }
});

test("errors in plain words with their code: the user cancels at the provider; a tampered callback", async () => {
  const ctx = await h.browser.newContext({ viewport });
  try {
    const page = await ctx.newPage();
    await page.goto(`${h.env.hostURL}/`);
    await page.waitForSelector('#state[data-state="signed-out"]');
    await page.click("#sign-in");
    await fillProviderForm(page, "#kc-cancel");
    await page.waitForSelector('#state[data-state="error"]', { timeout: 60000 });
    assert.equal(await page.textContent("#state"), "Sign-in failed");
    const text = await page.textContent("#error");
    assert.match(text, /^The sign-in was cancelled or access was denied\. \(oauth_error: access_denied\)/);
    assert.ok(!(await page.isVisible("#signed-in")), "no empty user details");
    assert.ok(await page.isVisible("#sign-in"), "Sign in is offered again");
    assert.doesNotMatch(await page.url(), /[?&](error|state)=/, "the error left the address bar");
    await shoot(page, "demo-5-error.png");

    // A callback whose state matches no sign-in started here.
    await page.evaluate(() => window.demo.client.authorizeURL()); // a pending sign-in with another state
    await page.goto(`${h.env.hostURL}/?code=forged&state=not-the-one&iss=${encodeURIComponent(h.env.issuer)}`);
    await page.waitForSelector('#state[data-state="error"]', { timeout: 60000 });
    assert.equal(await page.textContent("#error"), "This sign-in response does not belong to a sign-in started here. (state_mismatch)");
  } finally {
    await ctx.close();
  }
});
// Issue 22 §3: "Confirm as <user>" re-authenticates the signed-in clinician in a popup (session.reauthenticate);
// another clinician's password is refused in plain words (user_mismatch), and the demo stays signed in as before.
test("Confirm as <user>: the signed-in clinician confirms; another one is refused (user_mismatch)", async () => {
  const { waitForPopup } = await import("./engines.mjs");
  const { SECOND_USER } = await import("../dev/provider.mjs");
  const ctx = await h.browser.newContext({ viewport });
  try {
    const page = await ctx.newPage();
    await page.goto(`${h.env.hostURL}/`);
    await page.waitForSelector('#state[data-state="signed-out"]');
    await page.click("#sign-in");
    await fillProviderForm(page);
    await page.waitForSelector('#state[data-state="signed-in"]', { timeout: 60000 });
    assert.equal(await page.textContent("#confirm"), `Confirm as ${h.env.user.name}`);
    const confirmAs = async (user) => {
      const popped = waitForPopup(page);
      await page.click("#confirm");
      const popup = await popped;
      await popup.waitForSelector("#password", { timeout: 60000 });
      await popup.fill("#username", user.username);
      await popup.fill("#password", user.password);
      await popup.click("#kc-login").catch(() => {});
    };
    await confirmAs(h.env.user);
    await page.waitForSelector("#confirmed:not([hidden])", { timeout: 60000 });
    assert.match(await page.textContent("#confirmed"), new RegExp(`^Confirmed by ${h.env.user.name} at `));
    await confirmAs(SECOND_USER);
    await page.waitForSelector("#error:not([hidden])", { timeout: 60000 });
    assert.match(await page.textContent("#error"), /only the signed-in clinician can confirm.*\(user_mismatch\)/);
    assert.equal(await page.textContent("#state"), `Signed in as ${h.env.user.name}`);
  } finally {
    await ctx.close();
  }
});
});
