// Runs a GOOS=js test binary (?bin=/gotest-bin/x.test.wasm) in this page; its
// output goes to the console, the exit code to window.goTest.
const bin = new URLSearchParams(location.search).get("bin");
window.goTest = { done: false, code: null };
const go = new Go();
go.argv = ["test", "-test.v", "-test.count=1"];
go.exit = (code) => { window.goTest = { done: true, code }; };
const { instance } = await WebAssembly.instantiateStreaming(fetch(bin), go.importObject);
await go.run(instance);
