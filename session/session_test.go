package session_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
)

func TestPlannedRefresh(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800), func(c *session.Config, _ *session.Tokens) {
		c.Rand = func() float64 { return 0.5 }
	})
	// 300 s token, 120 s buffer, jitter 0.5 × 12 s: at 174 s.
	want := t0.Add(174 * time.Second)
	if got := h.s.PlannedAt(); !got.Equal(want) {
		t.Fatalf("planned at %v, want 174s", got.Sub(t0))
	}
	h.clock.Advance(174*time.Second - time.Millisecond)
	if n := h.calls.Load(); n != 0 {
		t.Fatalf("%d refreshes before the planned time", n)
	}
	h.clock.Advance(time.Millisecond)
	if n := h.calls.Load(); n != 1 {
		t.Fatalf("%d refreshes at the planned time, want 1", n)
	}
	// Dated from the request, less the second a whole-second exp loses.
	e := h.waitFor(session.EventRefreshed)
	dated := want.Add(-session.ExpLoss)
	if e.Tokens.Response.AccessToken != "at-101" || !e.Tokens.ReceivedAt.Equal(dated) {
		t.Fatalf("refreshed with %q dated %v, want 173s", e.Tokens.Response.AccessToken, e.Tokens.ReceivedAt.Sub(t0))
	}
	if got := h.s.PlannedAt(); !got.Equal(dated.Add(174 * time.Second)) {
		t.Fatalf("next refresh planned at %v, want 347s", got.Sub(t0))
	}
	tok, err := h.s.AccessToken(context.Background())
	if err != nil || tok != "at-101" {
		t.Fatalf("AccessToken = %q, %v", tok, err)
	}
	if h.calls.Load() != 1 {
		t.Fatal("AccessToken refreshed a fresh token")
	}
}

func TestSingleFlight(t *testing.T) {
	// synctest.Wait makes sure every caller has joined the flight before the
	// answer comes.
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, tokensAt(1, t0, 300, 1800))
		release := make(chan struct{})
		h.answer = func(ctx context.Context, n int, _ session.Tokens) (*pkce.TokenResponse, error) {
			<-release
			return response(100+n, 300, 1800), nil
		}
		h.clock.Jump(250 * time.Second) // inside the buffer; the planned refresh is overdue
		const callers = 100
		var wg sync.WaitGroup
		got := make(chan string, callers)
		for i := range callers {
			wg.Go(func() {
				if i%2 == 0 {
					tok, err := h.s.AccessToken(context.Background())
					if err != nil {
						t.Error(err)
					}
					got <- tok
					return
				}
				tt, err := h.s.Refresh(context.Background())
				if err != nil {
					t.Error(err)
				}
				got <- tt.Response.AccessToken
			})
		}
		synctest.Wait()
		h.s.Check()        // a wake-up signal joins too
		h.clock.Advance(0) // and so does the planned refresh's timer
		if n := h.calls.Load(); n != 1 {
			t.Fatalf("%d RefreshFunc calls in flight, want 1", n)
		}
		close(release)
		wg.Wait()
		close(got)
		for tok := range got {
			if tok != "at-101" {
				t.Fatalf("a caller got %q, want at-101", tok)
			}
		}
		if n := h.calls.Load(); n != 1 {
			t.Fatalf("%d RefreshFunc calls for %d concurrent callers, want 1", n, callers)
		}
		if n := h.count(session.EventRefreshed); n != 1 {
			t.Fatalf("%d refreshed events, want 1", n)
		}
	})
}

