// What Go does before main in the browser: loads the corti page with GODEBUG=inittrace=1 passed to the Go
// program (Go's env, through a wrapped Go constructor) and prints each package's init time and allocations,
// sorted, with the load's ready time. Usage: node web/bench/inittrace.mjs [dist folder] (after make build).
import { launch, benchContext } from "./diag.mjs";

const { env, browser, close } = await launch();
try {
  const ctx = await benchContext(browser, env, { godebug: "inittrace=1" });
  const page = await ctx.newPage();
  const lines = [];
  page.on("console", (m) => lines.push(m.text()));
  await page.goto(`${env.hostURL}/bench/corti.html`);
  await page.waitForFunction(() => document.body.dataset.ready === "1");
  const m = await page.evaluate(() => ({ ready: window.bench.ready, inst: window.bench.marks.instantiateStreamingEnd }));
  const inits = lines.flatMap((l) => l.split("\n")).map((l) => /^init (\S+) @([\d.]+) ms, ([\d.]+) ms clock, (\d+) bytes, (\d+) allocs/.exec(l)).filter(Boolean)
    .map((x) => ({ pkg: x[1], at: +x[2], ms: +x[3], bytes: +x[4], allocs: +x[5] }));
  const total = inits.reduce((a, b) => a + b.ms, 0);
  console.log(`ready ${m.ready.toFixed(1)} ms; instantiated at ${m.inst.toFixed(1)} ms; Go start-up → ready ${(m.ready - m.inst).toFixed(1)} ms; ` +
    `${inits.length} package inits, ${total.toFixed(1)} ms in all; last init @${inits.length ? inits[inits.length - 1].at : "?"} ms after runtime start`);
  for (const i of inits.sort((a, b) => b.ms - a.ms).slice(0, 25)) {
    console.log(`${i.ms.toFixed(3).padStart(8)} ms ${String(i.bytes).padStart(8)} B ${String(i.allocs).padStart(5)} allocs  ${i.pkg}`);
  }
  if (!inits.length) console.log(lines.slice(0, 20).join("\n"));
} finally {
  await close();
}
