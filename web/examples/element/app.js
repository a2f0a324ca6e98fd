// Local environment only: its settings (ports, client id) come from /config.json and are put on the tag before the
// element module is imported. With Corti, write them on the tag and load /dist/corti-assistant.js directly.
const cfg = await (await fetch("/config.json")).json();
const el = document.querySelector("corti-assistant");
el.setAttribute("client-id", cfg.clientId);
el.setAttribute("tenant", cfg.tenant);
el.setAttribute("auth-base-url", cfg.authBaseURL);
el.setAttribute("baseurl", cfg.assistantBaseURL);
await import("/dist/corti-assistant.js");
