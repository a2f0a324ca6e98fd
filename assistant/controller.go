package assistant

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
)

// Defaults of the official <corti-embedded> component.
const (
	DefaultReadyTimeout   = 30 * time.Second
	DefaultRequestTimeout = 10 * time.Second
)

// TokenSource gives the controller fresh tokens: the session's getAccessToken
// semantics.
type TokenSource interface {
	// Fresh returns a token response whose access token has more than the
	// refresh buffer left (refreshing first if needed), with its expiry and the
	// profile from the ID token.
	Fresh(ctx context.Context) (resp *pkce.TokenResponse, expiresAt time.Time, profile Profile, err error)
}

// Options configure a Controller. Frame, Post and Tokens are required.
type Options struct {
	Frame  Frame
	Post   func(msg []byte) error // the bridge's postMessage, targetOrigin = Frame.Origin
	Tokens TokenSource
	// IsServiceAccount reports whether an access token belongs to a service
	// account (client credentials); such tokens are never posted. Nil skips the
	// check: the bridge supplies IsServiceAccount of this package.
	IsServiceAccount func(accessToken string) bool
	ReadyTimeout     time.Duration // ≤ 0 → DefaultReadyTimeout
	RequestTimeout   time.Duration // ≤ 0 → DefaultRequestTimeout
	// NewID returns request ids; nil → "req_<unixms>_<random>", unique across
	// all controllers of the module.
	NewID func() string
	// OnEvent receives every valid event from the iframe, embedded.ready and
	// legacy deprecated ones included, in arrival order (Deliver's order for
	// queued messages). It is called from Receive, or from Deliver's one drain
	// goroutine, and must not block.
	OnEvent func(name string, confidential bool, payload json.RawMessage)
	// OnActivity is called, after OnEvent, for each event that a clinician's
	// own action inside the Assistant caused (see ClinicianEvent): activity
	// for idle sign-out. It must not block.
	OnActivity func(event string)
	// OnAuth is called after each auth round trip: Start's, Reauth's and the
	// one after a reload.
	OnAuth func(User, error)
	// OnError receives the errors the iframe reports outside a request, as an
	// *Error with Event set: an error.triggered event ({message, code?}), an
	// embedded.ready of another version (CodeVersionMismatch), a frame
	// repeating embedded.ready beyond the reload limit (CodeReloadLimit). It is
	// called from Receive (or Deliver's drain goroutine) and must not block.
	OnError func(error)
	// Logf is a debug log. It never receives a confidential event's payload
	// nor the text of an unknown message.
	Logf func(format string, args ...any)
	// Warn is a warning for the page's developer (the bridge's console.warn):
	// once per controller, when the tokens sent with auth lack a member Corti's
	// docs mark required (MissingForAuth). Nil: no warning.
	Warn func(msg string)
	// ShareRefreshToken sends the refresh token (and refresh_expires_in) with
	// auth, so that the Assistant may refresh by itself: the mount option
	// assistantRefreshes. False (the default): auth carries the access and ID
	// tokens only and the host stays the only refresher (refresh.go).
	ShareRefreshToken bool
	Clock             Clock // nil → real time
}

// Controller speaks the protocol with one Assistant iframe. Each controller
// keeps its own bookkeeping, so two panes on one page do not interfere. Its
// methods are safe for concurrent use.
type Controller struct {
	o       Options
	ready   chan struct{} // closed by the first embedded.ready
	done    chan struct{} // closed by Destroy or SessionEnded
	authSem chan struct{} // one auth at a time
	ctx     context.Context
	cancel  context.CancelFunc

	sendMu sync.Mutex // held around Post, so nothing is posted after Destroy or SessionEnded return

	mu           sync.Mutex
	isReady      bool
	authStarted  bool // Start began authenticating: Reauth is no longer a no-op
	authAnswered bool // an auth response arrived: a later embedded.ready is a reload
	reloading    bool // a reload's auth is queued or in flight; ready repeats are ignored
	reloadGen    int  // tells reload auths apart
	reloads      reloadBudget
	stopErr      error // ErrEnded or ErrDestroyed, wrapped; nil while live
	destroyed    bool
	pending      map[string]*pending
	user         User
	hasUser      bool
	warned       bool          // Warn was called
	sentRefresh  []string      // the last refresh tokens sent with auth (ShareRefreshToken), newest last
	requestAt    time.Duration // Clock.Mono when a request was last posted or ended (answered, timed out, abandoned)
	requested    bool          // requestAt is set
	// authed is the access token the frame last accepted; "" once another
	// auth is posted, and when the frame reloaded (it lost its session). A
	// re-auth with this very token posts nothing (authenticate.go).
	authed string

	in inbox // Deliver's FIFO
}

