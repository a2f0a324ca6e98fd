//go:build js && wasm

package bridge

import (
	"context"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
	"github.com/hack-pad/safejs"
)

func now() time.Time { return time.Now() }

// jwtExpiry is the JWT exp fallback for a response without expires_in.
func jwtExpiry(at string) (time.Time, bool) {
	c, err := token.DecodeUnverified(at)
	if err != nil {
		return time.Time{}, false
	}
	return c.ExpiresTime()
}

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

type refresher func(ctx context.Context, current *pkce.TokenResponse) (*pkce.TokenResponse, error)

// newSession starts a session on a token response. idToken is the response's
// verified ID token when the caller has it (a login), nil otherwise.
func (cl *client) newSession(resp *pkce.TokenResponse, received time.Time, jsRefresh refresher, idToken *token.IDToken) *jsSession {
	t, ok := session.NewTokens(resp, received, jwtExpiry)
	sub := ""
	if idToken != nil {
		sub = idToken.Subject
	}
	js := cl.newSessionFrom(t, jsRefresh, sub, nil)
	if !ok {
		js.ev.emit("error", &auth.ConfigError{Key: "tokens", Reason: "the token response has neither expires_in nor a JWT exp: it counts as expiring now"})
	}
	return js
}

// newSessionFrom starts a session on t. sub is the subject of t's ID token
// when known ("" to decode it here): a refreshed ID token must name the same.
// join is the sibling tab's session it continues (restore), nil for a sign-in.
func (cl *client) newSessionFrom(t session.Tokens, jsRefresh refresher, sub string, join *session.Sibling) *jsSession {
	js := &jsSession{cl: cl, ev: newEmitter(), mounts: map[*mount]struct{}{}}
	if sub == "" && t.Response.IDToken != "" {
		if c, err := token.DecodeUnverified(t.Response.IDToken); err == nil {
			sub = c.Subject
		}
	}
	var refresh session.RefreshFunc
	switch {
	case jsRefresh != nil:
		refresh = func(ctx context.Context, cur session.Tokens) (*pkce.TokenResponse, error) {
			return jsRefresh(ctx, cur.Response)
		}
	case t.Response.RefreshToken != "":
		refresh = func(ctx context.Context, cur session.Tokens) (*pkce.TokenResponse, error) {
			resp, _, err := cl.c.Refresh(ctx, cur.Response.RefreshToken, sub)
			return resp, err
		}
	}
	cfg := session.Config{
		Buffer:    cl.cfg.RefreshBuffer(),
		Refresh:   refresh,
		JWTExpiry: jwtExpiry,
		OnEvent:   js.onEvent,
	}
	if cl.cfg.ShareAcrossTabs {
		js.tab = cl.openTabs()
		if js.tab != nil {
			cfg.Coordinator = js.tab
		}
	}
	js.s = session.New(cfg, t)
	if js.tab != nil {
		js.tab.Attach(js.s, join)
	}
	js.listenWake()
	return js
}

