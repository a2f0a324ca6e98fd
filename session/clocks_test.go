package session_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
)

// accessTokenAdvancing calls AccessToken in its own goroutine and advances the
// fake clock in 10 ms steps until it returns, reporting how long (on the fake
// clock) that took. It must run in a synctest bubble, so that "the call is
// blocked" is exact.
func accessTokenAdvancing(h *harness) (string, time.Duration, error) {
	type result struct {
		tok string
		err error
	}
	ch := make(chan result, 1)
	start := h.clock.Mono()
	go func() {
		tok, err := h.s.AccessToken(context.Background())
		ch <- result{tok, err}
	}()
	for {
		synctest.Wait()
		select {
		case r := <-ch:
			return r.tok, h.clock.Mono() - start, r.err
		default:
		}
		h.clock.Advance(10 * time.Millisecond)
	}
}

// The wall clock set back: a token whose real lifetime (by the monotonic
// clock) is inside the buffer is refreshed before it is handed out.
func TestClockSetBackHandsOutNoStaleToken(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.clock.SetWall(-time.Hour)
	h.clock.Jump(290 * time.Second) // 10 s of real lifetime left; the timer did not fire
	tok, err := h.s.AccessToken(context.Background())
	if err != nil || tok == "at-1" || h.calls.Load() != 1 {
		t.Fatalf("AccessToken = %q, %v after %d refreshes; want a refreshed token", tok, err, h.calls.Load())
	}
}

// The wall clock set back: the planned refresh runs when its time has come by
// the monotonic clock, instead of re-arming for an hour later.
func TestClockSetBackPlannedRefreshRuns(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.clock.SetWall(-time.Hour)
	h.clock.Advance(180 * time.Second) // 300 s − 120 s buffer
	if n := h.calls.Load(); n != 1 {
		t.Fatalf("%d refreshes at the planned time, want 1", n)
	}
}

// The wall clock set forward past refresh_expires_in: the provider, not the
// local clock, decides the refresh token is dead.
func TestClockSetForwardAsksTheProvider(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.clock.SetWall(2 * time.Hour)
	tok, err := h.s.AccessToken(context.Background())
	if err != nil || tok != "at-101" {
		t.Fatalf("AccessToken = %q, %v; want the provider asked", tok, err)
	}
	if ended, reason := h.s.Ended(); ended {
		t.Fatalf("ended %s", reason)
	}
}

// The machine asleep with the monotonic clock standing still (the wall clock
// moves alone): the wall clock's earlier deadline wins, no expired token.
func TestSleepWithMonoStandingStill(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.clock.SetWall(10 * time.Minute)
	tok, err := h.s.AccessToken(context.Background())
	if err != nil || tok != "at-101" {
		t.Fatalf("AccessToken = %q, %v; want a fresh token", tok, err)
	}
}

// TestExpiryDatedFromTheRequest: expires_in counts whole seconds from the
// provider's issue time, somewhere between the request and the answer. The
// expiry is dated from when the request was sent, less the second a
// whole-second exp loses, so it is never later than the token's own exp and
// a token handed out always has the buffer left by its exp.
func TestExpiryDatedFromTheRequest(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.clock.Advance(700 * time.Millisecond)
	var exp time.Time
	h.answer = func(context.Context, int, session.Tokens) (*pkce.TokenResponse, error) {
		h.clock.Jump(time.Second) // the request travels
		exp = h.now().Truncate(time.Second).Add(8 * time.Second)
		h.clock.Jump(time.Second) // the answer travels
		return response(2, 8, 1800), nil
	}
	tt, err := h.s.Refresh(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tt.ExpiresAt.After(exp) {
		t.Fatalf("expires_at %v is after the token's exp %v", tt.ExpiresAt.Sub(t0), exp.Sub(t0))
	}
	h.answer = nil
	for h.now().Before(exp) {
		tok, err := h.s.AccessToken(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if left := exp.Sub(h.now()); tok == "at-2" && left < 4*time.Second-200*time.Millisecond {
			t.Fatalf("at %v at-2 handed out with %v left by its exp, buffer 4 s", h.now().Sub(t0), left)
		}
		h.clock.Jump(100 * time.Millisecond)
	}
}

// TestNoStaleErrorAfterOutage: 8 s tokens and a 10 s run of 503s. Right after
// the provider answers again, a caller gets a fresh attempt, not the last
// error; while it is down, no error handed out is more than a second old, and
// callers make at most one attempt a second.
func TestNoStaleErrorAfterOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, tokensAt(1, t0, 8, 1800))
		outageEnd := t0.Add(14 * time.Second)
		var mu sync.Mutex
		var attempts []time.Time
		h.answer = func(_ context.Context, n int, _ session.Tokens) (*pkce.TokenResponse, error) {
			mu.Lock()
			attempts = append(attempts, h.now())
			mu.Unlock()
			if h.now().Before(outageEnd) {
				return nil, oauthErr(503, "")
			}
			return response(100+n, 8, 1800), nil
		}
		h.clock.Advance(4 * time.Second) // the planned refresh fails
		for h.now().Before(outageEnd) {
			called := h.now()
			_, _, err := accessTokenAdvancing(h)
			if err != nil {
				mu.Lock()
				last := attempts[len(attempts)-1]
				mu.Unlock()
				if last.Before(called) {
					t.Fatalf("at %v: AccessToken handed back the error of an attempt made %v before the call", called.Sub(t0), called.Sub(last))
				}
			}
			h.clock.Advance(100 * time.Millisecond)
		}
		mu.Lock()
		n := len(attempts)
		for i := 1; i < n; i++ {
			if gap := attempts[i].Sub(attempts[i-1]); gap < session.RetryGap {
				t.Fatalf("attempts %v apart: callers must not make more than one a second", gap)
			}
		}
		mu.Unlock()
		// A call right after the outage gets a fresh attempt and token.
		tok, took, err := accessTokenAdvancing(h)
		if err != nil || tok == "at-1" || took > session.RetryGap {
			t.Fatalf("right after the outage AccessToken = %q, %v after %v; want a fresh token within RetryGap", tok, err, took)
		}
	})
}

