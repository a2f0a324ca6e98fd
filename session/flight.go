package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/pkce"
)

const (
	// RetryGap is the shortest time between the end of a failed attempt and
	// the next attempt a caller of AccessToken makes while the session backs
	// off.
	RetryGap = time.Second
	// ExpLoss is what a whole-second exp can lose: expires_in counts from the
	// provider's issue time truncated to the second, so the token's own exp can
	// be up to a second earlier than "sent + expires_in".
	ExpLoss = time.Second
)

// heldTokens are a refresh's answer kept while its ID token awaits
// verification (an UnverifiedError): the refresh token they carry is the live
// one.
type heldTokens struct {
	t      Tokens
	mono   monoDeadlines
	verify func(ctx context.Context) error
}

// flight is one refresh attempt shared by every caller that asks for a refresh
// while it runs (the single flight of coreos/go-oidc's keysFromRemote: the
// first caller starts it, the others wait on done or their context).
type flight struct {
	done     chan struct{} // closed when t and err are final
	from     Tokens        // the tokens current when the refresh was asked for
	t        Tokens
	err      error
	applied  bool // the outcome was applied to the session
	finished bool
	// superseded: a re-authentication installed new tokens while it ran
	// (Reauthenticated); its outcome, from the old grant, is dropped.
	superseded bool
}

// startLocked registers a new flight; the caller runs it (s.run).
func (s *Session) startLocked() *flight {
	f := &flight{done: make(chan struct{}), from: s.cur}
	s.fl = f
	s.stopLocked()
	return f
}

// wait waits for f, ctx or the end of the session.
func (s *Session) wait(ctx context.Context, f *flight) (Tokens, error) {
	select {
	case <-f.done:
		return f.t, f.err
	case <-ctx.Done():
		return Tokens{}, ctx.Err()
	case <-s.ctx.Done():
		// The flight may have ended the session itself (invalid_grant): its
		// outcome is final under s.mu, and then it is the better answer.
		s.mu.Lock()
		defer s.mu.Unlock()
		select {
		case <-f.done:
			return f.t, f.err
		default:
			return Tokens{}, s.endErrLocked()
		}
	}
}

// run runs f — inside the Coordinator's lock when there is one — and finishes
// it: it wakes the waiters and plans what comes next.
func (s *Session) run(f *flight) {
	var err error
	if c := s.cfg.Coordinator; c != nil {
		err = c.WithLock(s.ctx, func(ctx context.Context) error { return s.attempt(ctx, f) })
	} else {
		err = s.attempt(s.ctx, f)
	}
	s.mu.Lock()
	if !f.applied { // the lock was not obtained, or the Coordinator failed
		f.applied = true
		if f.err = s.endErrLocked(); f.err == nil {
			if err == nil {
				err = errors.New("session: the coordinator did not run the refresh")
			}
			f.err = err
			s.failLocked(err, s.read())
		}
	}
	f.finished = true
	s.fl = nil
	close(f.done)
	s.planLocked(s.read())
	s.mu.Unlock()
	s.flush()
}

// attempt is one refresh: it uses tokens a sibling adopted meanwhile, or calls
// the RefreshFunc (or only the verification of tokens held since an earlier
// attempt) and applies the outcome. It publishes new tokens before returning,
// so while the Coordinator's lock is still held.
func (s *Session) attempt(ctx context.Context, f *flight) error {
	s.mu.Lock()
	if f.finished || f.applied {
		s.mu.Unlock()
		return nil
	}
	if err := s.endErrLocked(); err != nil {
		f.applied, f.err = true, err
		s.mu.Unlock()
		return err
	}
	r := s.read()
	cur := s.cur
	if s.siblingRefreshedLocked(f, r) {
		f.applied, f.t = true, cur
		s.mu.Unlock()
		return nil
	}
	held := s.held
	if held != nil && r.until(instant{held.t.ExpiresAt, held.mono.exp}) <= s.bufferFor(held.t) {
		// Not verified in time: refresh again, with the live refresh token.
		cur, held, s.held = held.t, nil, nil
	}
	refreshExpired := s.refreshExpiredLocked(r)
	s.mu.Unlock()

	t, mono, err := s.call(ctx, cur, held)

	s.mu.Lock()
	if f.finished || f.applied {
		s.mu.Unlock()
		return nil
	}
	f.applied = true
	if f.superseded && s.endErrLocked() == nil {
		f.t, f.err = s.cur, nil
		s.mu.Unlock()
		return nil
	}
	if e := s.endErrLocked(); e != nil { // ended or closed meanwhile: drop the outcome
		f.err = e
		s.mu.Unlock()
		return e
	}
	r = s.read()
	if err != nil {
		f.err = err
		reason, final := classify(err)
		var ue *UnverifiedError
		switch {
		case s.siblingRefreshedLocked(f, r):
			// A sibling refreshed meanwhile (and may have rotated the refresh
			// token under us: invalid_grant); its tokens stand.
			f.t, f.err = s.cur, nil
			s.mu.Unlock()
			return nil
		case final:
			var oe *pkce.OAuthError
			if refreshExpired && errors.As(err, &oe) {
				// The provider confirmed what the clock suggested.
				reason, err = ReasonRefreshExpired, fmt.Errorf("%w: %w", ErrRefreshExpired, err)
				f.err = err
			}
			s.enqueueLocked(Event{Name: EventError, Tokens: s.cur, Err: err})
			pub := s.endLocked(reason, err, true)
			s.mu.Unlock()
			s.afterEnd(pub, reason)
			return err
		case errors.As(err, &ue) && !t.ExpiresAt.IsZero():
			s.held = &heldTokens{t: t, mono: mono, verify: ue.Verify}
		}
		s.failLocked(err, r)
		s.mu.Unlock()
		s.flush()
		return err
	}
	s.held = nil
	streak := s.failures
	s.installLocked(t, mono)
	f.t = t
	if t.Lifetime() <= 0 {
		s.failures = streak
		// Counts as expiring now: refreshing again at once would loop, so the
		// next attempt backs off like after a failure.
		err := fmt.Errorf("%w: expires_in %d", ErrNoExpiry, t.Response.ExpiresIn)
		s.failLocked(err, r)
	}
	s.mu.Unlock()
	s.flush()
	if c := s.cfg.Coordinator; c != nil {
		c.Publish(t)
	}
	return nil
}