func TestEndedReasons(t *testing.T) {
	idErr := &token.IDTokenError{Check: "sub", Err: errors.New("refreshed id_token is for another user")}
	tests := []struct {
		name       string
		initial    session.Tokens
		noRefresh  bool
		answer     error
		validate   func(old, new session.Tokens) error
		act        func(h *harness)
		wantReason string
		wantCalls  int32
		wantPubEnd bool
	}{
		{name: "invalid_grant", initial: tokensAt(1, t0, 300, 1800), answer: oauthErr(400, "invalid_grant"),
			wantReason: "invalid_grant", wantCalls: 1, wantPubEnd: true},
		{name: "401 without a code", initial: tokensAt(1, t0, 300, 1800), answer: oauthErr(401, ""),
			wantReason: "refresh_failed", wantCalls: 1, wantPubEnd: true},
		// The provider, not the local clock, decides the refresh token is dead.
		{name: "refresh token expired before the planned refresh", initial: tokensAt(1, t0, 300, 100),
			answer: oauthErr(400, "invalid_grant"), wantReason: "refresh_expired", wantCalls: 1, wantPubEnd: true},
		{name: "expired without a RefreshFunc", initial: tokensAt(1, t0, 300, 0), noRefresh: true,
			wantReason: "expired", wantCalls: 0, wantPubEnd: true},
		{name: "Validate fails", initial: tokensAt(1, t0, 300, 1800),
			validate:   func(old, new session.Tokens) error { return errors.New("sub changed") },
			wantReason: "id_token_invalid", wantCalls: 1, wantPubEnd: true},
		{name: "Validate fails with its own reason", initial: tokensAt(1, t0, 300, 1800),
			validate:   func(old, new session.Tokens) error { return session.Final("wrong_tenant", errors.New("iss")) },
			wantReason: "wrong_tenant", wantCalls: 1, wantPubEnd: true},
		{name: "refreshed ID token does not verify", initial: tokensAt(1, t0, 300, 1800), answer: idErr,
			wantReason: "id_token_invalid", wantCalls: 1, wantPubEnd: true},
		{name: "logout", initial: tokensAt(1, t0, 300, 1800),
			act: func(h *harness) { h.s.End("logout"); h.s.End("again") }, wantReason: "logout", wantPubEnd: true},
		{name: "ended in a sibling tab", initial: tokensAt(1, t0, 300, 1800),
			act: func(h *harness) { h.s.EndFromSibling("logout"); h.s.End("again") }, wantReason: "logout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			coord := &fakeCoord{}
			h := newHarness(t, tt.initial, func(c *session.Config, _ *session.Tokens) {
				c.Coordinator = coord
				c.Validate = tt.validate
				if tt.noRefresh {
					c.Refresh = nil
				}
			})
			if tt.answer != nil {
				h.answer = func(context.Context, int, session.Tokens) (*pkce.TokenResponse, error) { return nil, tt.answer }
			}
			if tt.act != nil {
				tt.act(h)
			} else {
				h.clock.Advance(time.Hour)
			}
			e := h.waitFor(session.EventEnded)
			if e.Reason != tt.wantReason {
				t.Fatalf("ended with %q, want %q", e.Reason, tt.wantReason)
			}
			h.clock.Advance(24 * time.Hour) // no retry, no second end
			if n := h.calls.Load(); n != tt.wantCalls {
				t.Fatalf("%d RefreshFunc calls, want %d", n, tt.wantCalls)
			}
			if n := h.count(session.EventEnded); n != 1 {
				t.Fatalf("%d ended events, want 1 (%v)", n, h.names())
			}
			if ended, reason := h.s.Ended(); !ended || reason != tt.wantReason {
				t.Fatalf("Ended() = %v %q", ended, reason)
			}
			if h.clock.Pending() != 0 || !h.s.PlannedAt().IsZero() {
				t.Fatal("a timer is left after the end")
			}
			_, err := h.s.AccessToken(context.Background())
			var ee *session.EndedError
			if !errors.Is(err, session.ErrEnded) || !errors.As(err, &ee) || ee.Reason != tt.wantReason {
				t.Fatalf("AccessToken after the end: %v", err)
			}
			if _, err := h.s.Refresh(context.Background()); !errors.Is(err, session.ErrEnded) {
				t.Fatalf("Refresh after the end: %v", err)
			}
			if tt.answer != nil && h.count(session.EventError) != 1 {
				t.Fatalf("want one error event before the end: %v", h.names())
			}
			coord.mu.Lock()
			defer coord.mu.Unlock()
			if (len(coord.ends) == 1) != tt.wantPubEnd || len(coord.ends) > 1 || tt.wantPubEnd && coord.ends[0] != tt.wantReason {
				t.Fatalf("PublishEnd calls %v, want published: %v", coord.ends, tt.wantPubEnd)
			}
		})
	}
}

