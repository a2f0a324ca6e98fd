//go:build js && wasm

package bridge

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/hub"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
	"github.com/hack-pad/safejs"
)

func now() time.Time { return time.Now() }

// jsSession is the JS session object: it wires a session.Session to events,
// wake-up signals, sibling tabs and, through its hub (hub.Session), the
// mounted assistants.
type jsSession struct {
	cl  *client
	s   *session.Session
	hub *hub.Hub
	ev  *emitter
	tab *session.Tabs // nil without shareAcrossTabs
	sub string        // the user it is pinned to (reauthenticate compares with it)

	mu       sync.Mutex
	releases []func()
	h        uint32                  // the handle of the page's session object (object)
	started  time.Time               // when the session started in this page (bfcache check)
	idleEnd  *auth.EndSessionRequest // idleSignOut "provider": where the idle end sends the page
	idle     *session.Idle           // idle sign-out, nil when off or released (idle.go)
	released bool                    // ended or closed: no more "internal" reports (reportInternal)
}

// newSession starts a session on a token response. idToken is the response's
// verified ID token when the caller has it (a login), nil otherwise.
func (cl *client) newSession(resp *pkce.TokenResponse, received time.Time, bearer *auth.Bearer, idToken *token.IDToken) *jsSession {
	t, warn := auth.SessionTokens(resp, received)
	sub := ""
	if idToken != nil {
		sub = idToken.Subject
	}
	js := cl.newSessionFrom(t, bearer, sub, nil)
	if warn != nil {
		js.ev.emit("error", warn)
	}
	return js
}

// newSessionFrom starts a session on t, wired by auth (SessionConfig: the
// refresh, the subject sub pinned) to this page's events, wake-up signals and,
// with shareAcrossTabs, the sibling tabs. join is the sibling tab's session it
// continues (restore), nil for a sign-in.
func (cl *client) newSessionFrom(t session.Tokens, bearer *auth.Bearer, sub string, join *session.Sibling) *jsSession {
	js := &jsSession{cl: cl, ev: newEmitter(), started: now(), sub: auth.Subject(t, sub)}
	js.hub = hub.New(js)
	o := auth.SessionOptions{Bearer: bearer, Subject: sub, OnEvent: js.onEvent}
	if cl.cfg.ShareAcrossTabs {
		js.tab = cl.openTabs()
		if js.tab != nil {
			o.Coordinator = js.tab
		}
	}
	js.s = session.New(cl.c.SessionConfig(t, o), t)
	if js.tab != nil {
		js.tab.Attach(js.s, join)
	}
	js.listenWake()
	js.startIdle() // idle.go
	return js
}

// Report is the session's "error" event (hub.Session), and the report of a
// recovered panic in its goroutines and listeners.
func (js *jsSession) Report(err error) { js.ev.emit("error", err) }

// Ended is hub.Session's.
func (js *jsSession) Ended() (bool, string) { return js.s.Ended() }

// CurrentAccessToken is hub.Session's.
func (js *jsSession) CurrentAccessToken() string { return js.s.Current().Response.AccessToken }

