package assistant

import (
	"errors"
	"fmt"
	"sync"
)

// ErrOtherSession reports authenticate(session) on an Assistant that is
// signed in with another session: one frame holds one clinician's tokens, and
// it is never handed to another session while the first lives (when that one
// ends, the frame is unloaded and a new Assistant is mounted).
var ErrOtherSession = errors.New("assistant: signed in with another session")

// Candidate is the session authenticate(session) was called with, as Seat
// needs to judge it.
type Candidate struct {
	Key            any    // the session's identity (comparable): the same session gives the same Key
	Ended          bool   // the session has ended
	Reason         string // its end's reason
	Subject        string // the user (sub); for the message only
	ServiceAccount bool   // its access token is a service account's
}

// Seat decides which session an early-mounted Assistant (client.mountAssistant,
// then authenticate) signs in with: one, for the frame's whole life. Its
// methods are safe for concurrent use.
type Seat struct {
	mu      sync.Mutex
	bound   bool
	key     any
	subject string
	gone    error // the frame is unloaded: every later Take fails with it
}

// Take judges authenticate(c). first reports that c now holds the seat and
// the caller must authenticate the frame with it; first false with a nil
// error means c holds it already (a second authenticate(session)): the caller
// waits for that auth. Errors: the frame's end (Close), ErrEnded for an ended
// session, ErrNotUserToken for a service account, ErrOtherSession when
// another session holds the seat. A refused candidate never takes the seat.
func (s *Seat) Take(c Candidate) (first bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.gone != nil:
		return false, s.gone
	case s.bound && s.key == c.Key:
		if c.Ended {
			return false, endedErr(c.Reason)
		}
		return false, nil
	case c.Ended:
		return false, endedErr(c.Reason)
	case c.ServiceAccount:
		return false, ErrNotUserToken
	case s.bound:
		who := "another session"
		if s.subject != "" {
			who = "the session of user " + s.subject
		}
		return false, fmt.Errorf("%w: this Assistant is signed in with %s; it stays with it until that session ends "+
			"(the frame is then removed) or destroy() — mount a new Assistant for the other session", ErrOtherSession, who)
	}
	s.bound, s.key, s.subject = true, c.Key, c.Subject
	return true, nil
}

// Bound reports whether key holds the seat.
func (s *Seat) Bound(key any) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.bound && s.key == key
}

// Release frees the seat held by key (its first auth failed), so that a later
// authenticate may try again, with it or another session.
func (s *Seat) Release(key any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bound && s.key == key {
		s.bound, s.key, s.subject = false, nil, ""
	}
}

// Close marks the frame unloaded (its session ended, or destroy()): every
// later Take fails with err.
func (s *Seat) Close(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone == nil {
		s.gone = err
	}
}

func endedErr(reason string) error {
	if reason == "" {
		return ErrEnded
	}
	return fmt.Errorf("%w: %s", ErrEnded, reason)
}
