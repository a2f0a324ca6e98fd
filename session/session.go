package session

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
)

// Session holds the current tokens and keeps them fresh. Its methods are safe
// for concurrent use.
//
// Refreshes: one is planned at PlanRefresh (ExpiresAt − buffer − jitter);
// AccessToken, Refresh, Check and the planned refresh share one RefreshFunc
// call at a time. A final error (see FinalError) ends the session; any other
// error is retried after Backoff, for as long as the refresh token may be valid
// (RefreshExpiresAt unknown or in the future) — also once the access token has
// expired, so that a session survives an outage of the token endpoint; meanwhile
// AccessToken returns the error, never an expired token.
type Session struct {
	cfg    Config
	clock  Clock
	rnd    func() float64
	ctx    context.Context // cancelled by End and Close: stops the RefreshFunc and lock waits
	cancel context.CancelFunc

	mu        sync.Mutex
	cur       Tokens
	ended     bool
	closed    bool
	reason    string
	fl        *flight   // the refresh in flight, nil if none
	failures  int       // consecutive failed attempts
	lastErr   error     // the last attempt's error while failures > 0
	retryAt   time.Time // earliest next automatic attempt while failures > 0
	plannedAt time.Time // when the timer's action is due; zero if none
	stop      func() bool
	gen       uint64 // invalidates stale timer callbacks
	events    []Event
	draining  bool
}

// New starts a session with initial tokens and plans its first refresh. It
// emits nothing: a caller whose NewTokens reported no expiry says so itself.
func New(cfg Config, initial Tokens) *Session {
	if cfg.Buffer == 0 {
		cfg.Buffer = DefaultBuffer
	}
	if cfg.MinValidity <= 0 {
		cfg.MinValidity = DefaultMinValidity
	}
	s := &Session{cfg: cfg, clock: cfg.Clock, rnd: cfg.Rand}
	if s.clock == nil {
		s.clock = RealClock
	}
	if s.rnd == nil {
		s.rnd = rand.Float64
	}
	if initial.Response == nil {
		initial.Response = &pkce.TokenResponse{}
	}
	s.cur = stripMono(initial)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mu.Lock()
	s.planLocked(s.now())
	s.mu.Unlock()
	return s
}

func stripMono(t Tokens) Tokens {
	t.ReceivedAt = t.ReceivedAt.Round(0)
	t.ExpiresAt = t.ExpiresAt.Round(0)
	t.RefreshExpiresAt = t.RefreshExpiresAt.Round(0)
	return t
}

// now is the wall clock without its monotonic reading.
func (s *Session) now() time.Time { return s.clock.Now().Round(0) }

func (s *Session) bufferFor(t Tokens) time.Duration { return Buffer(s.cfg.Buffer, t.Lifetime()) }

// Current returns the current tokens. The Response must not be modified.
func (s *Session) Current() Tokens {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Ended reports whether the session has ended, and why. A session that was only
// closed has not ended.
func (s *Session) Ended() (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended, s.reason
}

// PlannedAt reports when the next automatic action (a planned refresh, a retry,
// or the "expired" end without a RefreshFunc) is due; zero if none.
func (s *Session) PlannedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.plannedAt
}

// endErrLocked is the error of a call after the end or Close, nil before.
func (s *Session) endErrLocked() error {
	switch {
	case s.closed && !s.ended:
		return &EndedError{Reason: "closed", Closed: true}
	case s.ended:
		return &EndedError{Reason: s.reason, Closed: s.closed}
	}
	return nil
}

