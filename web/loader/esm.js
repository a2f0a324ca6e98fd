
// ES module entry: import { load } from "./corti-auth.js" (next to corti-auth.wasm and wasm_exec.js).
import "./wasm_exec.js";
const loader = makeLoader(() => new URL("./corti-auth.wasm", import.meta.url));
export const load = loader.load;
export const CortiAuthError = loader.CortiAuthError;
