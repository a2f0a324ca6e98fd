// The e2e harness's condition wait (web/e2e/engines.mjs poll): a driver that gave no answer is asked once more past
// the deadline; any other failure is not.
import { test } from "node:test";
import assert from "node:assert/strict";
import { poll } from "../e2e/engines.mjs";

const hung = (ms) => () => new Promise((_, reject) => setTimeout(() => reject(new Error(`evaluate x (window w) got no answer in ${ms / 1000} s`)), ms));

test("a probe that hung past the deadline is asked once more", async () => {
  let calls = 0;
  const v = await poll(() => (++calls === 1 ? hung(300)() : "done"), { timeout: 100, interval: 10 });
  assert.equal(v, "done");
  assert.equal(calls, 2);
});

test("only once: a driver that never answers fails the wait", async () => {
  let calls = 0;
  await assert.rejects(poll(() => { calls++; return hung(150)(); }, { timeout: 100, interval: 10 }), /timed out after 100 ms .*got no answer/);
  assert.equal(calls, 2);
});

test("another failure past the deadline fails the wait at once", async () => {
  let calls = 0;
  const slowFail = () => new Promise((_, reject) => setTimeout(() => reject(new Error("evaluate: page navigated")), 150));
  await assert.rejects(poll(() => { calls++; return slowFail(); }, { timeout: 100, interval: 10 }), /timed out after 100 ms .*page navigated/);
  assert.equal(calls, 1);
});
