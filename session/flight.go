package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/corti-auth/corti-auth/errcode"
	"github.com/corti-auth/corti-auth/pkce"
)

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
			s.failLocked(err, s.now())
		}
	}
	f.finished = true
	s.fl = nil
	close(f.done)
	s.planLocked(s.now())
	s.mu.Unlock()
	s.flush()
}

// attempt is one refresh: it uses tokens a sibling adopted meanwhile, or ends
// the session when the refresh token has expired, or calls the RefreshFunc and
// applies the outcome. It publishes new tokens before returning, so while the
// Coordinator's lock is still held.
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
	now := s.now()
	cur := s.cur
	if s.siblingRefreshedLocked(f, now) {
		f.applied, f.t = true, cur
		s.mu.Unlock()
		return nil
	}
	if re := cur.RefreshExpiresAt; !re.IsZero() && !now.Before(re) {
		pub := s.endLocked(ReasonRefreshExpired, ErrRefreshExpired, true)
		f.applied, f.err = true, s.endErrLocked()
		s.mu.Unlock()
		s.afterEnd(pub, ReasonRefreshExpired)
		return f.err
	}
	s.mu.Unlock()

	t, err := s.call(ctx, cur)

	s.mu.Lock()
	if f.finished || f.applied {
		s.mu.Unlock()
		return nil
	}
	f.applied = true
	if e := s.endErrLocked(); e != nil { // ended or closed meanwhile: drop the outcome
		f.err = e
		s.mu.Unlock()
		return e
	}
	now = s.now()
	if err != nil {
		f.err = err
		reason, final := classify(err)
		switch {
		case s.siblingRefreshedLocked(f, now):
			// A sibling refreshed meanwhile (and may have rotated the refresh
			// token under us: invalid_grant); its tokens stand.
			f.t, f.err = s.cur, nil
			s.mu.Unlock()
			return nil
		case final:
			s.enqueueLocked(Event{Name: EventError, Tokens: s.cur, Err: err})
			pub := s.endLocked(reason, err, true)
			s.mu.Unlock()
			s.afterEnd(pub, reason)
			return err
		}
		s.failLocked(err, now)
		s.mu.Unlock()
		s.flush()
		return err
	}
	streak := s.failures
	s.installLocked(t)
	f.t = t
	if t.Lifetime() <= 0 {
		s.failures = streak
		// Counts as expiring now: refreshing again at once would loop, so the
		// next attempt backs off like after a failure.
		err := fmt.Errorf("%w: expires_in %d", ErrNoExpiry, t.Response.ExpiresIn)
		s.failLocked(err, now)
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
func (s *Session) siblingRefreshedLocked(f *flight, now time.Time) bool {
	c := s.cur
	return c.ExpiresAt.After(f.from.ExpiresAt) && c.ExpiresAt.Sub(now) > s.bufferFor(c)
}

// call calls the RefreshFunc and turns its answer into Tokens: dated on receipt,
// rotation applied, validated. A panic becomes a (temporary) error.
func (s *Session) call(ctx context.Context, cur Tokens) (t Tokens, err error) {
	defer func() {
		if r := recover(); r != nil {
			t, err = Tokens{}, fmt.Errorf("%w: session: refresh panicked: %v", errcode.ErrPanic, r)
		}
	}()
	resp, err := s.cfg.Refresh(ctx, cur)
	if err != nil {
		return Tokens{}, err
	}
	if resp == nil || resp.AccessToken == "" {
		return Tokens{}, fmt.Errorf("%w: the refresh gave no access_token", pkce.ErrBadResponse)
	}
	t, _ = NewTokens(resp, s.now(), s.cfg.JWTExpiry)
	t = carryOver(cur, t)
	if v := s.cfg.Validate; v != nil {
		if err := v(cur, t); err != nil {
			var fe *FinalError
			if !errors.As(err, &fe) {
				err = &FinalError{Reason: ReasonIDTokenInvalid, Err: err}
			}
			return Tokens{}, err
		}
	}
	return t, nil
}

// failLocked records a failed attempt: "error", and "expiring" when the token
// is inside the buffer and not yet expired; the next attempt waits Backoff.
func (s *Session) failLocked(err error, now time.Time) {
	s.lastErr = err
	s.retryAt = now.Add(Backoff(s.failures, s.rnd()))
	s.failures++
	s.enqueueLocked(Event{Name: EventError, Tokens: s.cur, Err: err})
	if left := s.cur.ExpiresAt.Sub(now); left > 0 && left <= s.bufferFor(s.cur) {
		s.enqueueLocked(Event{Name: EventExpiring, Tokens: s.cur, Err: err})
	}
}
