// corti-auth loader core, shared by corti-auth.js (ES module) and
// corti-auth.global.js (classic script); the Makefile wraps it for each.
// One Go instance per page: both entry points share it through a global slot.

// The objects a page gets — the namespace, Client, Session and Assistant — are
// the classes below, each around a handle of the Go side. Every method goes
// through one Go function, call(handle, method, resolve, reject, ...args): an
// async method passes its Promise's resolve and reject, which Go settles from
// a goroutine; a sync one passes neither and gets {v} or {e} back (a Go
// function cannot throw). Listeners live here: Go hands each event to emit().
// When an object ends (session.close(), assistant.destroy(), an Assistant
// unloaded at its session's end), Go calls end() and forgets the handle; the
// object then answers from what it saved without calling Go: a method rejects
// (async) or throws (sync) with the error it ended with, close and destroy do
// nothing, a getter gives the value it had.
// Go names objects by handle and holds none of them: this file does. An object
// with events (a Session, an Assistant) is held while Go may still emit to it,
// so that a page that kept only a listener still hears "ended"; Go lets go of
// it at its end (letGo). From then on, and from the start for the others, it
// is held only by the page (and by its own calls in flight), and once the
// garbage collector takes it, forget(handle) tells Go to drop its side: a page
// open all day keeps no session it let go of. The bridge gets makeObjects with
// CortiAuthError (bridge.Init reads them from the hooks object), and its
// GOOS=js tests evaluate this file: one copy, and no function built from
// source (a strict Content-Security-Policy forbids it).

// The members of each kind: props are fixed at creation, getters ask Go at
// each read, async methods return a Promise, sync ones answer at once; ends
// names the method that ends the object, on whether it has events.
const KINDS = {
  CortiAuth: { props: ["version"], sync: ["decodeToken", "createClient"] },
  Client: {
    props: ["config"],
    async: ["authorizeURL", "login", "handleCallback", "restore", "loginWithPopup", "loginWithPassword"],
    sync: ["isCallback", "fromTokens", "mountAssistant"],
  },
  Session: {
    getters: ["tokens", "claims", "ended"],
    async: ["getAccessToken", "refresh", "mountAssistant", "reauthenticate", "logout"],
    sync: ["touch"], ends: "close", on: true,
  },
  Assistant: {
    props: ["iframe", "origin"],
    getters: ["user", "visible"],
    async: ["createInteraction", "configureApp", "setInteractionOptions", "addFacts", "startRecording", "stopRecording",
      "getStatus", "getTemplates", "navigate", "setCredentials", "showDeviceLinkQR", "request", "authenticate"],
    sync: ["show", "hide"], ends: "destroy", on: true,
  },
};

function makeObjects(call, forget) {
  const recs = new WeakMap(); // object → its record: {kind, h, dead, last, subs}
  // handle → {held: object} while Go may emit to it, then a WeakRef (where the
  // engine has none, the object stays held, as everything did before).
  const refs = new Map();
  const weak = typeof WeakRef === "function" && typeof FinalizationRegistry === "function";
  const collected = weak && new FinalizationRegistry((h) => {
    const ref = refs.get(h);
    if (ref && ref.deref && !ref.deref()) refs.delete(h);
    try { forget(h); } catch { /* the Go program has ended */ }
  });
  const objectOf = (h) => {
    const ref = refs.get(h);
    return ref ? (ref.deref ? ref.deref() : ref.held) : undefined;
  };
  function letGo(h) {
    const ref = refs.get(h);
    if (!weak || !ref || !ref.held) return;
    refs.set(h, new WeakRef(ref.held));
    collected.register(ref.held, h);
  }

  function invoke(r, name, args, async, self) {
    if (async) {
      if (r.dead) return Promise.reject(r.dead);
      return new Promise((resolve, reject) => {
        // Go holds these two until it settles them: through them, the object
        // stays alive while its call is in flight.
        const ok = (v) => { resolve(v); return self; };
        const fail = (e) => { reject(e); return self; };
        const out = call(r.h, name, ok, fail, ...args); // Go settles it later, or answers {e} at once
        if (out && out.e !== undefined) reject(out.e);
      });
    }
    if (r.dead) throw r.dead;
    const out = call(r.h, name, undefined, undefined, ...args);
    if (out && out.e !== undefined) throw out.e;
    return out ? out.v : undefined;
  }

  const classes = {};
  for (const [kind, spec] of Object.entries(KINDS)) {
    classes[kind] = {
      [kind]: class {
        constructor(r, init) {
          recs.set(this, r);
          for (const p of spec.props || []) this[p] = init[p];
          for (const g of spec.getters || []) {
            Object.defineProperty(this, g, { enumerable: true, get: () => (r.dead ? r.last[g] : invoke(r, g, [], false)) });
          }
          for (const m of spec.async || []) this[m] = (...args) => invoke(r, m, args, true, this);
          for (const m of spec.sync || []) this[m] = (...args) => invoke(r, m, args, false);
          if (spec.ends) this[spec.ends] = (...args) => { if (!r.dead) invoke(r, spec.ends, args, false); };
          if (spec.on) {
            this.on = (name, listener) => {
              invoke(r, "on", [name, listener], false); // Go checks the name and the listener (or throws)
              let subs = r.subs.get(name);
              if (!subs) r.subs.set(name, (subs = new Set()));
              const entry = { listener };
              subs.add(entry);
              return () => { subs.delete(entry); };
            };
          }
          if (init.stats) this.__runtimeStats = () => invoke(r, "__runtimeStats", [], false);
        }
      },
    }[kind];
  }

  return {
    // make(kind, handle, init) is the object of a new handle.
    make(kind, h, init) {
      const obj = new classes[kind]({ kind, h, dead: null, last: {}, subs: new Map() }, init || {});
      refs.set(h, { held: obj });
      if (!KINDS[kind].on) letGo(h); // nothing to emit to: the page's alone from the start
      return obj;
    },
    letGo,
    // object(handle) is its object while it lives (undefined once collected).
    object: objectOf,
    // handleOf(value) is the handle of one of these objects, else 0.
    handleOf(v) {
      const r = v !== null && typeof v === "object" ? recs.get(v) : undefined;
      return r ? r.h : 0;
    },
    // emit(handle, name, detail) calls its object's listeners of name, then of "*", as they are now; one that throws
    // is logged.
    emit(h, name, detail) {
      const r = recs.get(objectOf(h));
      if (!r) return;
      for (const key of [name, "*"]) {
        for (const { listener } of [...(r.subs.get(key) || [])]) {
          try {
            listener(detail, name);
          } catch (e) {
            console.error(`corti-auth: a ${name} listener threw:`, e);
          }
        }
      }
    },
    // end(handle, err) ends its object: its getters keep the values they have now, its methods answer err; Go
    // forgets the handle, and lets go (letGo) once its last event is delivered.
    end(h, err) {
      const r = recs.get(objectOf(h));
      if (!r || r.dead) return;
      for (const g of KINDS[r.kind].getters || []) {
        try { r.last[g] = invoke(r, g, [], false); } catch { r.last[g] = undefined; }
      }
      r.dead = err;
    },
  };
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
    globalThis[key] = { CortiAuthError, makeObjects, resolve, reject: (m) => reject(new CortiAuthError(String(m), { code: "internal" })) };
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