// onEvent runs on the session's goroutines: it must not call JS or block. The
// page's listeners get e first, then the Assistants (hub.Hub.Event).
func (js *jsSession) onEvent(e session.Event) {
	switch e.Name {
	case session.EventRefreshed:
		js.ev.emit("refreshed", session.TokensMap(e.Tokens))
	case session.EventExpiring:
		js.ev.emit("expiring", map[string]any{"expiresAt": session.Epoch(e.Tokens.ExpiresAt), "error": errString(e.Err)})
	case session.EventError:
		js.ev.emit("error", e.Err)
	case session.EventEnded:
		js.ev.emit("ended", map[string]any{"reason": e.Reason})
		// Once "ended" is delivered, the page alone keeps the object (a
		// listener kept without it has heard the end): Go forgets it when the
		// page's garbage collector takes it.
		js.ev.stopThen(func() { letGo(js.handle()) })
	}
	js.hub.Event(e)
	if e.Name == session.EventEnded {
		goSafe(reportInternal, js.release)
		if e.Reason == session.ReasonIdle {
			js.mu.Lock()
			req := js.idleEnd
			js.idleEnd = nil
			js.mu.Unlock()
			if req != nil {
				goSafe(reportInternal, func() { js.endProviderSession(req) }) // idle.go
			}
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// object publishes the session object (once per session: reauthenticate
// resolves with the same one).
func (js *jsSession) object() safejs.Value {
	obj, h := publish("Session", js, methods{
		"tokens":         {get: func() (any, error) { return js.s.View(), nil }},
		"claims":         {get: js.claims},
		"ended":          {get: func() (any, error) { ended, _ := js.s.Ended(); return ended, nil }},
		"getAccessToken": {async: js.getAccessToken},
		"refresh":        {async: js.refresh},
		"on":             {sync: js.on},
		"touch":          {sync: js.touch},
		"mountAssistant": {async: js.mountAssistant},
		"reauthenticate": {async: js.reauthenticate},
		"logout":         {async: js.logoutMethod},
		"close":          {sync: js.close},
	}, nil)
	js.mu.Lock()
	js.h = h
	js.mu.Unlock()
	js.ev.to(h)
	if ended, _ := js.s.Ended(); ended { // ended before it was published: "ended" reached no listener
		letGo(h)
	}
	return obj
}

// claims is decodeToken(tokens.access_token), still readable after the end.
func (js *jsSession) claims() (any, error) {
	c, err := token.DecodeUnverified(js.s.Current().Response.AccessToken)
	if err != nil {
		return nil, err
	}
	return c.Decoded(), nil
}

// getAccessToken() → Promise<string>.
func (js *jsSession) getAccessToken(*argReader) func(context.Context) (any, error) {
	return func(ctx context.Context) (any, error) { return js.s.AccessToken(ctx) }
}

// refresh() → Promise<tokens>: forced.
func (js *jsSession) refresh(*argReader) func(context.Context) (any, error) {
	return func(ctx context.Context) (any, error) {
		t, err := js.s.Refresh(ctx)
		if err != nil {
			return nil, err
		}
		return session.TokensMap(t), nil
	}
}

// on(name, listener): the loader adds the listener once this accepts them.
func (js *jsSession) on(a *argReader) (any, error) {
	const reason = "takes (event name, listener function)"
	name := a.str(0, "", reason)
	a.fn(1, reason)
	if a.err != nil {
		return nil, a.err
	}
	if !session.IsListenerEvent(name) {
		return nil, &auth.ConfigError{Key: "on", Reason: `unknown event "` + name + `" (refreshed, expiring, ended, error, idle, active)`}
	}
	return nil, nil
}

// mountAssistant(target, options?) → Promise<Assistant>.
func (js *jsSession) mountAssistant(a *argReader) func(context.Context) (any, error) {
	m, err := js.cl.prepareMount(a.value(0), a.value(1))
	return func(ctx context.Context) (any, error) {
		if err != nil {
			return nil, err
		}
		if _, err := m.hub.Start(ctx, js.hub); err != nil {
			return nil, err
		}
		return m.publish(), nil
	}
}

// logout({redirectUri?, navigate?}?) → Promise<void>.
func (js *jsSession) logoutMethod(a *argReader) func(context.Context) (any, error) {
	redirect, nav, err := logoutOptions(a.value(0), js.cl.cfg.RedirectURI)
	return func(ctx context.Context) (any, error) {
		if err != nil {
			return nil, err
		}
		return nil, js.logout(ctx, redirect, nav)
	}
}

// close(): stops timers and listeners, no "ended" on the session; its
// Assistants are signed out as at any end (frame blanked and removed, their
// "ended" with reason "closed"), and a refresh token handed to one of them
// (assistantRefreshes, a shared device link) is revoked — unless tabs share
// the session, whose siblings go on with that token.
func (js *jsSession) close(*argReader) (any, error) {
	handed := js.hub.Close()
	js.s.Close()
	h := js.handle()
	js.ev.stopThen(func() { letGo(h) }) // what is queued is delivered first
	js.release()
	if len(handed) > 0 && js.tab == nil {
		go js.revokeHanded(handed)
	}
	end(h, session.ErrClosed) // a method kept past close() rejects with session_ended
	return nil, nil
}

// revokeHanded revokes the refresh tokens handed to a closed session's
// Assistants (each once; best effort, within auth.RevokeTimeout).
func (js *jsSession) revokeHanded(tokens []string) {
	defer func() {
		if r := recover(); r != nil { // a panic here must not end the Go program
			js.ev.emit("error", &PanicError{Value: r})
		}
	}()
	seen := map[string]bool{}
	for _, rt := range tokens {
		if rt == "" || seen[rt] {
			continue
		}
		seen[rt] = true
		ctx, cancel := context.WithTimeout(context.Background(), auth.RevokeTimeout)
		if err := js.cl.c.Revoke(ctx, rt, "refresh_token"); err != nil {
			console("warn", "corti-auth: close(): revoking the refresh token handed to the Assistant failed: "+err.Error())
		}
		cancel()
	}
}

func logoutOptions(v safejs.Value, def string) (redirect string, nav bool, err error) {
	b, err := JSONOf(v)
	if err != nil {
		return "", false, &auth.ConfigError{Key: "logout", Reason: err.Error()}
	}
	o, err := auth.ParseLogoutOptions(b, def)
	return o.RedirectURI, o.Navigate, err
}

// logout runs auth's logout (revoke → end → end-session request), reporting a
// failed revocation as an "error" event, then navigates.
func (js *jsSession) logout(ctx context.Context, redirect string, nav bool) error {
	req, err := js.cl.c.Logout(ctx, js.s, auth.LogoutOptions{
		RedirectURI:  redirect,
		Navigate:     nav,
		RevokeFailed: func(err error) { js.ev.emit("error", err) },
	})
	switch {
	case err != nil || req == nil:
		return err
	case req.Post():
		return submitForm(req.Action, req.Form)
	}
	return navigate(req.URL)
}

// submitForm navigates the page by a POST of form to action: a hidden form,
// submitted at once (the page is replaced, as by a navigation).
func submitForm(action string, form url.Values) error {
	doc, err := safejs.Global().Get("document")
	if err != nil || doc.IsUndefined() || doc.IsNull() {
		return fmt.Errorf("%w: no document to submit the logout form in", auth.ErrInvalidConfig)
	}
	f, err := doc.Call("createElement", "form")
	if err != nil {
		return err
	}
	for k, v := range map[string]any{"method": "post", "action": action, "target": "_self", "hidden": true} {
		if err := f.Set(k, v); err != nil {
			return err
		}
	}
	_ = f.Set("acceptCharset", "UTF-8")
	for name, vs := range form {
		for _, v := range vs {
			in, err := doc.Call("createElement", "input")
			if err != nil {
				return err
			}
			_ = in.Set("type", "hidden")
			_ = in.Set("name", name)
			_ = in.Set("value", v)
			if _, err := f.Call("appendChild", in); err != nil {
				return err
			}
		}
	}
	parent, _ := doc.Get("body")
	if parent.IsUndefined() || parent.IsNull() {
		parent, _ = doc.Get("documentElement")
	}
	if _, err := parent.Call("appendChild", f); err != nil {
		return err
	}
	// HTMLFormElement.prototype.submit: a field named "submit" cannot shadow it.
	proto, err := safejs.Global().Get("HTMLFormElement")
	if err == nil && proto.Type() == safejs.TypeFunction {
		if p, err := proto.Get("prototype"); err == nil {
			if submit, err := p.Get("submit"); err == nil && submit.Type() == safejs.TypeFunction {
				_, err = submit.Call("call", f)
				return err
			}
		}
	}
	_, err = f.Call("submit")
	return err
}

// wakeEvents are the window's events that say the page may have slept (timers
// throttled or frozen): the session re-checks its token, idle sign-out its
// deadline. (visibilitychange, on the document, too.)
var wakeEvents = []string{"focus", "pageshow", "online"}

// listenWake re-checks the session when the page comes back: browsers throttle
// timers in hidden tabs and freeze them across sleep.
func (js *jsSession) listenWake() {
	g := safejs.Global()
	doc, _ := g.Get("document")
	check := func(safejs.Value) { goSafe(js.Report, js.s.Check) }
	onVisible := func(safejs.Value) {
		if doc.IsUndefined() || str(doc, "visibilityState") == "visible" {
			goSafe(js.Report, js.s.Check)
		}
	}
	js.addListener(doc, "visibilitychange", onVisible)
	for _, ev := range wakeEvents {
		js.addListener(g, ev, check)
	}
	js.listenShow(g)
}

// listenShow ends the session of a page shown again from the back/forward
// cache (pageshow with persisted) after its clinician signed out, here or in
// another tab, while it lay there (auth.EndsOnShow reads the sign-out mark):
// a capture listener on window, registered when the session starts, so that
// the end comes before the page's own pageshow listeners run, and
// synchronously, before anything can ask for a token. The end is this tab's
// consequence of a sign-out made elsewhere: it is not published again.
func (js *jsSession) listenShow(g safejs.Value) {
	off, _ := on(g, "pageshow", "session.show", js.Report, map[string]any{"capture": true}, func(ev safejs.Value) {
		if !boolOf(ev, "persisted") {
			return
		}
		mark, marked := js.cl.c.SignedOut()
		if auth.EndsOnShow(true, mark, marked, js.started) {
			js.s.EndFromSibling(session.ReasonLogout)
		}
	})
	js.keep(off)
}

func (js *jsSession) addListener(target safejs.Value, name string, fn func(ev safejs.Value)) {
	off, _ := on(target, name, "session."+name, js.Report, nil, fn)
	js.keep(off)
}

// keep runs off at release.
func (js *jsSession) keep(off func()) {
	js.mu.Lock()
	js.releases = append(js.releases, off)
	js.mu.Unlock()
}

// handle is the session object's handle (0 before object).
func (js *jsSession) handle() uint32 {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.h
}

// release removes the page listeners and the tab channel (idempotent).
func (js *jsSession) release() {
	js.mu.Lock()
	js.released = true
	rel := js.releases
	js.releases = nil
	js.mu.Unlock()
	for _, r := range rel {
		r()
	}
	if js.tab != nil {
		js.tab.Close()
	}
}

// isReleased reports whether the session ended or was closed.
func (js *jsSession) isReleased() bool {
	js.mu.Lock()
	defer js.mu.Unlock()
	return js.released
}
