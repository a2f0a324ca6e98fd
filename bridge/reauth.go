//go:build js && wasm

package bridge

import (
	"context"

	"github.com/corti-auth/corti-auth/auth"
)

// reauthenticate({ maxAge = 0, acrValues?, timeoutMs? }?) → Promise<Session>:
// the step-up that proves who confirmed. loginWithPopup's flow (auth.StartPopup
// in the caller's turn) with prompt=login, max_age and login_hint = this
// session's user, finished by auth.PopupLogin.Reauthenticate: its callback is
// exchanged and checked like any, then auth.CheckSameUser decides. The same user: this
// session takes the tokens (auth_time fresh, "refreshed", its Assistants
// re-authenticated) and the promise resolves to it. Another: user_mismatch,
// this session untouched, their refresh token revoked and their provider
// session ended by the end-session form the popup submits before it closes.
func (js *jsSession) reauthenticate(a *argReader) func(context.Context) (any, error) {
	fail := func(err error) func(context.Context) (any, error) {
		return func(context.Context) (any, error) { return nil, err }
	}
	if err := js.s.Err(); err != nil {
		return fail(err)
	}
	b, _ := JSONOf(a.value(0))
	id := js.cl.c.SessionIdentity(js.s.Current(), js.sub)
	opts, timeout, err := auth.ParseReauthOptions(b, id)
	if err != nil {
		return fail(err)
	}
	l, err := js.cl.c.StartPopup(opts, timeout, popupPorts())
	if err != nil {
		return fail(err)
	}
	return func(ctx context.Context) (any, error) {
		res, err := l.Reauthenticate(ctx, id, func(err error) { js.ev.emit("error", err) })
		if err != nil {
			return nil, err
		}
		t, warn := auth.SessionTokens(res.Tokens, res.ReceivedAt)
		if warn != nil {
			js.ev.emit("error", warn)
		}
		if err := js.s.Reauthenticated(t); err != nil {
			return nil, err
		}
		return objectOf(js.handle()), nil // the same object (alive: this call holds it)
	}
}
