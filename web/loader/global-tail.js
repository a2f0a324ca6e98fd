const loader = makeLoader(() => new URL("corti-auth.wasm", scriptSrc || globalThis.location.href));
globalThis.CortiAuth = { load: loader.load, CortiAuthError: loader.CortiAuthError };
})();