// TestOutageThenRecovery is the browser test's "token endpoint answers 503 for
// 15 s" on 10 s tokens: the session recovers without "ended", and AccessToken
// never hands out an expired token (nor one with less than MinValidity left).
func TestOutageThenRecovery(t *testing.T) {
	synctest.Test(t, testOutageThenRecovery)
}

func testOutageThenRecovery(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 10, 1800))
	expiry := map[string]time.Time{"at-1": t0.Add(10 * time.Second)}
	var mu sync.Mutex
	outageEnd := t0.Add(15 * time.Second)
	h.answer = func(_ context.Context, n int, _ session.Tokens) (*pkce.TokenResponse, error) {
		if h.now().Before(outageEnd) {
			return nil, oauthErr(503, "")
		}
		r := response(100+n, 10, 1800)
		mu.Lock()
		expiry[r.AccessToken] = h.now().Add(10 * time.Second)
		mu.Unlock()
		return r, nil
	}
	var failures, served int
	for step := 0; step < 240; step++ { // 60 s in 250 ms steps
		h.clock.Advance(250 * time.Millisecond)
		tok, _, err := accessTokenAdvancing(h)
		if err != nil {
			var oe *pkce.OAuthError
			if !errors.As(err, &oe) || oe.Status != 503 {
				t.Fatalf("at %v: AccessToken error %v, want the 503", h.now().Sub(t0), err)
			}
			failures++
			continue
		}
		served++
		mu.Lock()
		exp := expiry[tok]
		mu.Unlock()
		if left := exp.Sub(h.now()); left < 5*time.Second {
			t.Fatalf("at %v: AccessToken handed out %s with %v left", h.now().Sub(t0), tok, left)
		}
	}
	if ended, reason := h.s.Ended(); ended {
		t.Fatalf("the session ended (%s) during the outage", reason)
	}
	if failures == 0 || served == 0 {
		t.Fatalf("%d failed and %d served calls: the outage was not exercised", failures, served)
	}
	// Attempts from 5 s: the caller, every 250 ms, makes one a second (an error
	// is never older than RetryGap), so about 10 fail; the first after 15 s
	// succeeds; then one per 5 s cycle.
	errs := h.count(session.EventError)
	if errs < 9 || errs > 12 {
		t.Fatalf("%d error events, want about 10 (one a second of outage): %v", errs, h.names())
	}
	if n := h.count(session.EventExpiring); n < 4 {
		t.Fatalf("%d expiring events, want at least 4 (the failures before 10 s)", n)
	}
	var recovered time.Time
	h.mu.Lock()
	for _, e := range h.events {
		if e.Name == session.EventRefreshed && recovered.IsZero() {
			recovered = e.Tokens.ReceivedAt.Add(session.ExpLoss)
		}
	}
	h.mu.Unlock()
	if recovered.Before(outageEnd) || recovered.After(outageEnd.Add(session.RetryGap+250*time.Millisecond)) {
		t.Fatalf("first refresh after the outage sent at %v, want within a second of 15 s", recovered.Sub(t0))
	}
	if n := int(h.calls.Load()); n < 15 || n > 25 {
		t.Fatalf("%d RefreshFunc calls in 60 s, want ~10 failed + ~9 cycles", n)
	}
}

