package session

import (
	"context"
	"fmt"
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
// error is retried after Backoff — also once the access token has expired, so
// that a session survives an outage of the token endpoint; meanwhile
// AccessToken makes the retry now (at most one attempt a second) and returns its
// error, never an older one, never an expired token.
// The provider, not the local clock, decides that a refresh token is dead: one
// past RefreshExpiresAt is still tried, and a final answer then ends the session
// "refresh_expired".
//
// Time: every deadline (expiry, planned refresh, retry) is followed on the wall
// clock and on the monotonic clock (see Clock), dated from the same reading, and
// the earlier of the two wins. A clock set back does not keep a dead token
// alive; a clock set forward only refreshes early; a sleep that stops the
// monotonic clock is caught by the wall clock.
type Session struct {
	cfg    Config
	clock  Clock
	rnd    func() float64
	ctx    context.Context // cancelled by End and Close: stops the RefreshFunc and lock waits
	cancel context.CancelFunc

	mu        sync.Mutex
	cur       Tokens
	curMono   monoDeadlines // cur's expiries on the monotonic clock
	held      *heldTokens   // a refresh's answer whose ID token awaits verification
	ended     bool
	closed    bool
	reason    string
	fl        *flight       // the refresh in flight, nil if none
	failures  int           // consecutive failed attempts
	lastErr   error         // the last attempt's error while failures > 0
	retryAt   instant       // earliest next automatic attempt while failures > 0
	lastTry   time.Duration // monotonic reading when the last failed attempt ended
	plannedAt instant       // when the timer's action is due; zero wall if none
	stop      func() bool
	gen       uint64 // invalidates stale timer callbacks
	events    []Event
	draining  bool
}

// New starts a session with initial tokens and plans its first refresh. It
// emits nothing: a caller whose NewTokens reported no expiry says so itself.
func New(cfg Config, initial Tokens) *Session {
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
	r := s.read()
	s.curMono = r.deadlines(s.cur)
	s.planLocked(r)
	s.mu.Unlock()
	return s
}

// instant is one moment read on both clocks.
type instant struct {
	wall time.Time
	mono time.Duration
}

// read reads both clocks.
func (s *Session) read() instant { return instant{s.now(), s.clock.Mono()} }

func (i instant) add(d time.Duration) instant { return instant{i.wall.Add(d), i.mono + d} }

// at maps a wall time onto both clocks as they read at i.
func (i instant) at(wall time.Time) instant { return instant{wall, i.mono + wall.Sub(i.wall)} }

// reached reports whether at has come by either clock.
func (i instant) reached(at instant) bool { return !i.wall.Before(at.wall) || i.mono >= at.mono }

// until is how long until at by the earlier of the two clocks' deadlines.
func (i instant) until(at instant) time.Duration { return min(at.wall.Sub(i.wall), at.mono-i.mono) }

// monoDeadlines are a Tokens' expiries on the monotonic clock.
type monoDeadlines struct {
	exp, refreshExp time.Duration
	hasRefreshExp   bool
}

// deadlines dates t's expiries on the monotonic clock from the reading i, at
// which t's wall expiries were fixed (or found).
func (i instant) deadlines(t Tokens) monoDeadlines {
	d := monoDeadlines{exp: i.at(t.ExpiresAt).mono}
	if !t.RefreshExpiresAt.IsZero() {
		d.refreshExp, d.hasRefreshExp = i.at(t.RefreshExpiresAt).mono, true
	}
	return d
}

// expiryLocked is when the current access token expires, on both clocks.
func (s *Session) expiryLocked() instant { return instant{s.cur.ExpiresAt, s.curMono.exp} }

// leftLocked is how long the current access token has left at r.
func (s *Session) leftLocked(r instant) time.Duration { return r.until(s.expiryLocked()) }

// refreshExpiredLocked reports whether the refresh token is past its
// refresh_expires_in by either clock (the provider still decides).
func (s *Session) refreshExpiredLocked(r instant) bool {
	re := s.cur.RefreshExpiresAt
	return !re.IsZero() && (!r.wall.Before(re) || s.curMono.hasRefreshExp && r.mono >= s.curMono.refreshExp)
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

// PlannedAt reports when, by the wall clock, the next automatic action (a
// planned refresh, a retry, or the "expired" end without a RefreshFunc) is due;
// zero if none. (It is due as well when its time comes by the monotonic clock.)
func (s *Session) PlannedAt() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.plannedAt.wall
}

// Err is the error a call makes after the end or Close (an *EndedError), nil
// before.
func (s *Session) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.endErrLocked()
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
// (getAccessToken). It always checks expiry first, by the wall clock and the
// monotonic one; when the current token is inside the buffer it refreshes
// first, joining a refresh in flight. While failed attempts back off, it makes
// the retry now, at most one attempt per RetryGap (1 s): within a second of a
// failed attempt it returns the current token if it has at least MinValidity
// left, else it waits for the next attempt, made when the second is over. When
// the refresh fails and the current token still has at least MinValidity left,
// it returns that token (an "expiring" event tells of the failure); otherwise
// it returns the refresh's error — never an expired token, never an error of
// an attempt made before the call.
// After End or Close it returns an *EndedError (ErrEnded). Without a RefreshFunc
// nothing can replace the token, so it is returned until it expires; then the
// session ends "expired".
func (s *Session) AccessToken(ctx context.Context) (string, error) {
	s.mu.Lock()
	if err := s.endErrLocked(); err != nil {
		s.mu.Unlock()
		return "", err
	}
	r := s.read()
	cur := s.cur
	left := s.leftLocked(r)
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
	case s.failures > 0 && !r.reached(s.retryAt) && r.mono-s.lastTry < RetryGap:
		if left >= s.cfg.MinValidity {
			s.mu.Unlock()
			return cur.AccessToken(), nil
		}
		// The last attempt failed less than RetryGap ago: the next one is
		// made once RetryGap has passed, and this caller (with any other that
		// joins) waits for its answer rather than take the last one.
		f = s.startLocked()
		s.clock.AfterFunc(RetryGap-(r.mono-s.lastTry), func() { s.run(f) })
	default:
		f = s.startLocked()
		go s.run(f)
	}
	s.mu.Unlock()

	t, err := s.wait(ctx, f)
	if err == nil {
		left := s.leftOf(t)
		if left >= s.cfg.MinValidity {
			return t.AccessToken(), nil
		}
		err = ErrNoExpiry
		if t.Lifetime() > 0 {
			// An expiry, but too near: say so (a slow refresh callback, or a
			// provider issuing very short tokens).
			err = fmt.Errorf("%w: the new token has %v left, under the %v a caller is owed", ErrNoExpiry, left.Round(time.Millisecond), s.cfg.MinValidity)
		}
	}
	if ctx.Err() != nil {
		return "", err
	}
	s.mu.Lock()
	cur, ended := s.cur, s.ended || s.closed
	left = s.leftLocked(s.read())
	s.mu.Unlock()
	if !ended && left >= s.cfg.MinValidity {
		return cur.AccessToken(), nil
	}
	return "", err
}

