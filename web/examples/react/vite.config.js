// Vite config of the React example: `npx vite build web/examples/react` (after `make build`) writes
// web/examples/react/dist/. No React plugin is needed for a build: esbuild compiles the JSX (automatic runtime).
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  esbuild: { jsx: "automatic" },
  resolve: {
    // In your app, `npm install corti-auth` and drop this alias: the package exports corti-auth/corti-assistant.js.
    alias: { "corti-auth/corti-assistant.js": fileURLToPath(new URL("../../../dist/corti-assistant.js", import.meta.url)) },
  },
  optimizeDeps: { exclude: ["corti-auth"] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Never inline the wasm as a data: URL — connect-src would refuse to fetch it.
    assetsInlineLimit: 0,
  },
});
