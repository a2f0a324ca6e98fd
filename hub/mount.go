package hub

import (
	"context"
	"errors"
	"sync"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/token"
)

// Mount is one Assistant and the session it signs in with: one, for the
// frame's whole life (assistant.Seat decides), from session.mountAssistant
// (Start) or from assistant.authenticate(session) after client.mountAssistant
// (Authenticate). Its methods are safe for concurrent use.
type Mount struct {
	ctrl Controller
	f    Frame
	seat assistant.Seat

	mu       sync.Mutex
	h        *Hub          // the session it is signed in with; nil before
	authDone chan struct{} // closed when h's first auth has settled (authUser, authErr)
	authUser assistant.User
	authErr  error
}

// NewMount returns the Mount of the frame f, whose protocol ctrl speaks.
func NewMount(ctrl Controller, f Frame) *Mount { return &Mount{ctrl: ctrl, f: f} }

// Session is the session the Assistant is signed in with, nil before.
func (m *Mount) Session() Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.h == nil {
		return nil
	}
	return m.h.s
}

// Start is session.mountAssistant: the session is judged first (an ended one
// gives ErrEnded, a service account's token ErrNotUserToken — no frame is even
// made), then the frame is created and signed in (ready, then the first auth).
// When the sign-in fails the frame is destroyed.
func (m *Mount) Start(ctx context.Context, h *Hub) (assistant.User, error) {
	first, err := m.seat.Take(candidate(h))
	if err != nil {
		return assistant.User{}, err
	}
	if err := m.f.Create(); err != nil {
		m.seat.Release(h)
		return assistant.User{}, err
	}
	u, err := m.join(ctx, h, first)
	if err != nil {
		m.f.Destroy()
	}
	return u, err
}

// Authenticate signs the frame in with h, once (assistant.Seat decides):
// ready is awaited first (a frame still loading is waited for, at most the
// ready timeout), then the first auth; a second call with the same session
// waits for that auth's outcome. From then on the session's refreshes send
// auth again and its end unloads the frame (Hub.Event). A failed first auth
// frees the seat: the page may try again.
func (m *Mount) Authenticate(ctx context.Context, h *Hub) (assistant.User, error) {
	first, err := m.seat.Take(candidate(h))
	if err != nil {
		return assistant.User{}, err
	}
	return m.join(ctx, h, first)
}

// join is Start and Authenticate once the seat is taken (first) or found
// held by h.
func (m *Mount) join(ctx context.Context, h *Hub, first bool) (assistant.User, error) {
	if err := m.f.Load(); err != nil { // not loading yet: the address still held a callback at the mount
		return assistant.User{}, err
	}
	if !first {
		return m.awaitAuth(ctx)
	}
	done := make(chan struct{})
	m.mu.Lock()
	m.h, m.authDone = h, done
	m.mu.Unlock()
	h.add(m)
	if ended, reason := h.s.Ended(); ended { // it ended before it knew of this mount
		m.f.End(reason)
	}
	u, err := m.ctrl.Start(ctx)
	if err != nil && !errors.Is(err, assistant.ErrEnded) && !errors.Is(err, assistant.ErrDestroyed) {
		h.remove(m)
		m.mu.Lock()
		m.h = nil
		m.mu.Unlock()
		m.seat.Release(h)
	}
	m.mu.Lock()
	m.authUser, m.authErr = u, err
	m.mu.Unlock()
	close(done)
	return u, err
}

// awaitAuth waits for the first auth of the bound session.
func (m *Mount) awaitAuth(ctx context.Context) (assistant.User, error) {
	m.mu.Lock()
	done := m.authDone
	m.mu.Unlock()
	if done == nil {
		return assistant.User{}, errors.New("assistant: authenticate: no auth under way")
	}
	select {
	case <-done:
	case <-ctx.Done():
		return assistant.User{}, ctx.Err()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.authErr == nil {
		if u, ok := m.ctrl.User(); ok { // a later auth's user, when there was one
			return u, nil
		}
	}
	return m.authUser, m.authErr
}

// Unloaded records the frame's unload (its session's end, destroy()): every
// later Start or Authenticate fails with err, and the session forgets it.
func (m *Mount) Unloaded(err error) {
	m.seat.Close(err)
	m.mu.Lock()
	h := m.h
	m.mu.Unlock()
	if h != nil {
		h.remove(m)
	}
}

// reauth sends auth again after a refresh, within ReauthTimeout.
func (m *Mount) reauth() {
	ctx, cancel := context.WithTimeout(context.Background(), ReauthTimeout)
	defer cancel()
	_ = m.ctrl.Reauth(ctx)
}

// candidate is h as Seat judges it.
func candidate(h *Hub) assistant.Candidate {
	ended, reason := h.s.Ended()
	at := h.s.CurrentAccessToken()
	sub := ""
	if c, err := token.DecodeUnverified(at); err == nil {
		sub = c.Subject
	}
	return assistant.Candidate{Key: h, Ended: ended, Reason: reason, Subject: sub, ServiceAccount: assistant.IsServiceAccount(at)}
}
