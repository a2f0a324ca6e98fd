package assistant

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
)

// Deliver keeps the arrival order that OnEvent promises, however far past any
// internal buffer the iframe runs ahead of the controller.
func TestDeliverKeepsArrivalOrder(t *testing.T) {
	bubble(t, func(t *testing.T) {
		const n = 2000
		h := newHarness(t, func(_ *Options, f *fakeIframe) { f.noReady = true })
		for i := range n {
			h.c.Deliver(testOrigin, fmt.Appendf(nil, `{"type":"CORTI_EMBEDDED_EVENT","event":"test.seq","payload":{"i":%d}}`, i))
		}
		synctest.Wait() // the drain goroutine is done
		ev, _, _ := h.rec.snapshot()
		for i, e := range ev {
			if want := fmt.Sprintf(`test.seq false {"i":%d}`, i); e != want {
				t.Fatalf("event %d is %q, want %q: the arrival order is lost", i, e, want)
			}
		}
	})
}

// A flood past the bound while the controller is busy is dropped (and
// logged), not queued without limit; what fits arrives, in order.
func TestDeliverBounded(t *testing.T) {
	bubble(t, func(t *testing.T) {
		release := make(chan struct{})
		var got []string
		rec := &recorder{}
		frame, _ := NewFrame(testOrigin)
		c, err := NewController(Options{
			Frame: frame, Post: func([]byte) error { return nil }, Tokens: &fakeTokens{}, Logf: rec.logf,
			OnEvent: func(name string, _ bool, payload json.RawMessage) {
				if name == "test.block" {
					<-release
				}
				got = append(got, name)
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Destroy()
		const limit = 4096
		c.in.max = limit
		c.Deliver(testOrigin, []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"test.block","payload":{}}`))
		synctest.Wait() // the drain goroutine holds test.block: what follows queues up
		big := fmt.Appendf(nil, `{"type":"CORTI_EMBEDDED_EVENT","event":"test.big","payload":{"x":"%s"}}`, strings.Repeat("a", limit/3))
		for range 6 {
			c.Deliver(testOrigin, big)
		}
		c.Deliver(testOrigin, []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"test.last","payload":{}}`))
		close(release)
		synctest.Wait()
		if want := "test.block test.big test.big test.last"; strings.Join(got, " ") != want {
			t.Errorf("delivered %q, want %q (what fits the bound, in order)", got, want)
		}
		if _, _, logs := rec.snapshot(); strings.Count(strings.Join(logs, "\n"), "dropped a message") != 4 {
			t.Errorf("drops logged: %q", logs)
		}
	})
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
