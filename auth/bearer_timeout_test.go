package auth

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
)

// neverSettles is a refresh callback whose promise never settles: it ignores
// its context, as a JS promise does.
func neverSettles(release <-chan struct{}) BearerCallback {
	return func(context.Context, *pkce.TokenResponse) ([]byte, error) {
		<-release
		return nil, errors.New("released")
	}
}

// within runs f and fails the test when it has not returned after d.
func within[T any](t *testing.T, d time.Duration, f func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- f() }()
	select {
	case v := <-done:
		return v
	case <-time.After(d):
		t.Fatalf("no answer within %v", d)
		panic("unreachable")
	}
}

func TestBearerTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	b := Bearer{Call: neverSettles(release), Timeout: 30 * time.Millisecond}
	err := within(t, 5*time.Second, func() error {
		_, err := b.Refresh(context.Background(), &pkce.TokenResponse{AccessToken: "at"})
		return err
	})
	if !errors.Is(err, ErrCallbackTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a callback that never settles: %v, want ErrCallbackTimeout (code timeout)", err)
	}
	if errors.Is(err, pkce.ErrBadResponse) {
		t.Errorf("%v must not be bad_response", err)
	}

	// The session's own end (ctx cancelled) is not a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	b.Timeout = time.Minute
	err = within(t, 5*time.Second, func() error { _, err := b.Refresh(ctx, &pkce.TokenResponse{}); return err })
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrCallbackTimeout) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

func TestBearerTimeoutDefault(t *testing.T) {
	if DefaultCallbackTimeout != 15*time.Second {
		t.Errorf("DefaultCallbackTimeout = %v, want the built-in refresh's 15 s", DefaultCallbackTimeout)
	}
	// A callback that answers in time is not cut off, whatever the default.
	b := Bearer{Call: func(ctx context.Context, _ *pkce.TokenResponse) ([]byte, error) {
		dl, ok := ctx.Deadline()
		if !ok || time.Until(dl) < 14*time.Second || time.Until(dl) > 15*time.Second {
			t.Errorf("the callback's context deadline is %v away, want 15 s", time.Until(dl))
		}
		return []byte(`{"access_token":"at-2","expires_in":60}`), nil
	}}
	if _, err := b.Refresh(context.Background(), &pkce.TokenResponse{}); err != nil {
		t.Fatal(err)
	}
}

func TestBearerPanics(t *testing.T) {
	b := Bearer{Call: func(context.Context, *pkce.TokenResponse) ([]byte, error) { panic("boom") }}
	if _, err := b.Refresh(context.Background(), &pkce.TokenResponse{}); err == nil {
		t.Error("a panicking callback gave no error")
	}
}

// lockCoord is a Coordinator whose lock is a mutex, recording whether it is held.
type lockCoord struct {
	mu   sync.Mutex
	held chan struct{} // 1-buffered: full while the lock is held
	runs int
}

func (c *lockCoord) WithLock(ctx context.Context, f func(context.Context) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.held <- struct{}{}
	defer func() { <-c.held }()
	c.runs++
	return f(ctx)
}
func (c *lockCoord) Publish(session.Tokens) {}
func (c *lockCoord) PublishEnd(string)      {}

// TestBearerTimeoutInSession: a callback that never settles fails the refresh
// with a timeout (not the end of the session), releases the cross-tab lock and
// leaves a retry planned after the backoff.
func TestBearerTimeoutInSession(t *testing.T) {
	h := newHarness(t, "")
	release := make(chan struct{})
	defer close(release)
	co := &lockCoord{held: make(chan struct{}, 1)}
	var mu sync.Mutex
	var events []session.Event
	// A 1 s token: its planned refresh is due at once, so the backoff decides.
	tk, _ := SessionTokens(&pkce.TokenResponse{AccessToken: "at-1", ExpiresIn: 1}, time.Now())
	cfg := h.client.SessionConfig(tk, SessionOptions{
		Bearer:      &Bearer{Call: neverSettles(release), Timeout: 30 * time.Millisecond},
		Coordinator: co,
		OnEvent:     func(e session.Event) { mu.Lock(); events = append(events, e); mu.Unlock() },
	})
	s := session.New(cfg, tk)
	defer s.Close()
	start := time.Now()
	err := within(t, 5*time.Second, func() error { _, err := s.Refresh(context.Background()); return err })
	if !errors.Is(err, ErrCallbackTimeout) {
		t.Fatalf("Refresh = %v, want ErrCallbackTimeout", err)
	}
	if len(co.held) != 0 {
		t.Error("the cross-tab lock is still held")
	}
	if ended, _ := s.Ended(); ended {
		t.Error("a timeout ended the session")
	}
	mu.Lock()
	var timeouts int
	for _, e := range events {
		if e.Name == session.EventError && errors.Is(e.Err, ErrCallbackTimeout) {
			timeouts++
		}
	}
	mu.Unlock()
	if timeouts != 1 {
		t.Errorf("%d error events with the timeout, want 1", timeouts)
	}
	// The normal backoff: the retry is planned 0.5–1 s after the failure (the
	// first step), not at once and not never.
	at := s.PlannedAt()
	if at.IsZero() || at.Before(start.Add(500*time.Millisecond)) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("next attempt at %v after the start, want the first backoff step (0.5–1 s after the failure)", at.Sub(start))
	}
	// The lock can be taken again at once.
	within(t, time.Second, func() error { return co.WithLock(context.Background(), func(context.Context) error { return nil }) })
}

func TestCallbackTimeout(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tt := range []struct {
		ms   *float64
		want time.Duration
		ok   bool
	}{
		{nil, DefaultCallbackTimeout, true},
		{f(400), 400 * time.Millisecond, true},
		{f(1), time.Millisecond, true},
		{f(300000), 5 * time.Minute, true},
		{f(0), 0, false},
		{f(-5), 0, false},
		{f(0.5), 0, false},
		{f(300001), 0, false},
		{f(math.NaN()), 0, false},
		{f(math.Inf(1)), 0, false},
	} {
		got, err := CallbackTimeout(tt.ms)
		if tt.ok && (err != nil || got != tt.want) || !tt.ok && !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("CallbackTimeout(%v) = %v, %v; want %v ok=%v", deref(tt.ms), got, err, tt.want, tt.ok)
		}
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

// ErrCallbackTimeout's JS code ("timeout") is checked in errcode's TestCode.
func TestCallbackTimeoutIsDeadline(t *testing.T) {
	if !errors.Is(ErrCallbackTimeout, context.DeadlineExceeded) {
		t.Errorf("ErrCallbackTimeout = %v, want a context.DeadlineExceeded", ErrCallbackTimeout)
	}
}
