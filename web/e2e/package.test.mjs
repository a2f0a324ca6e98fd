// Issue 8: `npm pack` (after `make build`) gives a usable package: the tarball holds dist/ and the README only,
// installs into a fresh project, its exports resolve (Node and TypeScript), and a page that serves the installed
// node_modules/corti-auth/dist loads it in Chromium — as an ES module and with classic script tags.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { setup } from "./harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const work = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-pack-"));
const project = join(work, "consumer"); // the temporary project the tarball is installed into
const pages = join(work, "pages"); // the pages that load it
const pkgDist = join(project, "node_modules", "corti-auth", "dist");

function run(cmd, args, cwd) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, timeout: 120000, maxBuffer: 64 << 20, env: { ...process.env, npm_config_update_notifier: "false" } },
      (err, stdout, stderr) => (err ? reject(Object.assign(err, { stdout, stderr })) : resolve({ stdout, stderr })));
  });
}

let h;
let packed; // npm pack --json's report
before(async () => {
  assert.ok(existsSync(join(root, "dist", "corti-auth.wasm")), "run `make build` first");
  // Pack exactly what `make build` wrote (--ignore-scripts: no prepack rebuild).
  const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], root);
  [packed] = JSON.parse(stdout.slice(stdout.indexOf("[")));
  mkdirSync(project);
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }, null, 2));
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", join(work, packed.filename)], project);

  mkdirSync(pages);
  // An ES-module page and a classic-script page, both loading the installed package from /pkg/.
  writeFileSync(join(pages, "esm.html"), `<!doctype html><meta charset="utf-8"><title>esm</title><script type="module" src="esm.js"></script>`);
  writeFileSync(join(pages, "esm.js"), `import { load, CortiAuthError } from "/pkg/corti-auth.js";
const corti = await load();
let code = "";
try { corti.decodeToken("not-a-jwt"); } catch (e) { code = e instanceof CortiAuthError ? e.code : "not a CortiAuthError"; }
window.result = { version: corti.version, same: (await load()) === corti, keys: Object.keys(corti).sort(), code };
`);
  writeFileSync(join(pages, "global.html"), `<!doctype html><meta charset="utf-8"><title>global</title>
<script src="/pkg/wasm_exec.js"></script><script src="/pkg/corti-auth.global.js"></script><script src="global.js"></script>`);
  writeFileSync(join(pages, "global.js"), `CortiAuth.load().then(function (c) { window.result = { version: c.version }; }, function (e) { window.result = { error: e.code + ": " + e.message }; });`);

  h = await setup({ staticRoots: { "/pkg/": pkgDist, "/app/": pages } });
});
after(async () => {
  await h?.close();
  rmSync(work, { recursive: true, force: true });
});

test("the tarball holds dist/ (wasm, wasm_exec.js, both loaders, the element, types, the callback page), the README and package.json — nothing else", () => {
  const files = packed.files.map((f) => f.path).sort();
  assert.deepEqual(files, ["README.md", "dist/callback.html", "dist/callback.js", "dist/corti-assistant.d.ts", "dist/corti-assistant.js",
    "dist/corti-auth.d.ts", "dist/corti-auth.global.js", "dist/corti-auth.js", "dist/corti-auth.wasm", "dist/wasm_exec.js", "package.json"]);
  const pkg = JSON.parse(readFileSync(join(project, "node_modules", "corti-auth", "package.json"), "utf8"));
  assert.equal(pkg.name, "corti-auth");
  assert.notEqual(pkg.private, true);
  assert.deepEqual(pkg.exports["."], { types: "./dist/corti-auth.d.ts", import: "./dist/corti-auth.js", default: "./dist/corti-auth.js" });
  assert.equal(pkg.types, "./dist/corti-auth.d.ts");
});

test("the exports resolve from the consuming project", async () => {
  const script = `console.log(JSON.stringify(["corti-auth", "corti-auth/global", "corti-auth/wasm", "corti-auth/corti-auth.wasm", "corti-auth/wasm_exec.js", "corti-auth/package.json", "corti-auth/corti-assistant.js"].map((s) => import.meta.resolve(s))))`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], project);
  const base = "file://" + join(project, "node_modules", "corti-auth");
  assert.deepEqual(JSON.parse(stdout), [
    `${base}/dist/corti-auth.js`, `${base}/dist/corti-auth.global.js`, `${base}/dist/corti-auth.wasm`,
    `${base}/dist/corti-auth.wasm`, `${base}/dist/wasm_exec.js`, `${base}/package.json`, `${base}/dist/corti-assistant.js`,
  ]);
});

test("TypeScript finds the package's types through exports (bundler and node16 resolution)", async () => {
  writeFileSync(join(project, "app.ts"), `import { load, CortiAuthError, type CortiAuthErrorCode } from "corti-auth";
const corti = await load();
const v: string = corti.version;
const c: CortiAuthErrorCode = new CortiAuthError("x", { code: "timeout" }).code;
// @ts-expect-error decodeToken takes a string
corti.decodeToken(1);
export { v, c };
`);
  writeFileSync(join(project, "element.ts"), `import "corti-auth/corti-assistant.js";
const el = document.createElement("corti-assistant");
el.addEventListener("signedout", (e) => console.log(e.detail.reason));
export const n: Promise<void> = el.navigate("/session/1");
`);
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  const modes = [["--module", "esnext", "--moduleResolution", "bundler"], ["--module", "node16", "--moduleResolution", "node16"]];
  const runs = await Promise.all(modes.map((res) =>
    run(process.execPath, [tsc, "--noEmit", "--strict", "--target", "es2022", "--lib", "es2022,dom", ...res, "app.ts", "element.ts"], project).catch((e) => e)));
  runs.forEach((r, i) => assert.equal((r.stdout || "") + (r.stderr || ""), "", `tsc ${modes[i].join(" ")}`));
});

test("a page loads the installed package in Chromium: ES module and classic scripts", async () => {
  const ctx = await h.browser.newContext();
  try {
    const page = await ctx.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${h.env.hostURL}/app/esm.html`);
    await page.waitForFunction(() => window.result, null, { timeout: 60000 });
    const r = await page.evaluate(() => window.result);
    assert.equal(typeof r.version, "string");
    assert.ok(r.version.length > 0);
    assert.equal(r.same, true, "load() is idempotent");
    assert.deepEqual(r.keys, ["createClient", "decodeToken", "version"]);
    assert.equal(r.code, "invalid_token");

    const g = await ctx.newPage();
    g.on("pageerror", (e) => errors.push(e.message));
    await g.goto(`${h.env.hostURL}/app/global.html`);
    await g.waitForFunction(() => window.result, null, { timeout: 60000 });
    assert.deepEqual(await g.evaluate(() => window.result), { version: r.version });
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
  }
});