// AccessToken returns an access token with more than the buffer left
// (getAccessToken). It always checks wall-clock expiry first; when the current
// token is inside the buffer it refreshes first, joining a refresh in flight.
// While failed attempts back off, it makes no request of its own before the
// retry is due. When the refresh fails and the current token still has at least
// MinValidity left, it returns that token (an "expiring" event tells of the
// failure); otherwise it returns the refresh's error — never an expired token.
// After End or Close it returns an *EndedError (ErrEnded). Without a RefreshFunc
// nothing can replace the token, so it is returned until it expires; then the
// session ends "expired".
func (s *Session) AccessToken(ctx context.Context) (string, error) {
	s.mu.Lock()
	if err := s.endErrLocked(); err != nil {
		s.mu.Unlock()
		return "", err
	}
	now := s.now()
	cur := s.cur
	left := cur.ExpiresAt.Sub(now)
	if left > s.bufferFor(cur) {
		s.mu.Unlock()
		return cur.AccessToken(), nil
	}
	var f *flight
	switch {
	case s.fl != nil:
		f = s.fl
	case s.cfg.Refresh == nil:
		if left <= 0 {
			pub := s.endLocked(ReasonExpired, ErrExpired, true)
			err := s.endErrLocked()
			s.mu.Unlock()
			s.afterEnd(pub, ReasonExpired)
			return "", err
		}
		// Nothing can replace this token: it is used until it expires
		// (a bearer token from elsewhere without a refresh).
		s.mu.Unlock()
		return cur.AccessToken(), nil
	case s.failures > 0 && now.Before(s.retryAt):
		err := s.lastErr
		s.mu.Unlock()
		if left >= s.cfg.MinValidity {
			return cur.AccessToken(), nil
		}
		return "", err
	default:
		f = s.startLocked()
		go s.run(f)
	}
	s.mu.Unlock()

	t, err := s.wait(ctx, f)
	if err == nil {
		if t.ExpiresAt.Sub(s.now()) >= s.cfg.MinValidity {
			return t.AccessToken(), nil
		}
		err = ErrNoExpiry
	}
	if ctx.Err() != nil {
		return "", err
	}
	s.mu.Lock()
	cur, ended := s.cur, s.ended || s.closed
	s.mu.Unlock()
	if !ended && cur.ExpiresAt.Sub(s.now()) >= s.cfg.MinValidity {
		return cur.AccessToken(), nil
	}
	return "", err
}

// Refresh forces a refresh now (even while failed attempts back off) and
// returns the new tokens; concurrent callers, AccessToken and the planned
// refresh share one RefreshFunc call. Errors: the RefreshFunc's (a final one
// also ends the session), an *EndedError after the end (also when the refresh
// token is known to have expired: the session ends "refresh_expired" without a
// request), ErrNoRefresh without a RefreshFunc, or ctx's error.
func (s *Session) Refresh(ctx context.Context) (Tokens, error) {
	s.mu.Lock()
	if err := s.endErrLocked(); err != nil {
		s.mu.Unlock()
		return Tokens{}, err
	}
	if s.cfg.Refresh == nil {
		pub := false
		if !s.now().Before(s.cur.ExpiresAt) {
			pub = s.endLocked(ReasonExpired, ErrExpired, true)
		}
		s.mu.Unlock()
		s.afterEnd(pub, ReasonExpired)
		return Tokens{}, ErrNoRefresh
	}
	f := s.fl
	if f == nil {
		f = s.startLocked()
		go s.run(f)
	}
	s.mu.Unlock()
	return s.wait(ctx, f)
}

// Check re-evaluates the session after a wake-up signal (visibilitychange to
// visible, focus, online, pageshow): timers may have been throttled or frozen.
// When the planned refresh or retry is due by the wall clock it runs it (and
// blocks until it is done; the session may end "refresh_expired"), without a
// RefreshFunc an expired session ends "expired"; otherwise it only re-arms the
// timer. It does nothing while a refresh is in flight or after the end.
func (s *Session) Check() { s.check(0) }

// check is Check, and the timer's callback for generation gen (0: any).
func (s *Session) check(gen uint64) {
	s.mu.Lock()
	if gen != 0 && gen != s.gen {
		s.mu.Unlock()
		return
	}
	if s.ended || s.closed || s.fl != nil || s.plannedAt.IsZero() {
		s.mu.Unlock()
		return
	}
	now := s.now()
	if now.Before(s.plannedAt) {
		s.armLocked(s.plannedAt, now)
		s.mu.Unlock()
		return
	}
	if s.cfg.Refresh == nil {
		pub := false
		if !now.Before(s.cur.ExpiresAt) {
			pub = s.endLocked(ReasonExpired, ErrExpired, true)
		} else {
			s.planLocked(now)
		}
		s.mu.Unlock()
		s.afterEnd(pub, ReasonExpired)
		return
	}
	f := s.startLocked()
	s.mu.Unlock()
	s.run(f)
}

