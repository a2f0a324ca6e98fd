// Issue 15 §4 and §5 against the stand-in Assistant, in every engine of ENGINES:
// responses and errors judged like Corti's component (@corti/embedded-web) —
// a response with an error fails even with success: true, the docs' shape
// (no action nor version, data, error object) is accepted, a ready-version
// mismatch and error.triggered reach the mount's error listeners as typed
// errors, a frame repeating embedded.ready makes no loop — and the rest of v1
// as typed methods: setCredentials, showDeviceLinkQR, navigate(path | {path}),
// addFacts(list | {facts}), show/hide, the allow attribute with device-capture,
// getTemplates as the component's types have it.
//
// Everything here is the page's public API, the stand-in's own record
// (window.__assistant) and what the host page's own message listener sees, so
// no engine needs more than the harness's common subset.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setup, signedInPage, withContext, frameOf, waitFor, forEachEngine } from "./harness.mjs";

forEachEngine((engine) => {
let h;
before(async () => { h = await setup({}, engine); });
after(async () => { await h?.close(); });

/** The next load of <assistant>/embedded goes on to /embedded?<query> (one server-wide shot: tests run one at a time). */
function hookEmbedded(query) {
  const pending = h.env.control.assistantNextEmbedded(`${query}&parentOrigin=${encodeURIComponent(h.env.hostURL)}`);
  assert.equal(pending, false, "no earlier hook left unused");
  return () => !h.env.control.assistantNextEmbedded(null);
}

/**
 * Signs in, records every message the host page receives from the Assistant origin (window.__seen) and mounts
 * the Assistant in #pane-a as window.A, its emitted events (errors as {code, assistantCode, ...}) in window.AE.
 */
async function mounted(ctx, opts = {}) {
  const page = await signedInPage(ctx, h.env);
  const m = await page.evaluate(({ origin, opts }) => {
    window.__seen = [];
    addEventListener("message", (e) => { if (e.origin === origin) window.__seen.push(JSON.parse(JSON.stringify(e.data))); });
    return window.t.try(async () => {
      const a = await window.t.session.mountAssistant("#pane-a", opts);
      window.A = a;
      window.AE = [];
      a.on("*", (d, name) => window.AE.push({ name, detail: d instanceof Error
        ? { isError: true, name: d.name, code: d.code, assistantCode: d.assistantCode, message: d.message, description: d.description }
        : JSON.parse(JSON.stringify(d ?? null)) }));
      return { user: a.user };
    });
  }, { origin: h.env.assistantBaseURL, opts });
  return { page, m };
}

const call = (page, fn, arg) => page.evaluate(({ src, arg }) => window.t.try(() => (0, eval)(src)(window.A, arg)), { src: String(fn), arg });
const errorsOf = (page) => page.evaluate(() => window.AE.filter((e) => e.name === "error").map((e) => e.detail));

test("§4 a response with an error fails even with success: true (both shapes)", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const { page, m } = await mounted(ctx);
    assert.ok(m.ok, JSON.stringify(m.error));
    const frame = await frameOf(page, "#pane-a iframe");
    await frame.evaluate(() => {
      window.__assistant.override.getStatus = { success: true, payload: { currentUrl: "/" }, error: "half done", errorCode: "INTERNAL_ERROR" };
      window.__assistant.override.getTemplates = { success: true, data: { templates: [] }, error: { message: "no templates", code: "NOT_FOUND" } };
      window.__assistant.override.startRecording = { success: true, error: null }; // null is no error
    });
    const st = await call(page, (a) => a.getStatus());
    assert.equal(st.ok, false, JSON.stringify(st));
    assert.equal(st.error.code, "assistant_error");
    assert.equal(st.error.assistantCode, "INTERNAL_ERROR");
    assert.equal(st.error.description, "half done");
    const tp = await call(page, (a) => a.getTemplates());
    assert.equal(tp.ok, false, JSON.stringify(tp));
    assert.equal(tp.error.assistantCode, "NOT_FOUND");
    assert.equal(tp.error.description, "no templates");
    const rec = await call(page, (a) => a.startRecording());
    assert.ok(rec.ok, JSON.stringify(rec));
  });
});

