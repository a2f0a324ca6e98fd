package session

import "time"

// Defaults of Config.
const (
	DefaultBuffer      = 120 * time.Second // as Corti's SDKs
	DefaultMinValidity = 5 * time.Second
	// MaxBackoff caps the delay between two attempts of a failing refresh.
	MaxBackoff = 30 * time.Second
	// jitterShare is the largest jitter, as a share of the buffer.
	jitterShare = 0.10
)

// Buffer is how long before expiry a refresh is due: min(configured,
// lifetime/2), so a short-lived token is not refreshed continuously. A
// configured value of 0 means DefaultBuffer; a lifetime of 0 or less gives 0.
func Buffer(configured, lifetime time.Duration) time.Duration {
	if configured == 0 {
		configured = DefaultBuffer
	}
	if configured < 0 || lifetime <= 0 {
		return 0
	}
	return min(configured, lifetime/2)
}

// PlanRefresh is when the refresh of t is planned: ExpiresAt − buffer − jitter,
// where buffer = Buffer(configured, t.Lifetime()) and jitter = r × 10 % of the
// buffer, r in [0, 1) (clamped). Jitter only ever moves a refresh earlier, so
// that the clients that signed in together do not all refresh in the same second.
func PlanRefresh(t Tokens, configured time.Duration, r float64) time.Time {
	b := Buffer(configured, t.Lifetime())
	jitter := time.Duration(clamp01(r) * jitterShare * float64(b))
	return t.ExpiresAt.Add(-b - jitter)
}

// Backoff is the delay before retry number attempt+1 of a failing refresh
// (attempt counts from 0): a base of 1 s, 2 s, 4 s … doubling up to MaxBackoff,
// with "equal jitter": base × (0.5 + 0.5 × r), r in [0, 1) (clamped). The result
// is thus in [base/2, base) and never above MaxBackoff.
func Backoff(attempt int, r float64) time.Duration {
	base := MaxBackoff
	if attempt < 5 { // 1 s << 5 = 32 s > MaxBackoff
		base = min(time.Second<<max(attempt, 0), MaxBackoff)
	}
	return time.Duration(float64(base) * (0.5 + 0.5*clamp01(r)))
}

func clamp01(r float64) float64 {
	switch {
	case r > 0 && r < 1:
		return r
	case r >= 1:
		return 0.9999999
	default: // r <= 0, NaN
		return 0
	}
}
