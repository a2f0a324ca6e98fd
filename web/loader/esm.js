
// ES module entry: import { load } from "./corti-auth.js" (next to corti-auth.wasm). The Makefile puts Go's
// wasm_exec.js at the top of this file, so that the module needs no import of its own before it can fetch the wasm.
const loader = makeLoader(() => new URL("./corti-auth.wasm", import.meta.url));
export const load = loader.load;
export const CortiAuthError = loader.CortiAuthError;
