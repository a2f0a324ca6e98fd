// Vite config of the example SPA: `npx vite build web/examples/vite-spa` (after `make build`) writes
// web/examples/vite-spa/dist/, a static folder to serve under the CSP in README.md.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  // Relative asset URLs: the built app works from any path (/, /app/, …).
  base: "./",
  resolve: {
    // In your app, `npm install corti-auth` and drop this alias: the package's exports point at the same file.
    alias: { "corti-auth": fileURLToPath(new URL("../../../dist/corti-auth.js", import.meta.url)) },
  },
  // The dev server pre-bundles dependencies into one file, which would move the module away from its wasm:
  // leave corti-auth as it is.
  optimizeDeps: { exclude: ["corti-auth"] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Never inline the wasm (or anything) as a data: URL — connect-src would refuse to fetch it.
    assetsInlineLimit: 0,
  },
});
