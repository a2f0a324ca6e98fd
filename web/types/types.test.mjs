// Issue 8: the TypeScript declarations (web/types/corti-auth.d.ts, copied to
// dist/) compile a realistic program under `tsc --noEmit --strict`, and refuse
// a program of deliberate misuse — every marked line, and only those.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
const flags = ["--noEmit", "--strict", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler",
  "--lib", "es2022,dom,dom.iterable", "--pretty", "false"];

function compile(file) {
  return new Promise((resolve) => {
    execFile(process.execPath, [tsc, ...flags, file], { cwd: root }, (err, stdout, stderr) => {
      resolve({ code: err ? err.code : 0, out: stdout + stderr });
    });
  });
}

/** tsc's "file(line,col): error TSnnnn: message" lines for file, as {line, code, message}. */
function errorsIn(out, file) {
  const re = /^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$/;
  return out.split("\n").map((l) => l.match(re)).filter(Boolean)
    .filter((m) => m[1].endsWith(file))
    .map((m) => ({ line: Number(m[2]), code: m[4], message: m[5] }));
}

// Both compilations run side by side.
const okRun = compile("web/types/test/ok.ts");
const misuseRun = compile("web/types/test/misuse.ts");


test("ok.ts — the whole API used as documented, <corti-assistant> too — compiles under --strict", async () => {
  const r = await okRun;
  assert.equal(r.out.trim(), "", "no diagnostics");
  assert.equal(r.code, 0);
});

test("misuse.ts fails to compile, with an error on each marked line and nowhere else", async () => {
  const src = readFileSync(join(here, "test", "misuse.ts"), "utf8").split("\n");
  const marked = src.map((l, i) => (/;\s*\/\/ misuse: /.test(l) ? i + 1 : 0)).filter(Boolean);
  assert.ok(marked.length >= 25, `misuse.ts marks ${marked.length} lines`);
  const r = await misuseRun;
  assert.notEqual(r.code, 0, "tsc must fail");
  const errs = errorsIn(r.out, "misuse.ts");
  assert.ok(errs.length > 0, r.out);
  const lines = new Set(errs.map((e) => e.line));
  const missing = marked.filter((l) => !lines.has(l));
  assert.deepEqual(missing.map((l) => `${l}: ${src[l - 1].trim()}`), [], "misuse that compiled");
  const stray = errs.filter((e) => !marked.includes(e.line));
  assert.deepEqual(stray.map((e) => `${e.line}: ${e.code} ${e.message}`), [], "errors on lines not marked as misuse");
  // Nothing else went wrong (an unresolved import would also fail the build).
  assert.equal(errorsIn(r.out, "corti-auth.d.ts").length, 0, r.out);
});

test("dist/corti-auth.d.ts is web/types/corti-auth.d.ts (make build copies it)", { skip: !exists(join(root, "dist", "corti-auth.d.ts")) && "dist/ not built" }, () => {
  assert.equal(readFileSync(join(root, "dist", "corti-auth.d.ts"), "utf8"), readFileSync(join(here, "corti-auth.d.ts"), "utf8"));
});

function exists(p) {
  try { readFileSync(p); return true; } catch { return false; }
}