// siblingRefreshedLocked reports whether the tokens were replaced (by Adopt)
// since f was asked for with ones that still have more than the buffer left.
func (s *Session) siblingRefreshedLocked(f *flight, r instant) bool {
	c := s.cur
	return c.ExpiresAt.After(f.from.ExpiresAt) && s.leftLocked(r) > s.bufferFor(c)
}

// call calls the RefreshFunc and turns its answer into Tokens: dated from when
// the request was sent, less ExpLoss, on both clocks; rotation applied;
// validated. With held tokens it only retries their verification. A panic
// becomes a (temporary) error. An *UnverifiedError comes back with the Tokens
// of its Response, to be held.
func (s *Session) call(ctx context.Context, cur Tokens, held *heldTokens) (t Tokens, mono monoDeadlines, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = Tokens{}, fmt.Errorf("%w: session: refresh panicked: %v", fault.ErrPanic, r)
		}
	}()
	if held != nil {
		if err := held.verify(ctx); err != nil {
			var ue *UnverifiedError
			if errors.As(err, &ue) {
				return held.t, held.mono, err
			}
			return held.t, held.mono, &UnverifiedError{Response: held.t.Response, Verify: held.verify, Err: err}
		}
		return s.validate(cur, held.t, held.mono)
	}
	sent := s.read()
	resp, err := s.cfg.Refresh(ctx, cur)
	var ue *UnverifiedError
	if errors.As(err, &ue) && ue.Response != nil && ue.Response.AccessToken != "" && ue.Verify != nil {
		t, mono = s.date(cur, ue.Response, sent)
		return t, mono, err
	}
	if err != nil {
		return Tokens{}, mono, err
	}
	if resp == nil || resp.AccessToken == "" {
		return Tokens{}, mono, fmt.Errorf("%w: the refresh gave no access_token", pkce.ErrBadResponse)
	}
	t, mono = s.date(cur, resp, sent)
	return s.validate(cur, t, mono)
}

// date fixes resp's expiries from the reading sent, taken when the request was
// sent: ExpLoss earlier, so that they are never later than the token's own exp.
func (s *Session) date(cur Tokens, resp *pkce.TokenResponse, sent instant) (Tokens, monoDeadlines) {
	origin := sent.add(-ExpLoss)
	t, _ := NewTokens(resp, origin.wall, s.cfg.JWTExpiry)
	t = carryOver(cur, t)
	return t, origin.deadlines(t)
}

func (s *Session) validate(cur, t Tokens, mono monoDeadlines) (Tokens, monoDeadlines, error) {
	if v := s.cfg.Validate; v != nil {
		if err := v(cur, t); err != nil {
			var fe *FinalError
			if !errors.As(err, &fe) {
				err = &FinalError{Reason: ReasonIDTokenInvalid, Err: err}
			}
			return Tokens{}, mono, err
		}
	}
	return t, mono, nil
}

// failLocked records a failed attempt: "error", and "expiring" when the token
// is inside the buffer and not yet expired; the next attempt waits Backoff.
func (s *Session) failLocked(err error, r instant) {
	s.lastErr, s.lastTry = err, r.mono
	s.retryAt = r.add(Backoff(s.failures, s.rnd()))
	s.failures++
	s.enqueueLocked(Event{Name: EventError, Tokens: s.cur, Err: err})
	if left := s.leftLocked(r); left > 0 && left <= s.bufferFor(s.cur) {
		s.enqueueLocked(Event{Name: EventExpiring, Tokens: s.cur, Err: err})
	}
}
