//go:build js && wasm

package bridge

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
	"github.com/hack-pad/safejs"
)

func now() time.Time { return time.Now() }

// jsSession is the JS session object: it wires a session.Session to events,
// wake-up signals, sibling tabs and mounted assistants.
type jsSession struct {
	cl  *client
	s   *session.Session
	ev  *emitter
	tab *session.Tabs // nil without shareAcrossTabs

	mu       sync.Mutex
	mounts   map[*mount]struct{}
	releases []func()
	obj      safejs.Value
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
	js := &jsSession{cl: cl, ev: newEmitter(), mounts: map[*mount]struct{}{}}
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

// onEvent runs on the session's goroutines: it must not call JS or block.
func (js *jsSession) onEvent(e session.Event) {
	switch e.Name {
	case session.EventRefreshed:
		js.ev.emit("refreshed", session.TokensMap(e.Tokens))
		for _, m := range js.mountList() {
			go m.reauth()
		}
	case session.EventExpiring:
		js.ev.emit("expiring", map[string]any{"expiresAt": session.Epoch(e.Tokens.ExpiresAt), "error": errString(e.Err)})
	case session.EventError:
		js.ev.emit("error", e.Err)
		if e.Tokens.Response != nil {
			js.checkRefreshConflict(e.Err, e.Tokens.Response.RefreshToken) // earlymount.go
		}
	case session.EventEnded:
		js.ev.emit("ended", map[string]any{"reason": e.Reason})
		js.ev.stop()
		for _, m := range js.mountList() {
			m.sessionEnded(e.Reason)
		}
		go js.release()
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (js *jsSession) mountList() []*mount {
	js.mu.Lock()
	defer js.mu.Unlock()
	out := make([]*mount, 0, len(js.mounts))
	for m := range js.mounts {
		out = append(out, m)
	}
	return out
}

func (js *jsSession) object() safejs.Value {
	o := newObject().
		getter("tokens", func() (any, error) { return js.s.View(), nil }).
		getter("claims", js.claims).
		getter("ended", func() (any, error) { ended, _ := js.s.Ended(); return ended, nil }).
		set("getAccessToken", asyncMethod("getAccessToken", js.getAccessToken)).
		set("refresh", asyncMethod("refresh", js.refresh)).
		set("on", syncMethod("on", js.on)).
		set("touch", SyncFunc(js.touchJS)).
		set("mountAssistant", asyncMethod("mountAssistant", js.mountAssistant)).
		set("logout", asyncMethod("logout", js.logoutMethod)).
		set("close", syncMethod("close", js.close))
	js.obj = o.v
	registerSession(js) // for assistant.authenticate(session) (earlymount.go)
	return o.v
}

// claims is decodeToken(tokens.access_token), still readable after the end.
func (js *jsSession) claims() (any, error) {
	c, err := token.DecodeUnverified(js.s.Current().Response.AccessToken)
	if err != nil {
		return nil, err
	}
	return claimsJS(c), nil
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

// on(name, listener) → unsubscribe.
func (js *jsSession) on(a *argReader) (any, error) {
	const reason = "takes (event name, listener function)"
	name := a.str(0, "", reason)
	fn := a.fn(1, reason)
	if a.err != nil {
		return nil, a.err
	}
	if !session.IsListenerEvent(name) {
		return nil, &auth.ConfigError{Key: "on", Reason: `unknown event "` + name + `" (refreshed, expiring, ended, error, idle, active)`}
	}
	return js.ev.on(name, fn), nil
}

// mountAssistant(target, options?) → Promise<Assistant>.
func (js *jsSession) mountAssistant(a *argReader) func(context.Context) (any, error) {
	m, err := js.cl.prepareMount(a.value(0), a.value(1))
	return func(ctx context.Context) (any, error) {
		if err != nil {
			return nil, err
		}
		return m.start(ctx, js)
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

// close(): stops timers and listeners, no "ended".
func (js *jsSession) close(*argReader) (any, error) {
	js.s.Close()
	js.ev.stop()
	js.release()
	return nil, nil
}

func logoutOptions(v safejs.Value, def string) (redirect string, nav bool, err error) {
	redirect, nav = def, true
	if v.Type() != safejs.TypeObject || v.IsNull() {
		return redirect, nav, nil
	}
	if r, ok := argString([]safejs.Value{mustGet(v, "redirectUri")}, 0, def); ok {
		redirect = r
	} else {
		return "", false, &auth.ConfigError{Key: "logout", Reason: "redirectUri must be a string"}
	}
	if n := mustGet(v, "navigate"); n.Type() == safejs.TypeBoolean {
		nav, _ = n.Bool()
	}
	return redirect, nav, nil
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

// listenWake re-checks the session when the page comes back: browsers throttle
// timers in hidden tabs and freeze them across sleep.
func (js *jsSession) listenWake() {
	g := safejs.Global()
	doc, _ := g.Get("document")
	check := func(safejs.Value, []safejs.Value) any {
		go js.s.Check()
		return nil
	}
	onVisible := func(safejs.Value, []safejs.Value) any {
		if doc.IsUndefined() || str(doc, "visibilityState") == "visible" {
			go js.s.Check()
		}
		return nil
	}
	js.addListener(doc, "visibilitychange", onVisible)
	for _, ev := range []string{"focus", "online", "pageshow"} {
		js.addListener(g, ev, check)
	}
}

func (js *jsSession) addListener(target safejs.Value, name string, fn func(safejs.Value, []safejs.Value) any) {
	if target.IsUndefined() || target.IsNull() {
		return
	}
	f, err := safejs.FuncOf(fn)
	if err != nil {
		return
	}
	if _, err := target.Call("addEventListener", name, f.Value()); err != nil {
		f.Release()
		return
	}
	js.mu.Lock()
	js.releases = append(js.releases, func() {
		_, _ = target.Call("removeEventListener", name, f.Value())
		f.Release()
	})
	js.mu.Unlock()
}

// release removes the page listeners and the tab channel (idempotent).
func (js *jsSession) release() {
	unregisterSession(js)
	js.mu.Lock()
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