// leftOf is how long t has left: by both clocks when t is current, else by
// the wall clock.
func (s *Session) leftOf(t Tokens) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.read()
	if t.ExpiresAt.Equal(s.cur.ExpiresAt) {
		return s.leftLocked(r)
	}
	return t.ExpiresAt.Sub(r.wall)
}

// Refresh forces a refresh now (even while failed attempts back off) and
// returns the new tokens; concurrent callers, AccessToken and the planned
// refresh share one RefreshFunc call. Errors: the RefreshFunc's (a final one
// also ends the session, "refresh_expired" when the refresh token was past its
// expiry), an *EndedError after the end, ErrNoRefresh without a RefreshFunc, or
// ctx's error.
func (s *Session) Refresh(ctx context.Context) (Tokens, error) {
	s.mu.Lock()
	if err := s.endErrLocked(); err != nil {
		s.mu.Unlock()
		return Tokens{}, err
	}
	if s.cfg.Refresh == nil {
		pub := false
		if s.leftLocked(s.read()) <= 0 {
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
// When the planned refresh or retry is due by either clock it runs it (and
// blocks until it is done), without a RefreshFunc an expired session ends
// "expired"; otherwise it only re-arms the timer. It does nothing while a refresh is in flight or after the end.
func (s *Session) Check() { s.check(0) }

// check is Check, and the timer's callback for generation gen (0: any).
func (s *Session) check(gen uint64) {
	s.mu.Lock()
	if gen != 0 && gen != s.gen {
		s.mu.Unlock()
		return
	}
	if s.ended || s.closed || s.fl != nil || s.plannedAt.wall.IsZero() {
		s.mu.Unlock()
		return
	}
	r := s.read()
	if !r.reached(s.plannedAt) {
		s.armLocked(s.plannedAt, r)
		s.mu.Unlock()
		return
	}
	if s.cfg.Refresh == nil {
		pub := false
		if s.leftLocked(r) <= 0 {
			pub = s.endLocked(ReasonExpired, ErrExpired, true)
		} else {
			s.planLocked(r)
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
	r := s.read()
	s.held = nil // superseded by the sibling's newer tokens
	s.installLocked(t, r.deadlines(t))
	if s.fl == nil {
		s.planLocked(r)
	}
	s.mu.Unlock()
	s.flush()
}

// Reauthenticated installs the tokens of a re-authentication of the
// session's own user (the caller has checked that): unlike Adopt whatever their
// expiry, since they carry a fresh authentication. A refresh in flight is
// superseded (its outcome, from the old grant, is dropped); the next refresh
// is planned from t; "refreshed" is emitted and t published to the sibling
// tabs. After the end or Close it installs nothing and returns the error
// AccessToken would.
func (s *Session) Reauthenticated(t Tokens) error {
	if t.Response == nil || t.Response.AccessToken == "" {
		return fmt.Errorf("%w: the re-authentication gave no access_token", pkce.ErrBadResponse)
	}
	t = stripMono(t)
	s.mu.Lock()
	if err := s.endErrLocked(); err != nil {
		s.mu.Unlock()
		return err
	}
	r := s.read()
	s.held = nil
	if s.fl != nil {
		s.fl.superseded = true
	}
	s.installLocked(t, r.deadlines(t))
	if s.fl == nil {
		s.planLocked(r)
	}
	s.mu.Unlock()
	s.flush()
	if c := s.cfg.Coordinator; c != nil {
		c.Publish(t)
	}
	return nil
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

// installLocked makes t (expiring at mono on the monotonic clock) current
// after a success and queues "refreshed".
func (s *Session) installLocked(t Tokens, mono monoDeadlines) {
	s.cur, s.curMono = t, mono
	s.failures, s.lastErr, s.retryAt = 0, nil, instant{}
	s.enqueueLocked(Event{Name: EventRefreshed, Tokens: t})
}

// planLocked plans the next automatic action from the current tokens: the
// refresh at PlanRefresh, not before a pending retry; without a RefreshFunc the
// "expired" end at ExpiresAt.
func (s *Session) planLocked(r instant) {
	s.stopLocked()
	if s.ended || s.closed || s.fl != nil {
		return
	}
	exp := s.expiryLocked()
	at := exp
	if s.cfg.Refresh != nil {
		at = exp.add(PlanRefresh(s.cur, s.cfg.Buffer, s.rnd()).Sub(s.cur.ExpiresAt))
		if s.failures > 0 && s.retryAt.mono > at.mono {
			at = s.retryAt
		}
	}
	s.armLocked(at, r)
}

// armLocked (re)arms the timer for at, due when either clock reaches it.
func (s *Session) armLocked(at, r instant) {
	s.stopLocked()
	s.gen++
	gen := s.gen
	s.plannedAt = at
	s.stop = s.clock.AfterFunc(max(r.until(at), 0), func() { s.check(gen) })
}

func (s *Session) stopLocked() {
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
	s.gen++
	s.plannedAt = instant{}
}