func TestAccessTokenFallsBackToTheOldToken(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.answer = func(context.Context, int, session.Tokens) (*pkce.TokenResponse, error) {
		return nil, fmt.Errorf("bridge: network error: offline")
	}
	h.clock.Jump(290 * time.Second) // 10 s left: inside the buffer, ≥ MinValidity
	tok, err := h.s.AccessToken(context.Background())
	if err != nil || tok != "at-1" {
		t.Fatalf("AccessToken = %q, %v; want the old token", tok, err)
	}
	if h.count(session.EventExpiring) != 1 || h.count(session.EventError) != 1 {
		t.Fatalf("events %v, want error and expiring", h.names())
	}
	// While the retry backs off, calls make no request of their own.
	for range 10 {
		if _, err := h.s.AccessToken(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.calls.Load(); n != 1 {
		t.Fatalf("%d requests during the backoff, want 1", n)
	}
	h.clock.Jump(6 * time.Second) // 4 s left: below MinValidity; the retry is due
	if tok, err := h.s.AccessToken(context.Background()); err == nil {
		t.Fatalf("AccessToken handed out %q with 4 s left", tok)
	}
	h.clock.Jump(10 * time.Second) // expired
	if tok, err := h.s.AccessToken(context.Background()); err == nil {
		t.Fatalf("AccessToken handed out the expired %q", tok)
	}
	// A forced refresh ignores the backoff.
	h.answer = nil
	before := h.calls.Load()
	if _, err := h.s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h.calls.Load() != before+1 {
		t.Fatal("Refresh did not send a request")
	}
	if tok, err := h.s.AccessToken(context.Background()); err != nil || tok == "at-1" {
		t.Fatalf("after recovery AccessToken = %q, %v", tok, err)
	}
}

func TestCheckAfterSleep(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.clock.Jump(20 * time.Minute) // asleep past the expiry: the timer did not fire
	if h.calls.Load() != 0 {
		t.Fatal("refreshed while asleep")
	}
	h.s.Check()
	if n := h.calls.Load(); n != 1 {
		t.Fatalf("Check after sleep: %d refreshes, want 1", n)
	}
	if tok, err := h.s.AccessToken(context.Background()); err != nil || tok != "at-101" {
		t.Fatalf("AccessToken = %q, %v", tok, err)
	}
	// Nothing due: Check only re-arms.
	for range 5 {
		h.s.Check()
	}
	if n := h.calls.Load(); n != 1 || h.clock.Pending() != 1 {
		t.Fatalf("Check when nothing is due: %d calls, %d timers", n, h.clock.Pending())
	}
}

func TestAccessTokenAfterSleep(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.clock.Jump(10 * time.Minute) // a hidden tab wakes up after its token expired
	tok, err := h.s.AccessToken(context.Background())
	if err != nil || tok != "at-101" {
		t.Fatalf("AccessToken = %q, %v; want a fresh token", tok, err)
	}
}

func TestSleepPastRefreshExpiry(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.answer = func(context.Context, int, session.Tokens) (*pkce.TokenResponse, error) {
		return nil, &pkce.OAuthError{Status: 400, ErrorCode: "invalid_grant", Description: "Token is not active"}
	}
	h.clock.Jump(2 * time.Hour)
	// The refusal, or the end it caused when that lands first: both say refresh_expired (the reason is checked below).
	if _, err := h.s.AccessToken(context.Background()); !errors.Is(err, session.ErrRefreshExpired) && (err == nil || !strings.Contains(err.Error(), "refresh_expired")) {
		t.Fatalf("AccessToken after the refresh token expired: %v", err)
	}
	if e := h.waitFor(session.EventEnded); e.Reason != "refresh_expired" || h.calls.Load() != 1 {
		t.Fatalf("ended %q after %d calls, want refresh_expired after asking the provider once", e.Reason, h.calls.Load())
	}
}

func TestCoordinatorSiblingRefreshed(t *testing.T) {
	coord := &fakeCoord{}
	h := newHarness(t, tokensAt(1, t0, 300, 1800), func(c *session.Config, _ *session.Tokens) { c.Coordinator = coord })
	// While this tab waits for the lock, a sibling refreshes and its tokens
	// arrive over the channel.
	sibling := tokensAt(2, t0.Add(179*time.Second), 300, 1800)
	coord.inLock = func() { h.s.Adopt(sibling) }
	h.clock.Advance(180 * time.Second)
	if n := h.calls.Load(); n != 0 {
		t.Fatalf("%d requests although a sibling had refreshed", n)
	}
	if got := h.s.Current().Response.AccessToken; got != "at-2" {
		t.Fatalf("current token %q, want the sibling's", got)
	}
	if got, want := h.s.PlannedAt(), sibling.ExpiresAt.Add(-120*time.Second); !got.Equal(want) {
		t.Fatalf("planned at %v, want %v", got.Sub(t0), want.Sub(t0))
	}
	// The next cycle: this tab refreshes, inside the lock, and publishes there.
	coord.inLock = nil
	h.clock.Advance(180 * time.Second)
	if n := h.calls.Load(); n != 1 {
		t.Fatalf("%d requests, want 1", n)
	}
	coord.mu.Lock()
	defer coord.mu.Unlock()
	if len(coord.pubs) != 1 || coord.pubs[0].Response.AccessToken != "at-101" || !coord.pubHeld[0] {
		t.Fatalf("published %d times (held %v), want once, inside the lock", len(coord.pubs), coord.pubHeld)
	}
	if h.count(session.EventRefreshed) != 2 {
		t.Fatalf("events %v, want refreshed twice", h.names())
	}
}

func TestCoordinatorRotationRace(t *testing.T) {
	// Without a working lock, a sibling may spend the rotated refresh token
	// first: invalid_grant arrives after its tokens did. They stand.
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.clock.Advance(10 * time.Second)
	h.answer = func(context.Context, int, session.Tokens) (*pkce.TokenResponse, error) {
		h.s.Adopt(tokensAt(2, h.now(), 300, 1800))
		return nil, oauthErr(400, "invalid_grant")
	}
	tt, err := h.s.Refresh(context.Background())
	if err != nil || tt.Response.AccessToken != "at-2" {
		t.Fatalf("Refresh = %v, %v; want the sibling's tokens", tt.Response, err)
	}
	if ended, _ := h.s.Ended(); ended {
		t.Fatal("ended although a sibling had refreshed")
	}
}

func TestAdopt(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.s.Adopt(tokensAt(0, t0.Add(-time.Minute), 300, 1800)) // older
	h.s.Adopt(tokensAt(9, t0, 300, 1800))                   // same expiry
	if h.s.Current().Response.AccessToken != "at-1" || h.count(session.EventRefreshed) != 0 {
		t.Fatal("adopted tokens that are not newer")
	}
	newer := tokensAt(2, t0.Add(time.Minute), 300, 1800)
	h.s.Adopt(newer)
	if h.s.Current().Response.AccessToken != "at-2" || h.count(session.EventRefreshed) != 1 {
		t.Fatal("did not adopt newer tokens")
	}
	if got := h.s.PlannedAt(); !got.Equal(t0.Add(240 * time.Second)) {
		t.Fatalf("planned at %v after Adopt, want 240s", got.Sub(t0))
	}
}

func TestClose(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 30, 0))
	h.s.Close()
	h.clock.Advance(10 * time.Minute) // many cycles
	h.s.Check()
	if n := h.calls.Load(); n != 0 {
		t.Fatalf("%d RefreshFunc calls after Close", n)
	}
	if h.clock.Pending() != 0 || len(h.names()) != 0 {
		t.Fatalf("after Close: %d timers, events %v", h.clock.Pending(), h.names())
	}
	_, err := h.s.AccessToken(context.Background())
	if !errors.Is(err, session.ErrClosed) || !errors.Is(err, session.ErrEnded) {
		t.Fatalf("AccessToken after Close: %v", err)
	}
	if ended, _ := h.s.Ended(); ended {
		t.Fatal("Close ended the session")
	}
}

