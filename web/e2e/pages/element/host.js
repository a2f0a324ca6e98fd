// One host script against <corti-embedded>'s element API (@corti/embedded-web 1.0.1): attribute baseurl and
// visibility, auth(tokens), every method, the DOM events. It knows nothing of corti-auth; element.test.mjs runs it on
// the official component and on <corti-assistant> and compares what it returns.
const RAW = ["embedded.ready", "embedded.authenticated", "embedded.navigated", "embedded.interactionCreated",
  "recording.started", "recording.stopped", "error.triggered"];

export async function runHost(box, tag, baseURL, tokens) {
  const el = document.createElement(tag);
  const seen = [];
  const log = (kind) => (e) => seen.push({ kind, type: e.type, detail: e.detail });
  for (const name of RAW) el.addEventListener(name, log("raw"));
  el.addEventListener("event", log("event"));
  el.addEventListener("error", log("error"));
  el.setAttribute("baseurl", baseURL);
  box.append(el);
  await settled();
  const out = { tag, visibilityAttr: el.getAttribute("visibility"), baseURL: el.baseURL };
  out.hiddenDisplay = getComputedStyle(el).display;
  el.show();
  await settled();
  out.shownAttr = el.getAttribute("visibility");
  out.shownDisplay = getComputedStyle(el).display;
  // The component answers only once its frame has loaded: wait for embedded.ready as its docs do.
  await new Promise((resolve) => {
    if (seen.some((s) => s.type === "embedded.ready")) resolve();
    else el.addEventListener("embedded.ready", () => resolve(), { once: true });
  });
  const call = async (name, fn) => {
    try {
      out[name] = { ok: true, value: await fn() };
    } catch (e) {
      let parsed = null;
      try { parsed = JSON.parse(e.message); } catch { /* not JSON */ }
      out[name] = { ok: false, isError: e instanceof Error, message: parsed ? parsed.message : e.message, code: parsed ? parsed.code : undefined };
    }
  };
  await call("auth", () => el.auth(tokens));
  await call("getStatus", () => el.getStatus());
  await call("createInteraction", async () => {
    const r = await el.createInteraction({
      assignedUserId: null,
      encounter: { identifier: "enc-1", status: "planned", type: "first_consultation", period: { startedAt: "2026-12-06T10:00:00Z" }, title: "Visit" },
      patient: { identifier: "pat-1", name: "Ann Patient" },
    });
    return { keys: Object.keys(r).sort(), idIsString: typeof r.id === "string" };
  });
  await call("navigate", () => el.navigate("/session/abc"));
  await call("navigateObject", () => el.navigate({ path: "/templates" }));
  await call("navigateBad", () => el.navigate({ path: "no-slash" }));
  await call("configureApp", () => el.configureApp({ ui: { aiChat: false } }));
  await call("setInteractionOptions", () => el.setInteractionOptions({ mode: { type: "facts" } }));
  await call("addFacts", () => el.addFacts([{ text: "Allergic to penicillin", group: "allergies" }]));
  await call("startRecording", () => el.startRecording());
  await call("stopRecording", () => el.stopRecording());
  await call("getTemplates", () => el.getTemplates());
  await call("setCredentials", () => el.setCredentials({ password: "s3cret" }));
  await call("setCredentialsEmpty", () => el.setCredentials({ password: "" }));
  await call("showDeviceLinkQR", () => el.showDeviceLinkQR(tokens));
  // The page's own refresh: auth again with (here the same) tokens.
  await call("authAgain", () => el.auth(tokens));
  await call("getStatusAgain", async () => (await el.getStatus()).auth.isAuthenticated);
  el.hide();
  await settled();
  out.hiddenAgainAttr = el.getAttribute("visibility");
  out.hiddenAgainDisplay = getComputedStyle(el).display;
  const frame = el.shadowRoot && el.shadowRoot.querySelector("iframe");
  out.frame = frame ? { title: frame.title, allow: frame.getAttribute("allow"), sandbox: frame.getAttribute("sandbox") } : null;
  out.events = seen.map((s) => ({ kind: s.kind, type: s.type, detail: normalise(s.detail) }));
  // Events after the run (an error.triggered the test makes the frame post), read the same way.
  window.hostEvents = () => seen.map((s) => ({ kind: s.kind, type: s.type, detail: normalise(s.detail) }));
  return out;
}

// The component (Lit) reflects a property change to its attribute in a microtask: let those run.
const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

// Ids and times differ from run to run: keep the shape.
function normalise(d) {
  return JSON.parse(JSON.stringify(d === undefined ? null : d, (k, v) => {
    if ((k === "id" || k === "createdAt") && typeof v === "string") return `<${k}>`;
    return v;
  }));
}
