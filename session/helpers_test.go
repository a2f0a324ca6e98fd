package session_test

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/session/sessiontest"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// response is a token response as Keycloak sends it, numbered n.
func response(n int, expiresIn, refreshExpiresIn int64) *pkce.TokenResponse {
	r := &pkce.TokenResponse{
		AccessToken:      "at-" + strconv.Itoa(n),
		TokenType:        "Bearer",
		ExpiresIn:        expiresIn,
		RefreshToken:     "rt-" + strconv.Itoa(n),
		RefreshExpiresIn: refreshExpiresIn,
		IDToken:          "id-" + strconv.Itoa(n),
	}
	r.Raw = map[string]json.RawMessage{}
	for k, v := range r.Map() {
		b, _ := json.Marshal(v)
		r.Raw[k] = b
	}
	return r
}

func tokensAt(n int, at time.Time, expiresIn, refreshExpiresIn int64) session.Tokens {
	t, ok := session.NewTokens(response(n, expiresIn, refreshExpiresIn), at, nil)
	if !ok {
		panic("no expiry")
	}
	return t
}

// harness is a Session on a fake clock with a scripted RefreshFunc that
// records its calls and the events.
type harness struct {
	tb    testing.TB
	clock *sessiontest.Clock
	s     *session.Session

	calls atomic.Int32
	// answer, when set, answers call n (from 1); by default every call
	// succeeds with a fresh 300 s token.
	answer func(ctx context.Context, n int, cur session.Tokens) (*pkce.TokenResponse, error)

	mu     sync.Mutex
	events []session.Event
	evCh   chan session.Event
}

// refreshFunc counts calls and answers with h.answer, by default a fresh 300 s
// token.
func (h *harness) refreshFunc() session.RefreshFunc {
	return func(ctx context.Context, cur session.Tokens) (*pkce.TokenResponse, error) {
		n := int(h.calls.Add(1))
		if h.answer != nil {
			return h.answer(ctx, n, cur)
		}
		return response(100+n, 300, 1800), nil
	}
}

type opt func(*session.Config, *session.Tokens)

func newHarness(tb testing.TB, initial session.Tokens, opts ...opt) *harness {
	h := &harness{tb: tb, clock: sessiontest.NewClock(t0), evCh: make(chan session.Event, 10000)}
	cfg := session.Config{
		Clock:   h.clock,
		Rand:    func() float64 { return 0 },
		Refresh: h.refreshFunc(),
		OnEvent: func(e session.Event) {
			h.mu.Lock()
			h.events = append(h.events, e)
			h.mu.Unlock()
			select {
			case h.evCh <- e:
			default:
			}
		},
	}
	for _, o := range opts {
		o(&cfg, &initial)
	}
	h.s = session.New(cfg, initial)
	tb.Cleanup(h.s.Close)
	return h
}

func (h *harness) count(name session.EventName) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, e := range h.events {
		if e.Name == name {
			n++
		}
	}
	return n
}

func (h *harness) last(name session.EventName) (session.Event, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.events) - 1; i >= 0; i-- {
		if h.events[i].Name == name {
			return h.events[i], true
		}
	}
	return session.Event{}, false
}

// waitFor waits (in real time) for an event named name.
func (h *harness) waitFor(name session.EventName) session.Event {
	h.tb.Helper()
	timeout := time.After(5 * time.Second)
	for {
		if e, ok := h.last(name); ok {
			return e
		}
		select {
		case <-h.evCh:
		case <-timeout:
			h.tb.Fatalf("no %q event; events: %v", name, h.names())
		}
	}
}

func (h *harness) names() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, e := range h.events {
		s := string(e.Name)
		if e.Reason != "" {
			s += "(" + e.Reason + ")"
		}
		out = append(out, s)
	}
	return out
}

func (h *harness) now() time.Time { return h.clock.Now() }

// fakeCoord is a Coordinator whose "Web Lock" is a mutex.
type fakeCoord struct {
	lock     sync.Mutex
	held     atomic.Bool
	inLock   func() // runs holding the lock, before f: a sibling's refresh
	mu       sync.Mutex
	pubs     []session.Tokens
	pubHeld  []bool
	ends     []string
	lockRuns int
}

func (c *fakeCoord) WithLock(ctx context.Context, f func(context.Context) error) error {
	c.lock.Lock()
	defer c.lock.Unlock()
	c.held.Store(true)
	defer c.held.Store(false)
	c.mu.Lock()
	c.lockRuns++
	in := c.inLock
	c.mu.Unlock()
	if in != nil {
		in()
	}
	return f(ctx)
}

func (c *fakeCoord) Publish(t session.Tokens) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pubs = append(c.pubs, t)
	c.pubHeld = append(c.pubHeld, c.held.Load())
}

func (c *fakeCoord) PublishEnd(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ends = append(c.ends, reason)
}

func oauthErr(status int, code string) error {
	return &pkce.OAuthError{Status: status, ErrorCode: code}
}
