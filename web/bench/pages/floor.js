// bench page for the floor binary (web/bench/floor: safejs + golang-jwt/jwt/v5 only, served under /floor/ by
// bench.mjs): the same start-up as corti.js — wasm-marks.js, then the loader's load() — and nothing after it.
import "./wasm-marks.js";
import { load } from "/floor/corti-auth.js";

window.__m.moduleStart = performance.now();
const ns = await load();
window.bench = { lib: "floor", ready: performance.now(), marks: window.__m, version: ns.version };
document.body.dataset.ready = "1";
