// Issue 2: the storage conformance suite runs natively (memory), in Node
// (GOOS=js, a polyfill), and here again in Chromium against the real
// localStorage and sessionStorage: the GOOS=js test binary of storage/ is
// compiled and run inside a page, in every engine of ENGINES.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { setup, forEachEngine } from "./harness.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let bin;

before(async () => {
  bin = mkdtempSync(join(process.env.TMPDIR || tmpdir(), "corti-gotest-"));
  execFileSync("go", ["test", "-c", "-o", join(bin, "storage.test.wasm"), "./storage"], {
    cwd: root, env: { ...process.env, GOOS: "js", GOARCH: "wasm" }, stdio: "inherit",
  });
});
after(() => {
  if (bin) rmSync(bin, { recursive: true, force: true });
});

forEachEngine((engine) => {
let h;
before(async () => {
  h = await setup({
    staticRoots: {
      "/dist/": join(root, "dist"),
      "/gotest/": join(root, "web", "e2e", "pages", "gotest"),
      "/gotest-bin/": bin,
    },
  }, engine);
});
after(async () => {
  await h?.close();
});

test(`the storage conformance suite passes in ${engine} against the real localStorage and sessionStorage`, async () => {
  const ctx = await h.browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${h.env.hostURL}/gotest/index.html?bin=/gotest-bin/storage.test.wasm`);
    await page.waitForFunction(() => window.goTest && window.goTest.done, null, { timeout: 60000 });
    const { code, out } = await page.evaluate(() => window.goTest);
    const log = out.join("\n");
    assert.equal(code, 0, log);
    assert.match(log, /--- PASS: TestRealBrowserStores\/localStorage/);
    assert.match(log, /--- PASS: TestRealBrowserStores\/sessionStorage/);
    assert.doesNotMatch(log, /--- SKIP: TestRealBrowserStores/);
    assert.match(log, /^PASS$/m);
  } finally {
    await ctx.close();
  }
});
});