type pending struct {
	action string
	ch     chan result // 1-buffered; exactly one send, by whoever deletes the entry
}

type result struct {
	msg Message
	err error
}

// NewController returns a controller for the iframe described by o.Frame. It
// returns an error wrapping ErrInvalidOptions when Frame.Origin, Post or Tokens
// is missing.
func NewController(o Options) (*Controller, error) {
	switch {
	case o.Frame.Origin == "":
		return nil, fmt.Errorf("%w: no Frame.Origin", ErrInvalidOptions)
	case o.Post == nil:
		return nil, fmt.Errorf("%w: no Post", ErrInvalidOptions)
	case o.Tokens == nil:
		return nil, fmt.Errorf("%w: no Tokens", ErrInvalidOptions)
	}
	if o.Clock == nil {
		o.Clock = realClock
	}
	if o.ReadyTimeout <= 0 {
		o.ReadyTimeout = DefaultReadyTimeout
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.NewID == nil {
		clock := o.Clock
		o.NewID = func() string { return newID(clock.Now()) }
	}
	c := &Controller{
		o:       o,
		ready:   make(chan struct{}),
		done:    make(chan struct{}),
		authSem: make(chan struct{}, 1),
		pending: make(map[string]*pending),
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	return c, nil
}

// User returns the user of the last successful auth, and whether there was one.
func (c *Controller) User() (User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user, c.hasUser
}

// SentRefreshTokens returns the refresh tokens the last auths handed to the
// Assistant (only with ShareRefreshToken; at most the last few), for
// RefreshConflict.
func (c *Controller) SentRefreshTokens() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.sentRefresh...)
}

// SessionEnded ends the controller with its session, whatever the reason
// (logout, revocation, expiry, idle, another user): pending requests fail with
// ErrEnded (wrapped with the reason), and so do later requests; nothing is
// posted after it returns, and incoming messages are dropped, since the frame
// is to be unloaded. It reports whether this call ended a live controller:
// then, and only then, the host must unload the frame (navigate it to
// BlankURL and remove it, see Unload) and emit "ended".
func (c *Controller) SessionEnded(reason string) (unload bool) {
	err := ErrEnded
	if reason != "" {
		err = fmt.Errorf("%w: %s", ErrEnded, reason)
	}
	first := c.stop(err, false)
	c.closeInbox()
	return first
}

// Destroy rejects pending requests with ErrDestroyed and stops timers; later
// messages are ignored and later calls fail with ErrDestroyed. It is idempotent.
// The host unloads the frame as after SessionEnded.
func (c *Controller) Destroy() { c.stop(ErrDestroyed, true) }

// stop reports whether it ended a live controller (the first stop).
func (c *Controller) stop(err error, destroy bool) bool {
	c.sendMu.Lock()
	c.mu.Lock()
	if c.destroyed || (!destroy && c.stopErr != nil) {
		c.mu.Unlock()
		c.sendMu.Unlock()
		return false
	}
	first := c.stopErr == nil
	if first {
		close(c.done)
	}
	c.stopErr = err
	c.destroyed = destroy
	pend := c.pending
	c.pending = make(map[string]*pending)
	c.mu.Unlock()
	c.sendMu.Unlock()
	c.cancel()
	if destroy {
		c.closeInbox()
	}
	for _, p := range pend {
		p.ch <- result{err: err}
	}
	return first
}

func (c *Controller) stopped() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopErr
}

func (c *Controller) logf(format string, args ...any) {
	if c.o.Logf != nil {
		c.o.Logf(format, args...)
	}
}
