// Local environment only (see ../element/app.js): the settings from /config.json go onto the tag, then the element
// module is imported. In a desktop host, write them on the tag and load corti-assistant.js directly.
const cfg = await (await fetch("/config.json")).json();
const el = document.querySelector("corti-assistant");
el.setAttribute("client-id", cfg.clientId);
el.setAttribute("tenant", cfg.tenant);
el.setAttribute("auth-base-url", cfg.authBaseURL);
el.setAttribute("baseurl", cfg.assistantBaseURL);
await import("/dist/corti-assistant.js");
