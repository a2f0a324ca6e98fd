// The demo's second page: the whole integration is the <corti-assistant> tag; this script only puts the local
// environment's settings on it (its ports change per run) and shows the element's events.
const $ = (id) => document.getElementById(id);
const cfg = await (await fetch("/config.json")).json();
const el = document.querySelector("corti-assistant");
el.setAttribute("client-id", cfg.clientId);
el.setAttribute("tenant", cfg.tenant);
el.setAttribute("auth-base-url", cfg.authBaseURL);
el.setAttribute("baseurl", cfg.assistantBaseURL);
if (cfg.idleTimeoutSeconds) el.setAttribute("idle-timeout", String(cfg.idleTimeoutSeconds));

function status(state, text) {
  $("state").dataset.state = state;
  $("state").textContent = text;
}
el.addEventListener("signedin", (e) => {
  status("signed-in", `Signed in as ${e.detail.claims.name || e.detail.claims.preferredUsername}`);
  $("element-sign-out").hidden = false;
});
el.addEventListener("signedout", (e) => {
  status("signed-out", `Signed out (${e.detail.reason})`);
  $("element-sign-out").hidden = true;
});
el.addEventListener("event", (e) => { $("last-event").textContent = `Last Assistant event: ${e.detail.name}`; });
el.addEventListener("error", (e) => status("error", `${e.detail.message}${e.detail.code ? ` (${e.detail.code})` : ""}`));
$("element-sign-out").addEventListener("click", () => el.logout({ navigate: false }));
// The element's state attribute (loading, signing-in, signed-in, signed-out, …): before any sign-in event.
new MutationObserver(() => {
  if (el.getAttribute("state") === "signed-out" && $("state").dataset.state === "loading") status("signed-out", "Signed out: the element shows its sign-in button");
}).observe(el, { attributes: true, attributeFilter: ["state"] });

await import("/dist/corti-assistant.js");
