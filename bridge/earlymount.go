//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"sync"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/token"
	"github.com/hack-pad/safejs"
)

// client.mountAssistant(target, options?) → Assistant, synchronously: the
// iframe starts loading at once, before any session exists, and
// assistant.authenticate(session) signs it in once there is one. On real
// Corti the Assistant's load dominates; the host's start-up and code exchange
// overlap with it instead of preceding it.
func (cl *client) mountAssistant(a *argReader) (any, error) {
	m, err := cl.prepareMount(a.value(0), a.value(1))
	if err != nil {
		return nil, err
	}
	if err := m.create(); err != nil {
		return nil, err
	}
	return m.publish(), nil
}

// session is the session the mount is signed in with, nil before.
func (m *mount) session() *jsSession {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.js
}

// authenticateJS is assistant.authenticate(session) → Promise<AssistantUser>.
func (m *mount) authenticateJS(a *argReader) func(context.Context) (any, error) {
	js, err := sessionOf(a.value(0))
	return func(ctx context.Context) (any, error) {
		if err != nil {
			return nil, err
		}
		u, err := m.authenticate(ctx, js)
		if err != nil {
			return nil, err
		}
		return userJS(u), nil
	}
}

// authenticate signs the frame in with js, once (assistant.Seat decides):
// ready is awaited first (a frame still loading is waited for, at most
// readyTimeoutMs), then the first auth; a second call with the same session
// waits for that auth's outcome. From then on the session's refreshes send
// auth again and its end unloads the frame, as for session.mountAssistant. A
// failed first auth frees the seat: the page may try again.
func (m *mount) authenticate(ctx context.Context, js *jsSession) (assistant.User, error) {
	ended, reason := js.s.Ended()
	first, err := m.seat.Take(assistant.Candidate{
		Key:            js,
		Ended:          ended,
		Reason:         reason,
		Subject:        subjectOf(js),
		ServiceAccount: assistant.IsServiceAccount(js.s.Current().Response.AccessToken),
	})
	if err != nil {
		return assistant.User{}, err
	}
	if !first {
		return m.awaitAuth(ctx)
	}
	done := make(chan struct{})
	m.mu.Lock()
	m.js, m.authDone = js, done
	m.mu.Unlock()
	js.mu.Lock()
	js.mounts[m] = struct{}{}
	js.mu.Unlock()
	if ended, reason := js.s.Ended(); ended { // it ended before it knew of this mount
		m.sessionEnded(reason)
	}
	u, err := m.ctrl.Start(ctx)
	if err != nil && !errors.Is(err, assistant.ErrEnded) && !errors.Is(err, assistant.ErrDestroyed) {
		js.mu.Lock()
		delete(js.mounts, m)
		js.mu.Unlock()
		m.mu.Lock()
		m.js = nil
		m.mu.Unlock()
		m.seat.Release(js)
	}
	m.mu.Lock()
	m.authUser, m.authErr = u, err
	m.mu.Unlock()
	close(done)
	return u, err
}

// awaitAuth waits for the first auth of the bound session.
func (m *mount) awaitAuth(ctx context.Context) (assistant.User, error) {
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

func subjectOf(js *jsSession) string {
	c, err := token.DecodeUnverified(js.s.Current().Response.AccessToken)
	if err != nil {
		return ""
	}
	return c.Subject
}

// The live sessions of the module, by their JS object: authenticate(session)
// finds its argument's Go side here. A session leaves at its end or close().
var sessions = struct {
	mu   sync.Mutex
	live map[*jsSession]struct{}
}{live: map[*jsSession]struct{}{}}

func registerSession(js *jsSession) {
	sessions.mu.Lock()
	sessions.live[js] = struct{}{}
	sessions.mu.Unlock()
}

func unregisterSession(js *jsSession) {
	sessions.mu.Lock()
	delete(sessions.live, js)
	sessions.mu.Unlock()
}

// sessionOf finds the session whose object v is. An ended or closed session
// gives ErrEnded; anything else, invalid_config.
func sessionOf(v safejs.Value) (*jsSession, error) {
	if v.Type() == safejs.TypeObject && !v.IsNull() {
		sessions.mu.Lock()
		for js := range sessions.live {
			if js.obj.Equal(v) {
				sessions.mu.Unlock()
				return js, nil
			}
		}
		sessions.mu.Unlock()
		if e := mustGet(v, "ended"); e.Type() == safejs.TypeBoolean {
			if ended, _ := e.Bool(); ended {
				return nil, assistant.ErrEnded
			}
			return nil, &auth.ConfigError{Key: "authenticate", Reason: "the session is closed, or not one of this page's corti-auth sessions"}
		}
	}
	return nil, &auth.ConfigError{Key: "authenticate", Reason: "takes a session (from handleCallback, restore, a popup login, loginWithPassword or fromTokens)"}
}

// checkRefreshConflict runs with a session "error": when the provider refused
// a refresh token that an Assistant mounted with assistantRefreshes holds too,
// the session and that assistant get an error naming the cause
// (assistant_refresh_conflict) before the session's "ended".
func (js *jsSession) checkRefreshConflict(err error, refused string) {
	var reported bool
	for _, m := range js.mountList() {
		c := assistant.RefreshConflict(err, refused, m.ctrl.SentRefreshTokens())
		if c == nil {
			continue
		}
		if !reported {
			js.ev.emit("error", c)
			reported = true
		}
		m.ev.emit("error", c)
	}
}
