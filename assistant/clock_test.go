package assistant

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock runs timers only when advanced.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at   time.Time
	d    time.Duration
	f    func()
	done bool
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), d: d, f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.done
		t.done = true
		return was
	}
}

// active returns the durations of the timers that have not run or stopped.
func (c *fakeClock) active() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ds []time.Duration
	for _, t := range c.timers {
		if !t.done {
			ds = append(ds, t.d)
		}
	}
	return ds
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	for _, t := range c.timers {
		if !t.done && !t.at.After(c.now) {
			t.done = true
			due = append(due, t.f)
		}
	}
	c.mu.Unlock()
	for _, f := range due {
		go f()
	}
}

// The official component's defaults: 30 s for ready, 10 s per response.
func TestDefaultTimeouts(t *testing.T) {
	clock := &fakeClock{now: time.Unix(1732800000, 0)}
	h := newHarness(t, func(o *Options, f *fakeIframe) {
		o.ReadyTimeout, o.RequestTimeout, o.Clock = 0, 0, clock
		f.noReady = true
		f.answer = func(Message) []string { return nil }
	})
	errc := make(chan error, 1)
	go func() { _, err := h.c.Start(context.Background()); errc <- err }()
	waitFor(t, "the ready timer", func() bool { return len(clock.active()) == 1 })
	if d := clock.active()[0]; d != 30*time.Second {
		t.Fatalf("ready timeout %s, want 30s", d)
	}
	clock.advance(29 * time.Second)
	select {
	case err := <-errc:
		t.Fatalf("Start returned early: %v", err)
	case <-time.After(20 * time.Millisecond):
	}
	clock.advance(time.Second)
	if err := <-errc; !errors.Is(err, ErrTimeout) {
		t.Fatalf("Start err = %v", err)
	}

	h.f.do(func() {
		h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v1"}}`)
	})
	go func() { _, err := h.c.Start(context.Background()); errc <- err }()
	waitFor(t, "the request timer", func() bool { return len(clock.active()) == 1 })
	if d := clock.active()[0]; d != 10*time.Second {
		t.Fatalf("request timeout %s, want 10s", d)
	}
	clock.advance(10 * time.Second)
	if err := <-errc; !errors.Is(err, ErrTimeout) {
		t.Fatalf("Start err = %v", err)
	}
	if n := len(clock.active()); n != 0 {
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
