package session_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/session"
)

func TestPlanRefresh(t *testing.T) {
	const s = time.Second
	// want is the refresh time without jitter, as seconds after receipt.
	tests := []struct {
		lifetime, buffer time.Duration
		wantBuffer       time.Duration
	}{
		{30 * s, 10 * s, 10 * s},
		{30 * s, 120 * s, 15 * s}, // capped at half the lifetime
		{30 * s, 600 * s, 15 * s},
		{300 * s, 10 * s, 10 * s},
		{300 * s, 120 * s, 120 * s},
		{300 * s, 600 * s, 150 * s},
		{3600 * s, 10 * s, 10 * s},
		{3600 * s, 120 * s, 120 * s},
		{3600 * s, 600 * s, 600 * s},
		{300 * s, 0, 120 * s}, // 0 → the default 120 s
		{10 * s, 0, 5 * s},    // the browser tests' 10 s tokens
		{0, 120 * s, 0},       // "expiring now"
	}
	for _, tt := range tests {
		tok, _ := session.NewTokens(response(1, int64(tt.lifetime/s), 0), t0, nil)
		if got := session.Buffer(tt.buffer, tt.lifetime); got != tt.wantBuffer {
			t.Errorf("Buffer(%v, %v) = %v, want %v", tt.buffer, tt.lifetime, got, tt.wantBuffer)
		}
		noJitter := t0.Add(tt.lifetime - tt.wantBuffer)
		if got := session.PlanRefresh(tok, tt.buffer, 0); !got.Equal(noJitter) {
			t.Errorf("lifetime %v buffer %v, r=0: planned at %v, want %v", tt.lifetime, tt.buffer, got.Sub(t0), noJitter.Sub(t0))
		}
		// r → 1: the most jitter, 10 % of the buffer, and only earlier.
		maxJitter := tt.wantBuffer / 10
		got := session.PlanRefresh(tok, tt.buffer, 0.999999999)
		if early := noJitter.Sub(got); early < 0 || early > maxJitter || maxJitter-early > time.Millisecond {
			t.Errorf("lifetime %v buffer %v, r→1: %v before the unjittered time, want ≈ %v", tt.lifetime, tt.buffer, early, maxJitter)
		}
		for range 200 {
			r := rand.Float64()
			got := session.PlanRefresh(tok, tt.buffer, r)
			if got.After(noJitter) || noJitter.Sub(got) > maxJitter {
				t.Fatalf("lifetime %v buffer %v r=%v: planned %v, outside [%v, %v]", tt.lifetime, tt.buffer, r,
					got.Sub(t0), (noJitter.Add(-maxJitter)).Sub(t0), noJitter.Sub(t0))
			}
		}
	}
}

func TestPlanRefreshOutOfRangeRand(t *testing.T) {
	tok := tokensAt(1, t0, 300, 0)
	noJitter := t0.Add(180 * time.Second)
	for _, r := range []float64{-1, 1, 7} {
		got := session.PlanRefresh(tok, 120*time.Second, r)
		if got.After(noJitter) || noJitter.Sub(got) > 12*time.Second {
			t.Errorf("r=%v: planned %v after receipt, want within [168s, 180s]", r, got.Sub(t0))
		}
	}
}

func TestBackoff(t *testing.T) {
	const s = time.Second
	bases := []time.Duration{1 * s, 2 * s, 4 * s, 8 * s, 16 * s, 30 * s, 30 * s, 30 * s}
	for attempt, base := range bases {
		if got := session.Backoff(attempt, 0); got != base/2 {
			t.Errorf("Backoff(%d, 0) = %v, want %v", attempt, got, base/2)
		}
		if got := session.Backoff(attempt, 0.999999999); got > base || base-got > time.Millisecond {
			t.Errorf("Backoff(%d, →1) = %v, want ≈ %v", attempt, got, base)
		}
		for range 100 {
			if got := session.Backoff(attempt, rand.Float64()); got < base/2 || got >= base {
				t.Fatalf("Backoff(%d) = %v, outside [%v, %v)", attempt, got, base/2, base)
			}
		}
	}
	for _, attempt := range []int{-3, 1000, int(^uint(0) >> 1)} {
		if got := session.Backoff(attempt, 0.9999); got <= 0 || got > session.MaxBackoff {
			t.Errorf("Backoff(%d) = %v, want within (0, %v]", attempt, got, session.MaxBackoff)
		}
	}
}