// Adopt installs tokens obtained by a sibling tab (their absolute expiries kept
// as they are), re-plans and emits "refreshed". Tokens that do not expire later
// than the current ones are ignored, as is everything after the end.
func (s *Session) Adopt(t Tokens) {
	if t.Response == nil {
		return
	}
	t = stripMono(t)
	s.mu.Lock()
	if s.ended || s.closed || !t.ExpiresAt.After(s.cur.ExpiresAt) {
		s.mu.Unlock()
		return
	}
	s.installLocked(t)
	if s.fl == nil {
		s.planLocked(s.now())
	}
	s.mu.Unlock()
	s.flush()
}

// End ends the session with reason (e.g. "logout"): it emits "ended" once,
// cancels the timer and a refresh in flight, and publishes the end to the
// sibling tabs. Calls after the end or Close do nothing.
func (s *Session) End(reason string) { s.end(reason, true) }

// EndFromSibling is End for an end announced by a sibling tab: it does not
// publish it again.
func (s *Session) EndFromSibling(reason string) { s.end(reason, false) }

func (s *Session) end(reason string, publish bool) {
	s.mu.Lock()
	pub := s.endLocked(reason, nil, publish)
	s.mu.Unlock()
	s.afterEnd(pub, reason)
}

// Close stops the timer and cancels a refresh in flight (its ctx) without
// emitting "ended"; no RefreshFunc call starts after it. Later calls return an
// *EndedError matching ErrClosed.
func (s *Session) Close() {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		s.stopLocked()
		s.events = nil
	}
	s.mu.Unlock()
	s.cancel()
}

// endLocked ends the session (once) and queues "ended". It reports whether the
// end is to be published to the siblings (outside s.mu, by afterEnd).
func (s *Session) endLocked(reason string, cause error, publish bool) bool {
	if s.ended || s.closed {
		return false
	}
	s.enqueueLocked(Event{Name: EventEnded, Tokens: s.cur, Reason: reason, Err: cause})
	s.ended, s.reason = true, reason
	s.stopLocked()
	s.cancel()
	return publish && s.cfg.Coordinator != nil
}

func (s *Session) afterEnd(publish bool, reason string) {
	s.flush()
	if publish {
		s.cfg.Coordinator.PublishEnd(reason)
	}
}

// installLocked makes t current after a success and queues "refreshed".
func (s *Session) installLocked(t Tokens) {
	s.cur = t
	s.failures, s.lastErr, s.retryAt = 0, nil, time.Time{}
	s.enqueueLocked(Event{Name: EventRefreshed, Tokens: t})
}

// planLocked plans the next automatic action from the current tokens: the
// refresh at PlanRefresh, not before a pending retry; without a RefreshFunc the
// "expired" end at ExpiresAt.
func (s *Session) planLocked(now time.Time) {
	s.stopLocked()
	if s.ended || s.closed || s.fl != nil {
		return
	}
	var at time.Time
	if s.cfg.Refresh == nil {
		at = s.cur.ExpiresAt
	} else {
		at = PlanRefresh(s.cur, s.cfg.Buffer, s.rnd())
		if s.failures > 0 && s.retryAt.After(at) {
			at = s.retryAt
		}
	}
	s.armLocked(at, now)
}

// armLocked (re)arms the timer for at.
func (s *Session) armLocked(at, now time.Time) {
	s.stopLocked()
	s.gen++
	gen := s.gen
	s.plannedAt = at
	s.stop = s.clock.AfterFunc(max(at.Sub(now), 0), func() { s.check(gen) })
}

func (s *Session) stopLocked() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
	s.gen++
	s.plannedAt = time.Time{}
}
