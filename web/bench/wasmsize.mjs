// Where the wasm's bytes go, by Go package: function body sizes from the code section, named by the "name"
// custom section (`go tool nm` does not read wasm). Needs a wasm built without -s -w, e.g.
//   GOOS=js GOARCH=wasm go build -trimpath -o /tmp/corti-auth.names.wasm . && node web/bench/wasmsize.mjs /tmp/corti-auth.names.wasm
// Prints the biggest packages (code bytes, raw; data segments listed apart) and the biggest functions.
// With two files, the second's bytes over the first's, by package: e.g. the floor (web/bench/floor) against the module:
//   GOOS=js GOARCH=wasm go build -trimpath -o /tmp/floor.names.wasm ./web/bench/floor
//   node web/bench/wasmsize.mjs /tmp/floor.names.wasm /tmp/corti-auth.names.wasm
import { readFileSync } from "node:fs";

function parse(file) {
const buf = readFileSync(file);
let p = 8;
const u32 = () => { let r = 0, s = 0, b; do { b = buf[p++]; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80); return r >>> 0; };
let imports = 0, bodies = [], names = new Map(), dataBytes = 0;
while (p < buf.length) {
  const id = buf[p++]; const size = u32(); const end = p + size;
  if (id === 2) { // imports: count function imports (they take the first function indices)
    const n = u32();
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 2; k++) { const l = u32(); p += l; }
      const kind = buf[p++];
      if (kind === 0) { u32(); imports++; } else if (kind === 1) { p++; const f = u32(); u32(); if (f & 1) u32(); }
      else if (kind === 2) { const f = u32(); u32(); if (f & 1) u32(); } else if (kind === 3) { p += 2; }
    }
  } else if (id === 10) {
    const n = u32();
    for (let i = 0; i < n; i++) { const l = u32(); bodies.push(l); p += l; }
  } else if (id === 11) {
    dataBytes = size;
  } else if (id === 0) {
    const l = u32(); const name = buf.toString("utf8", p, p + l); p += l;
    if (name === "name") {
      while (p < end) {
        const sub = buf[p++]; const sl = u32(); const se = p + sl;
        if (sub === 1) { const n = u32(); for (let i = 0; i < n; i++) { const idx = u32(); const nl = u32(); names.set(idx, buf.toString("utf8", p, p + nl)); p += nl; } }
        p = se;
      }
    }
  }
  p = end;
}
if (!names.size) { console.error(`${file}: no name section: build without -ldflags=-s`); process.exit(1); }
return { buf, imports, bodies, names, dataBytes };
}
// Go's wasm names mangle "/" to "_" in import paths (github.com_corti_auth_corti_auth_pkce.URL); the
// package is what comes before the first "." after the host name.
const pkgOf = (n) => {
  n = n.replace(/^\(\*?/, "");
  const host = /^(github\.com|golang\.org|gopkg\.in)/.exec(n);
  const from = host ? host[0].length : 0;
  const dot = n.indexOf(".", from);
  return dot < 0 ? n : n.slice(0, dot);
};
function byPackage({ bodies, names, imports }) {
const byPkg = new Map(); const fns = [];
bodies.forEach((len, i) => {
  const n = names.get(i + imports) || `func[${i}]`;
  fns.push([n, len]);
  const k = pkgOf(n);
  byPkg.set(k, (byPkg.get(k) || 0) + len);
});
return { byPkg, fns };
}
if (process.argv[3]) {
  const a = parse(process.argv[2]), b = parse(process.argv[3]);
  const pa = byPackage(a).byPkg, pb = byPackage(b).byPkg;
  const rows = [...new Set([...pa.keys(), ...pb.keys()])].map((k) => [k, (pb.get(k) || 0) - (pa.get(k) || 0), pb.get(k) || 0]).filter((r) => r[1]);
  console.log(`${process.argv[3]} over ${process.argv[2]}: file ${b.buf.length - a.buf.length} B, code ${rows.reduce((x, r) => x + r[1], 0)} B, data section ${b.dataBytes - a.dataBytes} B`);
  console.log("   over B   total B  package");
  for (const [k, d, t] of rows.sort((x, y) => y[1] - x[1]).slice(0, Number(process.env.WASMSIZE_TOP || 30))) console.log(String(d).padStart(9), String(t).padStart(9), k);
  process.exit(0);
}
const { buf, bodies, dataBytes } = parse(process.argv[2] || "/tmp/corti-auth.names.wasm");
const { byPkg, fns } = byPackage(parse(process.argv[2] || "/tmp/corti-auth.names.wasm"));
const code = bodies.reduce((a, b) => a + b, 0);
console.log(`file ${buf.length} B; code ${code} B in ${bodies.length} functions; data section ${dataBytes} B`);
console.log("-- packages by code bytes");
for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(String(v).padStart(9), (100 * v / code).toFixed(1).padStart(5) + "%", k);
// WASMSIZE_PKG=substring lists that package's functions instead of the overall biggest ones.
const only = process.env.WASMSIZE_PKG;
console.log(only ? `-- functions of packages matching ${only}` : "-- biggest functions");
for (const [k, v] of fns.filter(([k]) => !only || pkgOf(k).includes(only)).sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.WASMSIZE_TOP || 15))) console.log(String(v).padStart(9), k);
