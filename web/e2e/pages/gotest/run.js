// Runs a GOOS=js test binary (?bin=/gotest-bin/x.test.wasm) in this page; its
// output goes to the console and to window.goTest.out (wasm_exec.js writes each line with console.log, looked up
// at each call), the exit code to window.goTest.code.
const bin = new URLSearchParams(location.search).get("bin");
const out = [];
const log = console.log;
console.log = (...a) => { out.push(a.map(String).join(" ")); log.apply(console, a); };
window.addEventListener("error", (e) => out.push("pageerror: " + e.message));
window.goTest = { done: false, code: null, out };
const go = new Go();
go.argv = ["test", "-test.v", "-test.count=1"];
go.exit = (code) => { window.goTest = { done: true, code, out }; };
const { instance } = await WebAssembly.instantiateStreaming(fetch(bin), go.importObject);
await go.run(instance);