test("§4 the docs' shape (legacy hook: no action nor version, data, error object) is accepted", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const taken = hookEmbedded("legacy=1");
    const { page, m } = await mounted(ctx, { requestTimeoutMs: 20000 });
    assert.ok(taken(), "the iframe loaded the legacy stub");
    assert.ok(m.ok, JSON.stringify(m.error));
    assert.equal(m.value.user?.email, h.env.user.email, "user read from data");
    const r = await call(page, async (a) => ({ status: await a.getStatus(), templates: await a.getTemplates() }));
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal(r.value.status.auth.isAuthenticated, true);
    assert.equal(r.value.templates.templates.length, 3);
    const bad = await call(page, (a) => a.request("noSuchAction", {}));
    assert.equal(bad.ok, false);
    assert.equal(bad.error.code, "assistant_error");
    assert.equal(bad.error.assistantCode, "INVALID_PAYLOAD", "code from error.code");
    assert.match(bad.error.description, /UNKNOWN_ACTION/, "message from error.message");
    // What the frame sent is exactly the docs' shape.
    const seen = await page.evaluate(() => window.__seen);
    const responses = seen.filter((d) => d.type === "CORTI_EMBEDDED_RESPONSE");
    assert.ok(responses.length >= 4, JSON.stringify(responses));
    for (const d of responses) {
      assert.ok(!("action" in d) && !("version" in d) && !("payload" in d), JSON.stringify(d));
      for (const k of Object.keys(d)) assert.ok(["type", "requestId", "success", "data", "error"].includes(k), k);
    }
    const failed = responses.find((d) => d.success === false);
    assert.deepEqual(Object.keys(failed.error).sort(), ["code", "message"]);
    const authed = seen.find((d) => d.event === "embedded.authenticated");
    assert.ok(authed && !("version" in authed), "events without version too");
    assert.ok((await call(page, (a) => a.navigate("/session/legacy"))).ok);
    await waitFor(() => page.evaluate(() => window.AE.some((e) => e.name === "embedded.navigated" && e.detail.path === "/session/legacy")),
      { what: "a legacy event at the listeners" });
  });
});

test("§4 a ready announcing another protocol version reaches the error listeners (assistant_error, VERSION_MISMATCH)", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const taken = hookEmbedded("readyVersion=v2");
    const { page, m } = await mounted(ctx);
    assert.ok(taken(), "the iframe loaded the readyVersion stub");
    assert.ok(m.ok, `a mismatch is reported, not fatal: ${JSON.stringify(m.error)}`);
    // The listener is attached once mountAssistant resolved: the first ready's error was emitted before it. A reload
    // of the frame announces v2 again and is reported to the listener now in place.
    const frame = await frameOf(page, "#pane-a iframe");
    const page0 = await frame.evaluate(() => window.__assistant.pageId);
    await page.evaluate((u) => { window.A.iframe.src = u; }, `${h.env.assistantBaseURL}/embedded?readyVersion=v2&parentOrigin=${encodeURIComponent(h.env.hostURL)}`);
    await waitFor(async () => (await errorsOf(page)).length > 0, { what: "an error event" });
    const [e] = await errorsOf(page);
    assert.equal(e.isError, true);
    assert.equal(e.name, "CortiAuthError");
    assert.equal(e.code, "assistant_error");
    assert.equal(e.assistantCode, "VERSION_MISMATCH");
    assert.match(e.message, /"v2"/);
    await waitFor(() => frame.evaluate((p) => window.__assistant && window.__assistant.pageId !== p && window.__assistant.authCount === 1, page0), { what: "the reloaded frame authenticated" });
  });
});

