// corti-auth classic-script entry: <script src="wasm_exec.js"></script><script src="corti-auth.global.js"></script>
// then `const corti = await CortiAuth.load()`.
(function () {
"use strict";
const scriptSrc = (typeof document !== "undefined" && document.currentScript && document.currentScript.src) || "";