// onEvent runs on the session's goroutines: it must not call JS or block.
func (js *jsSession) onEvent(e session.Event) {
	switch e.Name {
	case session.EventRefreshed:
		js.ev.emit("refreshed", tokensJS(e.Tokens))
		for _, m := range js.mountList() {
			go m.reauth()
		}
	case session.EventExpiring:
		js.ev.emit("expiring", map[string]any{"expiresAt": epoch(e.Tokens.ExpiresAt), "error": errString(e.Err)})
	case session.EventError:
		js.ev.emit("error", e.Err)
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

// tokensJS is session.tokens: the raw token response plus expires_at (and
// refresh_expires_at when known), epoch seconds.
func tokensJS(t session.Tokens) map[string]any {
	m := t.Response.Map()
	m["expires_at"] = epoch(t.ExpiresAt)
	if !t.RefreshExpiresAt.IsZero() {
		m["refresh_expires_at"] = epoch(t.RefreshExpiresAt)
	}
	return m
}

// tokensView is session.tokens. Once the session has ended (logout, a refresh
// refused, expiry, a sibling tab's logout) the token strings read "": an
// ended session hands out no token, so a script on the page cannot pick up an
// access token that outlives the logout. Claims, expiry and scope stay.
func (js *jsSession) tokensView() map[string]any {
	m := tokensJS(js.s.Current())
	if ended, _ := js.s.Ended(); ended {
		for _, k := range []string{"access_token", "refresh_token", "id_token"} {
			if _, ok := m[k]; ok {
				m[k] = ""
			}
		}
	}
	return m
}

// epoch is t in epoch seconds with millisecond precision: the session decides
// on the exact instant, so a page computing the time left must see it too.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (js *jsSession) object() safejs.Value {
	o := newObject().
		getter("tokens", func() (any, error) { return js.tokensView(), nil }).
		getter("claims", func() (any, error) {
			c, err := token.DecodeUnverified(js.s.Current().Response.AccessToken)
			if err != nil {
				return nil, err
			}
			return claimsJS(c), nil
		}).
		getter("ended", func() (any, error) { ended, _ := js.s.Ended(); return ended, nil }).
		set("getAccessToken", Func(func([]safejs.Value) func(context.Context) (any, error) {
			return func(ctx context.Context) (any, error) { return js.s.AccessToken(ctx) }
		})).
		set("refresh", Func(func([]safejs.Value) func(context.Context) (any, error) {
			return func(ctx context.Context) (any, error) {
				t, err := js.s.Refresh(ctx)
				if err != nil {
					return nil, err
				}
				return tokensJS(t), nil
			}
		})).
		set("on", SyncFunc(func(args []safejs.Value) (any, error) {
			name, ok := argString(args, 0, "")
			fn := arg(args, 1)
			if !ok || fn.Type() != safejs.TypeFunction {
				return nil, &auth.ConfigError{Key: "on", Reason: "takes (event name, listener function)"}
			}
			switch name {
			case "refreshed", "expiring", "ended", "error", "*":
			default:
				return nil, &auth.ConfigError{Key: "on", Reason: `unknown event "` + name + `" (refreshed, expiring, ended, error)`}
			}
			return js.ev.on(name, fn), nil
		})).
		set("mountAssistant", Func(func(args []safejs.Value) func(context.Context) (any, error) {
			target, opts := arg(args, 0), arg(args, 1)
			m, err := js.prepareMount(target, opts)
			return func(ctx context.Context) (any, error) {
				if err != nil {
					return nil, err
				}
				return m.start(ctx)
			}
		})).
		set("logout", Func(func(args []safejs.Value) func(context.Context) (any, error) {
			redirect, nav, err := logoutOptions(arg(args, 0), js.cl.cfg.RedirectURI)
			return func(ctx context.Context) (any, error) {
				if err != nil {
					return nil, err
				}
				return nil, js.logout(ctx, redirect, nav)
			}
		})).
		set("close", SyncFunc(func([]safejs.Value) (any, error) {
			js.s.Close()
			js.ev.stop()
			js.release()
			return nil, nil
		}))
	js.obj = o.v
	return o.v
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

// logout revokes the refresh token (best effort: a failure is reported as an
// error event, not a blocker), ends the session here and in sibling tabs
// ("ended" lets a mounted Assistant be torn down), and navigates to the realm's
// end-session endpoint.
func (js *jsSession) logout(ctx context.Context, redirect string, nav bool) error {
	cur := js.s.Current()
	hint := cur.Response.IDToken
	if rt := cur.Response.RefreshToken; rt != "" {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if err := js.cl.c.Revoke(rctx, rt, "refresh_token"); err != nil {
			js.ev.emit("error", err)
		}
		cancel()
	}
	js.s.End("logout")
	if !nav {
		return nil
	}
	u, err := js.cl.c.EndSessionURL(hint, redirect)
	if err != nil {
		return err
	}
	return navigate(u)
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