test("§4 error.triggered ({ message, code? }) reaches the error listeners as a typed error", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const { page, m } = await mounted(ctx);
    assert.ok(m.ok, JSON.stringify(m.error));
    const frame = await frameOf(page, "#pane-a iframe");
    await frame.evaluate(() => {
      window.__assistant.emit("error.triggered", { message: "Microphone unavailable", code: "MIC_DENIED" });
      window.__assistant.emit("error.triggered", { message: "Something else" });
    });
    await waitFor(async () => (await errorsOf(page)).length === 2, { what: "two error events" });
    const [a, b] = await errorsOf(page);
    assert.deepEqual([a.isError, a.name, a.code, a.assistantCode, a.description], [true, "CortiAuthError", "assistant_error", "MIC_DENIED", "Microphone unavailable"]);
    assert.deepEqual([b.code, b.description], ["assistant_error", "Something else"]);
    assert.ok(!b.assistantCode, `no code sent, none made up: ${JSON.stringify(b)}`);
    const names = await page.evaluate(() => window.AE.map((e) => e.name));
    assert.equal(names.filter((n) => n === "error.triggered").length, 2, "the event itself still reaches its listeners");
  });
});

test("§4 a faulty frame repeating embedded.ready makes no loop: at most 3 re-authentications a minute, one RELOAD_LIMIT error", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const taken = hookEmbedded("repeatReady=1");
    const { page, m } = await mounted(ctx);
    assert.ok(taken(), "the iframe loaded the repeatReady stub");
    assert.ok(m.ok, JSON.stringify(m.error));
    const frame = await frameOf(page, "#pane-a iframe");
    await waitFor(async () => (await errorsOf(page)).some((e) => e.assistantCode === "RELOAD_LIMIT"), { what: "the RELOAD_LIMIT error" });
    // Then a further 80 ready posts (2 s at 25 ms) go unanswered.
    const posts = await frame.evaluate(() => window.__assistant.readyPosts);
    await waitFor(() => frame.evaluate((n) => window.__assistant.readyPosts >= n + 80, posts), { what: "80 more ready posts" });
    const auths = await frame.evaluate(() => window.__assistant.received.filter((r) => r.data && r.data.action === "auth").length);
    assert.equal(auths, 4, "the first auth and 3 after repeated readies");
    const errs = await errorsOf(page);
    assert.equal(errs.filter((e) => e.assistantCode === "RELOAD_LIMIT").length, 1, JSON.stringify(errs));
    assert.equal(errs.find((e) => e.assistantCode === "RELOAD_LIMIT").code, "assistant_error");
    const st = await call(page, (a) => a.getStatus());
    assert.ok(st.ok && st.value.auth.isAuthenticated, `requests still work: ${JSON.stringify(st)}`);
  });
});