func TestCloseCancelsInFlight(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	started := make(chan struct{})
	cancelled := make(chan struct{})
	h.answer = func(ctx context.Context, _ int, _ session.Tokens) (*pkce.TokenResponse, error) {
		close(started)
		<-ctx.Done()
		close(cancelled)
		return nil, ctx.Err()
	}
	done := make(chan error, 1)
	go func() { _, err := h.s.Refresh(context.Background()); done <- err }()
	<-started
	h.s.Close()
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the in-flight RefreshFunc's ctx was not cancelled")
	}
	if err := <-done; !errors.Is(err, session.ErrClosed) {
		t.Fatalf("Refresh = %v, want ErrClosed", err)
	}
	h.clock.Advance(time.Hour)
	if h.calls.Load() != 1 || len(h.names()) != 0 {
		t.Fatalf("after Close: %d calls, events %v", h.calls.Load(), h.names())
	}
}

func TestCallerContext(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	release := make(chan struct{})
	h.answer = func(context.Context, int, session.Tokens) (*pkce.TokenResponse, error) {
		<-release
		return response(2, 300, 1800), nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.s.Refresh(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Refresh with a cancelled ctx: %v", err)
	}
	close(release) // the shared refresh goes on for the others
	h.waitFor(session.EventRefreshed)
	if h.s.Current().Response.AccessToken != "at-2" {
		t.Fatal("the refresh abandoned by its caller was lost")
	}
}

func TestNoRefreshFunc(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 0), func(c *session.Config, _ *session.Tokens) { c.Refresh = nil })
	if got := h.s.PlannedAt(); !got.Equal(t0.Add(300 * time.Second)) {
		t.Fatalf("planned at %v, want the expiry", got.Sub(t0))
	}
	if _, err := h.s.Refresh(context.Background()); !errors.Is(err, session.ErrNoRefresh) {
		t.Fatalf("Refresh = %v", err)
	}
	h.clock.Jump(290 * time.Second)
	if tok, err := h.s.AccessToken(context.Background()); err != nil || tok != "at-1" {
		t.Fatalf("AccessToken with 10 s left = %q, %v", tok, err)
	}
	// Nothing can replace it, so it is used until it expires (issue 6).
	h.clock.Jump(9 * time.Second)
	if tok, err := h.s.AccessToken(context.Background()); err != nil || tok != "at-1" {
		t.Fatalf("AccessToken with 1 s left = %q, %v", tok, err)
	}
	h.clock.Jump(1 * time.Second)
	if _, err := h.s.AccessToken(context.Background()); !errors.Is(err, session.ErrEnded) {
		t.Fatalf("AccessToken after expiry = %v", err)
	}
	if e := h.waitFor(session.EventEnded); e.Reason != "expired" {
		t.Fatalf("ended %q", e.Reason)
	}
}