// TestNoStaleErrorAfterOutageSingleCall: the same, with a single call just
// after the outage (no calls during it): it makes the attempt the backoff
// would only make seconds later.
func TestNoStaleErrorAfterOutageSingleCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, tokensAt(1, t0, 8, 1800))
		outageEnd := t0.Add(14 * time.Second)
		h.answer = func(_ context.Context, n int, _ session.Tokens) (*pkce.TokenResponse, error) {
			if h.now().Before(outageEnd) {
				return nil, oauthErr(503, "")
			}
			return response(100+n, 8, 1800), nil
		}
		h.clock.Advance(14 * time.Second) // attempts at 4, 4.5, 5.5, 7.5, 11.5 s; the next at 19.5 s
		before := h.calls.Load()
		tok, took, err := accessTokenAdvancing(h)
		if err != nil || tok == "at-1" || h.calls.Load() != before+1 || took != 0 {
			t.Fatalf("right after the outage AccessToken = %q, %v after %v; want a fresh attempt and token at once", tok, err, took)
		}
	})
}

// TestUnverifiedTokensAreKept: the token endpoint answered (with a rotated
// refresh token) but the new ID token's keys could not be fetched. The old
// refresh token is spent; the session keeps the new tokens and retries only the
// verification, then hands them out.
func TestUnverifiedTokensAreKept(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	var verifies int
	h.answer = func(_ context.Context, n int, cur session.Tokens) (*pkce.TokenResponse, error) {
		if cur.Response.RefreshToken != "rt-1" {
			return nil, oauthErr(400, "invalid_grant") // rotation: only rt-1 was ever valid here
		}
		return nil, &session.UnverifiedError{
			Response: response(2, 300, 1800),
			Verify: func(context.Context) error {
				verifies++
				if verifies == 1 {
					return &token.IDTokenError{Check: token.CheckJWKS, Err: token.ErrJWKS}
				}
				return nil
			},
			Err: &token.IDTokenError{Check: token.CheckJWKS, Err: token.ErrJWKS},
		}
	}
	h.clock.Advance(200 * time.Second) // the planned refresh and its retries
	if ended, reason := h.s.Ended(); ended {
		t.Fatalf("the session ended (%s): the rotated refresh token was thrown away", reason)
	}
	if got := h.s.Current().Response.AccessToken; got != "at-2" || h.calls.Load() != 1 || verifies != 2 {
		t.Fatalf("current %q after %d refreshes and %d verifications; want at-2, 1, 2", got, h.calls.Load(), verifies)
	}
	// A verification that fails for good ends the session.
	h2 := newHarness(t, tokensAt(1, t0, 300, 1800))
	h2.answer = func(context.Context, int, session.Tokens) (*pkce.TokenResponse, error) {
		return nil, &session.UnverifiedError{
			Response: response(2, 300, 1800),
			Verify: func(context.Context) error {
				return &token.IDTokenError{Check: token.CheckSignature, Err: errors.New("bad signature")}
			},
			Err: &token.IDTokenError{Check: token.CheckKID, Err: errors.New("kid not found")},
		}
	}
	h2.clock.Advance(200 * time.Second)
	if e := h2.waitFor(session.EventEnded); e.Reason != "id_token_invalid" {
		t.Fatalf("ended %q, want id_token_invalid", e.Reason)
	}
}
