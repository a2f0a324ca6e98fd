package session_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/session"
)

// cycle runs one planned refresh on the fake clock.
func cycle(tb testing.TB, h *harness) {
	if !h.clock.AdvanceToNext() {
		tb.Fatal("no refresh planned")
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func TestHeapFlatOver1000Cycles(t *testing.T) {
	if testing.Short() {
		t.Skip("soak test")
	}
	var events int
	h := newHarness(t, tokensAt(1, t0, 300, 0), func(c *session.Config, _ *session.Tokens) {
		c.Rand = nil                                 // the real jitter source
		c.OnEvent = func(session.Event) { events++ } // keep no events
	})
	for range 10 { // warm up
		cycle(t, h)
	}
	goroutines := runtime.NumGoroutine()
	before := heapInUse()
	const cycles = 1000
	for range cycles {
		cycle(t, h)
	}
	after := heapInUse()
	growth := int64(after) - int64(before)
	t.Logf("heap after %d refresh cycles: %+d bytes (%d → %d), %d events", cycles, growth, before, after, events)
	if n := h.calls.Load(); n != cycles+10 {
		t.Fatalf("%d refreshes, want %d", n, cycles+10)
	}
	if growth >= 1<<20 {
		t.Fatalf("heap grew by %d bytes over %d cycles, want < 1 MB", growth, cycles)
	}
	if g := runtime.NumGoroutine(); g > goroutines {
		t.Fatalf("%d goroutines after the cycles, %d before", g, goroutines)
	}
}

// TestNoGoroutineLeak drives refreshes through AccessToken and Refresh (which
// run the flight in a goroutine) and checks that none is left behind.
func TestNoGoroutineLeak(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 0))
	before := runtime.NumGoroutine()
	for range 200 {
		h.clock.Jump(250 * time.Second)
		if _, err := h.s.AccessToken(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := h.s.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if g := runtime.NumGoroutine(); g > before {
		t.Fatalf("%d goroutines after 400 refreshes, %d before", g, before)
	}
	if h.clock.Pending() != 1 {
		t.Fatalf("%d timers pending, want 1", h.clock.Pending())
	}
}

func BenchmarkRefreshCycle(b *testing.B) {
	h := newHarness(b, tokensAt(1, t0, 300, 0), func(c *session.Config, _ *session.Tokens) { c.OnEvent = nil })
	b.ReportAllocs()
	for b.Loop() {
		cycle(b, h)
	}
}