func TestResponseWithoutExpiry(t *testing.T) {
	synctest.Test(t, testResponseWithoutExpiry)
}

func testResponseWithoutExpiry(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.answer = func(_ context.Context, n int, _ session.Tokens) (*pkce.TokenResponse, error) {
		return &pkce.TokenResponse{AccessToken: fmt.Sprint("opaque-", n), RefreshToken: "rt"}, nil
	}
	h.clock.Advance(180 * time.Second)
	// The call right after the attempt waits for the next one (RetryGap).
	if _, _, err := accessTokenAdvancing(h); !errors.Is(err, session.ErrNoExpiry) {
		t.Fatalf("AccessToken = %v, want ErrNoExpiry", err)
	}
	e, ok := h.last(session.EventError)
	if !ok || !errors.Is(e.Err, session.ErrNoExpiry) {
		t.Fatalf("no error event saying why: %v", h.names())
	}
	h.clock.Advance(60 * time.Second)
	if n := h.calls.Load(); n > 10 { // backoff from 0.5 s to 15 s, and the call's one
		t.Fatalf("%d refreshes in a minute: tokens without expiry must back off", n)
	}
}

// A refresh that answers a token shorter than MinValidity: the caller is
// refused (the contract owes it MinValidity), and the error says the token was
// too short, not that it had no expiry.
func TestShortLivedRefreshSaysSo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 10 s tokens from a refresh that takes 5 s (a BFF holding the request): dated from the send, less
		// ExpLoss, each arrives with 4 s left, inside its 5 s buffer and under MinValidity.
		h := newHarness(t, tokensAt(1, t0, 10, 1800))
		h.answer = func(_ context.Context, n int, _ session.Tokens) (*pkce.TokenResponse, error) {
			h.clock.Advance(5 * time.Second)
			return &pkce.TokenResponse{AccessToken: fmt.Sprint("slow-", n), RefreshToken: "rt", ExpiresIn: 10}, nil
		}
		h.clock.Advance(6 * time.Second)
		_, _, err := accessTokenAdvancing(h)
		if !errors.Is(err, session.ErrNoExpiry) {
			t.Fatalf("AccessToken = %v, want ErrNoExpiry (code bad_response)", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "left") || !strings.Contains(msg, "under the 5s") {
			t.Fatalf("the message does not say the token was too short: %q", msg)
		}
	})
}

