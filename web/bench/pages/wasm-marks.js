// Diagnostics only (a side-effect module, imported before corti-auth.js: the fetches go in parallel, and this one is
// evaluated first): times WebAssembly instantiation so that bench.mjs and floor.mjs can split "ready" into fetch + compile/instantiate (instantiateStreaming or the fallback) and Go's
// start-up until main hands over the namespace. Marks go to window.__m.
(() => {
  const m = (window.__m = {});
  const wrap = (name) => {
    const orig = WebAssembly[name];
    WebAssembly[name] = async function (...args) {
      m[name + "Start"] = performance.now();
      try {
        const r = await orig.apply(WebAssembly, args);
        m[name + "End"] = performance.now();
        return r;
      } catch (e) {
        m[name + "Error"] = String((e && e.message) || e);
        throw e;
      }
    };
  };
  wrap("instantiateStreaming");
  wrap("instantiate");
})();
