//go:build js && wasm && corti_bench

package bridge

import "runtime"

// In a build with -tags corti_bench (web/bench/bench.mjs builds one for its heap goal; never shipped), the namespace
// has __runtimeStats(): the Go heap's live bytes and objects after a collection, and the goroutine count.
func init() {
	benchStats = func() map[string]any {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return map[string]any{
			"heapAlloc":   float64(m.HeapAlloc),
			"heapObjects": float64(m.HeapObjects),
			"goroutines":  runtime.NumGoroutine(),
		}
	}
}
