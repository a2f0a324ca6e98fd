// Prints the raw, gzip -9 and brotli -q 11 sizes of a file (Node's zlib: no extra tools needed).
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

export function sizes(path) {
  const raw = readFileSync(path);
  const gzip = gzipSync(raw, { level: 9 }).length;
  const brotli = brotliCompressSync(raw, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length },
  }).length;
  return { raw: raw.length, gzip, brotli };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const path = process.argv[2] || "dist/corti-auth.wasm";
  const s = sizes(path);
  const mb = (n) => (n / 1e6).toFixed(3) + " MB";
  console.log(`${path}`);
  console.log(`  raw     ${String(s.raw).padStart(9)} bytes  ${mb(s.raw)}`);
  console.log(`  gzip -9 ${String(s.gzip).padStart(9)} bytes  ${mb(s.gzip)}`);
  console.log(`  brotli  ${String(s.brotli).padStart(9)} bytes  ${mb(s.brotli)}`);
}
