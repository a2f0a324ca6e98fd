// A/B of start-up: navigation → load() resolved (web/bench/pages/ready.html) for two dist folders, cold (a fresh
// context per load), interleaved and alternated, REPS (20) pairs after one warm-up pair; prints both medians and the
// median of the paired differences. PRE=1 gives B the page's preload hints (ready.html?pre=1); RTT=<ms> adds that
// much latency to every request (CDP network emulation), to see what a real network's round trips do.
// Usage (after make build): node web/bench/ab.mjs <dist A> <dist B>, e.g. node web/bench/ab.mjs dist dist with PRE=1.
import { resolve } from "node:path";
import { coldLoads } from "./diag.mjs";
import { median } from "./stats.mjs";

const [A, B] = [resolve(process.argv[2] || "dist"), resolve(process.argv[3] || "dist")];
const REPS = Math.max(1, Number(process.env.REPS || 20) | 0);
const pre = process.env.PRE === "1";
const R = await coldLoads([{ key: "a", dir: A }, { key: "b", dir: B, query: pre ? "&pre=1" : "" }], REPS, { rtt: Number(process.env.RTT || 0) });
const a = R.a.map((r) => r.ready), b = R.b.map((r) => r.ready);
console.log(`A ${A}: median ${median(a).toFixed(1)} ms; B ${B}${pre ? " with preload hints" : ""}: median ${median(b).toFixed(1)} ms; ` +
  `B − A: ${median(b.map((x, i) => x - a[i])).toFixed(1)} ms (median of ${REPS} paired differences)${process.env.RTT ? `; ${process.env.RTT} ms added latency` : ""}`);