test("§5 setCredentials, showDeviceLinkQR, navigate(path | { path }), addFacts(list | { facts }) as the component sends them", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const { page, m } = await mounted(ctx);
    assert.ok(m.ok, JSON.stringify(m.error));
    const frame = await frameOf(page, "#pane-a iframe");
    const sent = (action) => frame.evaluate((action) => window.__assistant.received.filter((r) => r.data && r.data.action === action).map((r) => r.data.payload), action);

    const cred = await call(page, (a) => a.setCredentials({ password: "s3cret" }));
    assert.ok(cred.ok, JSON.stringify(cred));
    assert.equal(await frame.evaluate(() => window.__assistant.credentials), 1);
    for (const bad of [{}, { password: "" }, undefined]) {
      const r = await call(page, (a, bad) => a.setCredentials(bad), bad);
      assert.equal(r.ok, false);
      assert.equal(r.error.code, "invalid_config", JSON.stringify(r));
    }
    assert.equal((await sent("setCredentials")).length, 1, "a refused call posts nothing");

    // Without assistantRefreshes the refresh token is handed over only when asked for (issue 22 §4): refused, posting
    // nothing, then sent with { shareRefreshToken: true }.
    const refused = await call(page, (a) => a.showDeviceLinkQR());
    assert.equal(refused.ok, false);
    assert.equal(refused.error.code, "invalid_config", JSON.stringify(refused));
    assert.match(refused.error.message, /shareRefreshToken/);
    assert.equal((await sent("showDeviceLinkQR")).length, 0, "a refused call posts nothing");
    const qr = await call(page, (a) => a.showDeviceLinkQR({ shareRefreshToken: true }));
    assert.deepEqual(qr, { ok: true, value: { status: "dismissed" } });
    await frame.evaluate(() => { window.__assistant.qrStatus = "approved"; });
    assert.deepEqual(await call(page, (a) => a.showDeviceLinkQR({ shareRefreshToken: true })), { ok: true, value: { status: "approved" } });
    const [qp] = await sent("showDeviceLinkQR");
    const tokens = await page.evaluate(() => window.t.session.tokens);
    assert.equal(qp.refresh_token, tokens.refresh_token, "the session's refresh token");
    assert.equal(qp.token_type, "Bearer");
    assert.ok(!("expires_at" in qp) || typeof qp.expires_at === "number");

    assert.ok((await call(page, (a) => a.navigate("/session/a"))).ok);
    assert.equal(await frame.evaluate(() => window.__assistant.state.currentPath), "/session/a");
    assert.ok((await call(page, (a) => a.navigate({ path: "/session/b" }))).ok);
    assert.equal(await frame.evaluate(() => window.__assistant.state.currentPath), "/session/b");
    assert.deepEqual(await sent("navigate"), [{ path: "/session/a" }, { path: "/session/b" }]);
    for (const bad of [{}, "", 42]) {
      const r = await call(page, (a, bad) => a.navigate(bad), bad);
      assert.equal(r.error?.code, "invalid_config", JSON.stringify(r));
    }

    const fact = { text: "Penicillin allergy", group: "allergies" };
    assert.ok((await call(page, (a, f) => a.addFacts([f]), fact)).ok);
    assert.ok((await call(page, (a, f) => a.addFacts({ facts: [f, { ...f, source: "user" }] }), fact)).ok);
    assert.equal(await frame.evaluate(() => window.__assistant.state.facts.length), 3);
    assert.deepEqual((await sent("addFacts"))[0], { facts: [fact] });
    assert.equal((await call(page, (a) => a.addFacts("x"))).error?.code, "invalid_config");
  });
});

test("§5 show() / hide() set the iframe's display as the component does; allow grants device-capture to the origin only; getTemplates as responses.ts", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const { page, m } = await mounted(ctx);
    assert.ok(m.ok, JSON.stringify(m.error));
    const display = () => page.evaluate(() => [getComputedStyle(window.A.iframe).display, window.A.visible]);
    assert.deepEqual(await display(), ["inline", true], "visible until hide()");
    assert.equal(await page.evaluate(() => window.A.hide()), undefined, "synchronous");
    assert.deepEqual(await display(), ["none", false]);
    await page.evaluate(() => window.A.show());
    assert.deepEqual(await display(), ["block", true]);

    const allow = await page.evaluate(() => window.A.iframe.getAttribute("allow"));
    const origin = h.env.assistantBaseURL;
    assert.equal(allow, ["microphone", "camera", "device-capture", "display-capture", "clipboard-write"].map((f) => `${f} ${origin}`).join("; "));

    const t = await call(page, (a) => a.getTemplates());
    assert.ok(t.ok, JSON.stringify(t));
    for (const tp of t.value.templates) {
      assert.equal(typeof tp.id, "string");
      assert.equal(typeof tp.name, "string");
      assert.deepEqual(Object.keys(tp.language).sort(), ["code", "name"]);
      assert.equal(typeof tp.isCustom, "boolean");
    }
  });
});

test("§5 createInteraction takes assignedUserId and birthDate as null", { timeout: 180000 }, async () => {
  await withContext(h.browser, async (ctx) => {
    const { page, m } = await mounted(ctx);
    assert.ok(m.ok, JSON.stringify(m.error));
    const r = await call(page, (a) => a.createInteraction({
      assignedUserId: null,
      encounter: { identifier: "enc-null", status: "planned", type: "first_consultation", period: { startedAt: new Date().toISOString() } },
      patient: { identifier: "p-1", birthDate: null },
    }));
    assert.ok(r.ok, JSON.stringify(r));
    const frame = await frameOf(page, "#pane-a iframe");
    const [p] = await frame.evaluate(() => window.__assistant.received.filter((x) => x.data && x.data.action === "createInteraction").map((x) => x.data.payload));
    assert.equal(p.assignedUserId, null);
    assert.equal(p.patient.birthDate, null);
  });
});
});
