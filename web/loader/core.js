// corti-auth loader core, shared by corti-auth.js (ES module) and
// corti-auth.global.js (classic script); the Makefile wraps it for each.
// One Go instance per page: both entry points share it through a global slot.

// The helpers below are handed to the Go side with CortiAuthError (bridge.Init
// reads them from the hooks object); they are the only copy: the bridge's
// GOOS=js tests evaluate this file to get them, and the Go code builds no
// function from source (a strict Content-Security-Policy forbids it).

// A Go function cannot throw into JS: synchronous API functions answer
// {v} or {e}, and this wrapper throws e.
function wrapSync(fn) {
  return function (...args) {
    const r = fn.apply(this, args);
    if (r && r.e !== undefined) throw r.e;
    return r ? r.v : undefined;
  };
}

// once(f, a, b) is a function that calls f(a, b) the first time only (the
// unsubscribe functions of on()).
function once(f, a, b) {
  let done = false;
  return function () { if (!done) { done = true; f(a, b); } };
}

function makeLoader(defaultWasmURL) {
  const slot = Symbol.for("corti-auth");
  const shared = globalThis[slot] || (globalThis[slot] = {});
  if (!shared.CortiAuthError) {
    /** Every rejection and throw of corti-auth is a CortiAuthError with a `code`. */
    shared.CortiAuthError = class CortiAuthError extends Error {
      constructor(message, props) {
        super(message, props && props.cause !== undefined ? { cause: props.cause } : undefined);
        this.name = "CortiAuthError";
        this.code = "internal";
        if (props) {
          for (const k of Object.keys(props)) if (k !== "cause") this[k] = props[k];
        }
      }
    };
  }
  const CortiAuthError = shared.CortiAuthError;

  async function fetchModule(url, importObject) {
    if (typeof WebAssembly.instantiateStreaming === "function") {
      try {
        return await WebAssembly.instantiateStreaming(fetch(url, { credentials: "same-origin" }), importObject);
      } catch (e) {
        // A server that does not send Content-Type: application/wasm; fall back.
        if (!(e instanceof TypeError)) throw e;
      }
    }
    const resp = await fetch(url, { credentials: "same-origin" });
    if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
    return WebAssembly.instantiate(await resp.arrayBuffer(), importObject);
  }

  async function instantiate(url) {
    if (typeof globalThis.Go !== "function") {
      throw new CortiAuthError('wasm_exec.js is not loaded: add <script src="wasm_exec.js"></script> before corti-auth.global.js', { code: "invalid_config" });
    }
    const go = new globalThis.Go();
    const key = "__cortiAuthHooks_" + Math.random().toString(36).slice(2);
    go.env = Object.assign({}, go.env, { CORTI_AUTH_HOOKS: key });
    let resolve, reject;
    const ready = new Promise((res, rej) => { resolve = res; reject = rej; });
    globalThis[key] = { CortiAuthError, wrapSync, once, resolve, reject: (m) => reject(new CortiAuthError(String(m), { code: "internal" })) };
    try {
      let result;
      try {
        result = await fetchModule(url, go.importObject);
      } catch (e) {
        throw new CortiAuthError(`corti-auth: cannot load ${url}: ${e && e.message ? e.message : e}`, { code: "network_error", cause: e });
      }
      go.run(result.instance).then(
        () => reject(new CortiAuthError("corti-auth: the Go program exited", { code: "internal" })),
        (e) => reject(new CortiAuthError("corti-auth: the Go program failed: " + e, { code: "internal", cause: e })),
      );
      return await ready;
    } finally {
      delete globalThis[key];
    }
  }

  /**
   * load() instantiates corti-auth.wasm once per page and resolves with the
   * namespace {version, decodeToken, createClient}. Idempotent.
   */
  function load(opts) {
    if (!shared.promise) {
      const url = String((opts && opts.wasmURL) || defaultWasmURL());
      shared.promise = instantiate(url);
      shared.promise.catch(() => { shared.promise = undefined; });
    }
    return shared.promise;
  }
  return { load, CortiAuthError };
}
