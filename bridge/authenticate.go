//go:build js && wasm

package bridge

import (
	"context"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/auth"
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
	if err := m.Create(); err != nil {
		return nil, err
	}
	return m.publish(), nil
}

// session is the session the mount is signed in with, nil before.
func (m *mount) session() *jsSession {
	js, _ := m.hub.Session().(*jsSession)
	return js
}

// authenticateJS is assistant.authenticate(session) → Promise<AssistantUser>
// (hub.Mount.Authenticate).
func (m *mount) authenticateJS(a *argReader) func(context.Context) (any, error) {
	js, err := sessionOf(a.value(0))
	return func(ctx context.Context) (any, error) {
		if err != nil {
			return nil, err
		}
		u, err := m.hub.Authenticate(ctx, js.hub)
		if err != nil {
			return nil, err
		}
		return userJS(u), nil
	}
}

// sessionOf finds the session whose object v is. An ended or closed session
// gives ErrEnded; anything else, invalid_config.
func sessionOf(v safejs.Value) (*jsSession, error) {
	if v.Type() == safejs.TypeObject && !v.IsNull() {
		h := handleOf(v)
		if found := liveOf(func(_ *jsSession, oh uint32) bool { return h != 0 && oh == h }); len(found) == 1 && !found[0].isReleased() {
			return found[0], nil
		}
		if e := mustGet(v, "ended"); e.Type() == safejs.TypeBoolean {
			if ended, _ := e.Bool(); ended {
				return nil, assistant.ErrEnded
			}
			return nil, &auth.ConfigError{Key: "authenticate", Reason: "the session is closed, or not one of this page's corti-auth sessions"}
		}
	}
	return nil, &auth.ConfigError{Key: "authenticate", Reason: "takes a session (from handleCallback, restore, a popup login, loginWithPassword or fromTokens)"}
}
