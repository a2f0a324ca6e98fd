// Package hub sequences a session and the Corti Assistants signed in with it:
// a refresh re-authenticates every Assistant, an end unloads them, a refresh
// token refused because an Assistant refreshed it too is reported, and
// close() signs them out. It also decides how an Assistant takes its session
// (Mount: session.mountAssistant, and assistant.authenticate(session) after
// client.mountAssistant).
//
// It talks to the browser only through two ports that the bridge implements
// and the tests fake: Session (the page's session object) and Frame (the
// Assistant's iframe); the protocol is an assistant.Controller (Controller).
// It imports session and assistant, which do not import each other.
package hub

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/session"
)

// ReauthTimeout bounds the auth an Assistant is sent after its session
// refreshed (the frame may be reloading, or slow): after it the attempt is
// given up, and the next refresh tries again.
const ReauthTimeout = time.Minute

// Session is the session side of the hub: the page's session object.
type Session interface {
	// Ended reports whether the session has ended, and why.
	Ended() (bool, string)
	// CurrentAccessToken is the access token the session holds now (no refresh).
	CurrentAccessToken() string
	// Report is the session's "error" event. It must not block.
	Report(err error)
}

// Controller is what the hub needs of an assistant.Controller (which
// implements it).
type Controller interface {
	Start(ctx context.Context) (assistant.User, error)
	Reauth(ctx context.Context) error
	User() (assistant.User, bool)
	SentRefreshTokens() []string
}

// Frame is the Assistant's iframe, in the page.
type Frame interface {
	// Create makes the frame and starts it loading (or has it load once the
	// address bar holds no authorization response).
	Create() error
	// Load starts the frame loading now if it is not yet (once; not after
	// the unload).
	Load() error
	// Destroy is the page's destroy(): the frame is blanked and removed.
	Destroy()
	// End is the end of its session with reason: the controller stops at
	// once, "ended" is emitted and the frame unloaded (Mount.Unloaded follows).
	// It runs on the session's goroutine: it must not call JS nor block.
	End(reason string)
	// Report is the Assistant's "error" event. It must not block.
	Report(err error)
}

// Hub is one session and the Assistants signed in with it. Its methods are
// safe for concurrent use.
type Hub struct {
	s      Session
	mu     sync.Mutex
	mounts map[*Mount]struct{}
}

// New returns the hub of the session s, with no Assistant yet.
func New(s Session) *Hub { return &Hub{s: s, mounts: map[*Mount]struct{}{}} }

// Session is the hub's session.
func (h *Hub) Session() Session { return h.s }

// Event is the Assistants' part of the session event e (after the session's
// own listeners have it queued): a refresh re-authenticates every Assistant,
// each on its own goroutine within ReauthTimeout; an error refusing a refresh
// token handed to an Assistant is reported (Conflict); the end unloads them.
// It runs on the session's goroutines and does not block.
func (h *Hub) Event(e session.Event) {
	switch e.Name {
	case session.EventRefreshed:
		for _, m := range h.list() {
			goSafe(m.f.Report, "reauth", m.reauth)
		}
	case session.EventError:
		if e.Tokens.Response != nil {
			h.Conflict(e.Err, e.Tokens.Response.RefreshToken)
		}
	case session.EventEnded:
		for _, m := range h.list() {
			m.f.End(e.Reason)
		}
	}
}

// Conflict runs with a session "error": when the provider refused a refresh
// token that an Assistant mounted with assistantRefreshes holds too, the
// session (once) and each such Assistant get an error naming the cause
// (assistant.ErrRefreshConflict) before the session's "ended".
func (h *Hub) Conflict(err error, refused string) {
	reported := false
	for _, m := range h.list() {
		c := assistant.RefreshConflict(err, refused, m.ctrl.SentRefreshTokens())
		if c == nil {
			continue
		}
		if !reported {
			h.s.Report(c)
			reported = true
		}
		m.f.Report(c)
	}
}

// Close is the session's close(): every Assistant is signed out as at an end,
// with reason "closed". It returns the refresh tokens handed to them
// (assistantRefreshes, a device link), for the caller to revoke.
func (h *Hub) Close() (handed []string) {
	for _, m := range h.list() {
		handed = append(handed, m.ctrl.SentRefreshTokens()...)
		m.f.End(session.ReasonClosed)
	}
	return handed
}

// Len is the number of Assistants signed in with the session.
func (h *Hub) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.mounts)
}

func (h *Hub) list() []*Mount {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]*Mount, 0, len(h.mounts))
	for m := range h.mounts {
		out = append(out, m)
	}
	return out
}

func (h *Hub) add(m *Mount) {
	h.mu.Lock()
	h.mounts[m] = struct{}{}
	h.mu.Unlock()
}

func (h *Hub) remove(m *Mount) {
	h.mu.Lock()
	delete(h.mounts, m)
	h.mu.Unlock()
}

// goSafe runs fn on its own goroutine; a panic becomes an error wrapping
// fault.ErrPanic (code "internal") handed to report (a panicking report is
// dropped).
func goSafe(report func(error), what string, fn func()) {
	go func() {
		defer func() {
			if r := recover(); r != nil {
				defer func() { _ = recover() }()
				report(fmt.Errorf("%w: hub: %s: %v", fault.ErrPanic, what, r))
			}
		}()
		fn()
	}()
}
