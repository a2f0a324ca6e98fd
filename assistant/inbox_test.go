package assistant

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
)

// Deliver keeps the arrival order that OnEvent promises, however far past any
// internal buffer the iframe runs ahead of the controller.
func TestDeliverKeepsArrivalOrder(t *testing.T) {
	const n = 2000
	h := newHarness(t, func(_ *Options, f *fakeIframe) { f.noReady = true })
	for i := range n {
		h.c.Deliver(testOrigin, fmt.Appendf(nil, `{"type":"CORTI_EMBEDDED_EVENT","event":"test.seq","payload":{"i":%d}}`, i))
	}
	waitFor(t, "every event", func() bool { ev, _, _ := h.rec.snapshot(); return len(ev) >= n })
	ev, _, _ := h.rec.snapshot()
	for i, e := range ev {
		if want := fmt.Sprintf(`test.seq false {"i":%d}`, i); e != want {
			t.Fatalf("event %d is %q, want %q: the arrival order is lost", i, e, want)
		}
	}
}

// A flood past MaxQueuedBytes while the controller is busy is dropped (and
// logged), not queued without limit; what fits arrives, in order.
func TestDeliverBounded(t *testing.T) {
	release := make(chan struct{})
	var got []string
	var mu sync.Mutex
	rec := &recorder{}
	frame, _ := NewFrame(testOrigin)
	c, err := NewController(Options{
		Frame: frame, Post: func([]byte) error { return nil }, Tokens: &fakeTokens{}, Logf: rec.logf,
		OnEvent: func(name string, _ bool, payload json.RawMessage) {
			if name == "test.block" {
				<-release
			}
			mu.Lock()
			got = append(got, name)
			mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Destroy()
	c.Deliver(testOrigin, []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"test.block","payload":{}}`))
	big := fmt.Appendf(nil, `{"type":"CORTI_EMBEDDED_EVENT","event":"test.big","payload":{"x":"%s"}}`, strings.Repeat("a", MaxQueuedBytes/4))
	for range 6 {
		c.Deliver(testOrigin, big)
	}
	c.Deliver(testOrigin, []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"test.last","payload":{}}`))
	close(release)
	waitFor(t, "test.last", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) > 0 && got[len(got)-1] == "test.last" })
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(strings.Join(got, " "), "test.big"); n < 2 || n > 4 {
		t.Errorf("%d big messages delivered of 6 of a quarter of the bound each: %q", n, got)
	}
	if _, _, logs := rec.snapshot(); !strings.Contains(strings.Join(logs, "\n"), "dropped a message") {
		t.Errorf("no drop logged: %q", logs)
	}
}

// After Destroy, queued and later messages are dropped and no drain goroutine
// stays behind.
func TestDeliverAfterDestroy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var events []string
		frame, _ := NewFrame(testOrigin)
		c, err := NewController(Options{
			Frame: frame, Post: func([]byte) error { return nil }, Tokens: &fakeTokens{},
			OnEvent: func(name string, _ bool, _ json.RawMessage) { events = append(events, name) },
		})
		if err != nil {
			t.Fatal(err)
		}
		ev := []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.navigated","payload":{"path":"/"}}`)
		c.Deliver(testOrigin, ev)
		synctest.Wait()
		if len(events) != 1 {
			t.Fatalf("events before Destroy: %q", events)
		}
		c.Destroy()
		for range 100 {
			c.Deliver(testOrigin, ev)
		}
		synctest.Wait() // a goroutine left running or blocked would fail the bubble
		if len(events) != 1 {
			t.Errorf("events after Destroy: %q", events)
		}
	})
}
