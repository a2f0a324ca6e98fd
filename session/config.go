package session

import (
	"context"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
)

// RefreshFunc obtains new tokens for current: a refresh_token grant at the token
// endpoint, or a bearer-mode callback. ctx is cancelled when the session ends or
// is closed. Errors are classified as described at FinalError and on Session.
type RefreshFunc func(ctx context.Context, current Tokens) (*pkce.TokenResponse, error)

// Coordinator shares one session between the tabs of a browser (optional).
type Coordinator interface {
	// WithLock runs f while holding the cross-tab refresh lock (Web Locks); ctx
	// cancels waiting. It returns f's error, or why f could not run.
	WithLock(ctx context.Context, f func(ctx context.Context) error) error
	// Publish sends new tokens to the sibling tabs. The Session calls it while
	// still holding the lock, so a sibling that takes the lock next has most
	// likely adopted them already.
	Publish(t Tokens)
	// PublishEnd tells the sibling tabs that the session ended.
	PublishEnd(reason string)
}

// Config configures a Session. The zero value of every field has a default.
type Config struct {
	Buffer    time.Duration                              // refreshBufferSeconds; 0 → DefaultBuffer (120 s, via Buffer); capped at lifetime/2
	Clock     Clock                                      // nil → RealClock
	Rand      func() float64                             // [0,1) for jitter; nil → math/rand/v2
	Refresh   RefreshFunc                                // nil: no refresh possible → the session ends with "expired" when the access token expires
	JWTExpiry func(accessToken string) (time.Time, bool) // fallback when a refreshed response has no expires_in
	// Validate checks refreshed tokens against the old ones (e.g. the new
	// id_token keeps the same sub). An error ends the session with the reason of
	// a *FinalError it wraps, else "id_token_invalid".
	Validate    func(old, new Tokens) error
	Coordinator Coordinator // nil: this tab only
	// OnEvent receives the events, in order, on the session's goroutines (one
	// at a time); it must not block. It may call the Session's methods. A
	// panic in it is recovered and dropped.
	OnEvent     func(Event)
	MinValidity time.Duration // an old token still usable when a refresh fails: 0 → DefaultMinValidity (5 s)
}

// EventName names the events of a Session.
type EventName string

// The events: "refreshed" (new tokens, from a refresh or a sibling tab),
// "expiring" (a refresh failed and the token is inside the buffer), "ended"
// (exactly once, with a Reason), "error" (each failed attempt, with Err).
const (
	EventRefreshed EventName = "refreshed"
	EventExpiring  EventName = "expiring"
	EventEnded     EventName = "ended"
	EventError     EventName = "error"
)

// Event is what OnEvent receives. Tokens are the current tokens (the new ones
// for "refreshed"); Reason is set for "ended"; Err for "error", "expiring" and,
// when the end has a cause, "ended".
type Event struct {
	Name   EventName
	Tokens Tokens
	Reason string
	Err    error
}
