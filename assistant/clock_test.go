package assistant

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/session/sessiontest"
)

// The official component's defaults: 30 s for ready, 10 s per response.
func TestDefaultTimeouts(t *testing.T) { bubble(t, testDefaultTimeouts) }

func testDefaultTimeouts(t *testing.T) {
	clock := sessiontest.NewClock(time.Unix(1732800000, 0))
	timer := func() time.Duration { d, _ := clock.NextIn(); return d }
	h := newHarness(t, func(o *Options, f *fakeIframe) {
		o.ReadyTimeout, o.RequestTimeout, o.Clock = 0, 0, clock
		f.noReady = true
		f.answer = func(Message) []string { return nil }
	})
	errc := make(chan error, 1)
	go func() { _, err := h.c.Start(context.Background()); errc <- err }()
	waitFor(t, "the ready timer", func() bool { return clock.Pending() == 1 })
	if d := timer(); d != 30*time.Second {
		t.Fatalf("ready timeout %s, want 30s", d)
	}
	clock.Advance(29 * time.Second)
	elapse(0) // everything the advance set off has run
	select {
	case err := <-errc:
		t.Fatalf("Start returned early: %v", err)
	default:
	}
	clock.Advance(time.Second)
	if err := <-errc; !errors.Is(err, ErrTimeout) {
		t.Fatalf("Start err = %v", err)
	}

	h.f.do(func() {
		h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v1"}}`)
	})
	go func() { _, err := h.c.Start(context.Background()); errc <- err }()
	waitFor(t, "the request timer", func() bool { return clock.Pending() == 1 })
	if d := timer(); d != 10*time.Second {
		t.Fatalf("request timeout %s, want 10s", d)
	}
	clock.Advance(10 * time.Second)
	if err := <-errc; !errors.Is(err, ErrTimeout) {
		t.Fatalf("Start err = %v", err)
	}
	if n := clock.Pending(); n != 0 {
		t.Errorf("%d timers left running", n)
	}
	// The default request id carries the clock's time.
	r := h.f.requests()[0]
	if !strings.HasPrefix(r.RequestID, "req_1732800030000_") {
		t.Errorf("requestId %q", r.RequestID)
	}
}

func TestDefaultIDsUnique(t *testing.T) {
	now := time.Unix(1732800000, 0)
	seen := map[string]bool{}
	for range 10000 {
		id := newID(now)
		if seen[id] {
			t.Fatalf("duplicate id %q", id)
		}
		seen[id] = true
	}
}