func TestTemporaryErrors(t *testing.T) {
	for _, err := range []error{
		oauthErr(503, ""), oauthErr(502, "temporarily_unavailable"), oauthErr(429, "slow_down"),
		fmt.Errorf("%w: not JSON", pkce.ErrBadResponse), context.DeadlineExceeded, errors.New("js: TypeError: Failed to fetch"),
	} {
		h := newHarness(t, tokensAt(1, t0, 300, 0))
		h.answer = func(context.Context, int, session.Tokens) (*pkce.TokenResponse, error) { return nil, err }
		h.clock.Advance(time.Hour)
		if ended, reason := h.s.Ended(); ended {
			t.Errorf("%v ended the session (%s)", err, reason)
		}
		// Backoff with r = 0 is half the base: 15 s once capped.
		if n := h.calls.Load(); n < 3600/30 || n > 3600/15+10 {
			t.Errorf("%v: %d attempts in an hour, want one every 15–30 s", err, n)
		}
		h.s.Close()
	}
}

func TestPanickingRefreshAndListener(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800), func(c *session.Config, _ *session.Tokens) {
		inner := c.OnEvent
		c.OnEvent = func(e session.Event) { inner(e); panic("listener") }
	})
	h.answer = func(_ context.Context, n int, _ session.Tokens) (*pkce.TokenResponse, error) {
		if n == 1 {
			panic("boom")
		}
		return response(2, 300, 1800), nil
	}
	if _, err := h.s.Refresh(context.Background()); !errors.Is(err, fault.ErrPanic) {
		t.Fatalf("a panicking RefreshFunc gave %v, want an fault.ErrPanic (JS code internal)", err)
	}
	if _, err := h.s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if h.count(session.EventError) != 1 || h.count(session.EventRefreshed) != 1 {
		t.Fatalf("events %v", h.names())
	}
}

// TestKeysNotFetchedIsRetried: a refreshed ID token whose keys could not be
// fetched (check "jwks": a network blip) or whose key was not yet in the JWKS
// (check "kid": a rotation moments ago) is retried, not an end of the session.
func TestKeysNotFetchedIsRetried(t *testing.T) {
	for _, check := range []string{token.CheckJWKS, token.CheckKID} {
		t.Run(check, func(t *testing.T) {
			h := newHarness(t, tokensAt(1, t0, 300, 1800))
			h.answer = func(_ context.Context, n int, _ session.Tokens) (*pkce.TokenResponse, error) {
				if n == 1 {
					return nil, &token.IDTokenError{Check: check, Err: token.ErrJWKS}
				}
				return response(100+n, 300, 1800), nil
			}
			h.clock.Advance(200 * time.Second) // past the planned refresh and the first backoff
			if ended, reason := h.s.Ended(); ended {
				t.Fatalf("the session ended (%s)", reason)
			}
			if n := h.calls.Load(); n < 2 {
				t.Fatalf("%d RefreshFunc calls: the failure was not retried", n)
			}
			if h.count(session.EventError) != 1 || h.count(session.EventRefreshed) < 1 {
				t.Fatalf("events %v: want one error, then refreshed", h.names())
			}
		})
	}
}
