//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall/js"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/internal/jsx"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
	"github.com/hack-pad/safejs"
)

// client is the JS client object of createClient.
type client struct {
	cfg auth.Config
	c   *auth.Client
}

func newClient(cfg auth.Config, keys *token.KeySets) *client {
	c := auth.NewClient(cfg, Fetcher{}, lazyStore(cfg.PendingLoginStorage), keys, nil)
	// The sign-out mark is for every tab of the origin, and outlives a reload:
	// localStorage, whatever pendingLoginStorage says (auth/signout.go).
	c.SetSignOutStore(lazyStore("local"))
	return &client{cfg: cfg, c: c}
}

func (cl *client) object() safejs.Value {
	obj, _ := publish("Client", cl, methods{
		"authorizeURL":      {key: "authorizeURL options", async: cl.authorizeURL},
		"login":             {key: "authorizeURL options", async: cl.login},
		"isCallback":        {sync: cl.isCallback},
		"handleCallback":    {async: cl.handleCallback},
		"restore":           {async: cl.restore},
		"loginWithPopup":    {key: "loginWithPopup options", async: cl.loginWithPopup},
		"fromTokens":        {sync: cl.fromTokens},
		"loginWithPassword": {async: cl.loginWithPassword},
		"mountAssistant":    {sync: cl.mountAssistant},
	}, map[string]any{"config": mustJS(cl.cfg)})
	return obj
}

// authorizeURL(options?) → Promise<string>.
func (cl *client) authorizeURL(a *argReader) func(context.Context) (any, error) {
	opts, err := authorizeOptions(a.value(0))
	return func(context.Context) (any, error) {
		if err != nil {
			return nil, err
		}
		return cl.c.AuthorizeURL(opts)
	}
}

// login(options?) → Promise<void>: authorizeURL, then navigates.
func (cl *client) login(a *argReader) func(context.Context) (any, error) {
	opts, err := authorizeOptions(a.value(0))
	return func(context.Context) (any, error) {
		if err != nil {
			return nil, err
		}
		u, err := cl.c.AuthorizeURL(opts)
		if err != nil {
			return nil, err
		}
		return nil, navigate(u)
	}
}

// isCallback(url = location.href) → boolean.
func (cl *client) isCallback(a *argReader) (any, error) {
	u := a.str(0, locationHref(), "takes a URL string")
	return pkce.IsCallback(u), nil
}

// handleCallback(url = location.href) → Promise<Session>.
func (cl *client) handleCallback(a *argReader) func(context.Context) (any, error) {
	here := locationHref()
	u := a.str(0, here, "takes a URL string")
	if a.err == nil && cl.handOver(u) { // in loginWithPopup's popup: the opener exchanges the code
		return func(context.Context) (any, error) { return safejs.Null(), nil }
	}
	if a.err == nil && u == here {
		// The address bar loses code and state in the caller's turn (an
		// Assistant mounted early starts loading then: mount.go).
		if clean := auth.CleanCallbackURL(u); clean != u {
			replaceAddress(clean)
		}
	}
	return func(ctx context.Context) (any, error) {
		// The address bar loses code and state before the exchange starts.
		res, err := cl.c.HandleCallbackAt(ctx, u, here, replaceAddress)
		if err != nil {
			return nil, err
		}
		return cl.newSession(res.Tokens, res.ReceivedAt, nil, res.IDToken).object(), nil
	}
}

// fromTokens(tokens, {refresh?, refreshTimeoutMs?}) → Session: bearer mode.
func (cl *client) fromTokens(a *argReader) (any, error) {
	b, err := JSONOf(a.value(0))
	if err != nil {
		b = nil // not serialisable: no token response
	}
	resp, err := auth.ParseBearerTokens(b)
	if err != nil {
		return nil, err
	}
	var bearer *auth.Bearer
	if o, ok := a.object(1); ok {
		r, err := jsx.Get(o, "refresh")
		if err != nil {
			return nil, &auth.ConfigError{Key: "refresh", Reason: "reading it threw: " + FromJSError(jsErrorValue(err)).Error()}
		}
		switch r.Type() {
		case safejs.TypeFunction:
			bearer = &auth.Bearer{Call: jsCallback(r)}
		case safejs.TypeUndefined, safejs.TypeNull:
		default:
			return nil, &auth.ConfigError{Key: "refresh", Reason: "must be an async function (current tokens) => token response"}
		}
		var ms *float64
		switch v := mustGet(o, "refreshTimeoutMs"); v.Type() {
		case safejs.TypeUndefined, safejs.TypeNull:
		case safejs.TypeNumber:
			f, _ := v.Float()
			ms = &f
		default:
			return nil, &auth.ConfigError{Key: "refreshTimeoutMs", Reason: "must be a number of milliseconds"}
		}
		limit, err := auth.CallbackTimeout(ms)
		if err != nil {
			return nil, err
		}
		if bearer != nil {
			bearer.Timeout = limit
		}
	}
	return cl.newSession(resp, now(), bearer, nil).object(), nil
}

// loginWithPassword(username, password) → Promise<Session>.
func (cl *client) loginWithPassword(a *argReader) func(context.Context) (any, error) {
	const reason = "takes (username, password) strings"
	user, pass := a.str(0, "", reason), a.str(1, "", reason)
	return func(ctx context.Context) (any, error) {
		if cl.cfg.AllowPasswordGrant {
			warnPasswordGrant()
		}
		res, err := cl.c.PasswordLogin(ctx, user, pass)
		if err != nil {
			return nil, err
		}
		return cl.newSession(res.Tokens, res.ReceivedAt, nil, res.IDToken).object(), nil
	}
}

func authorizeOptions(v safejs.Value) (auth.AuthorizeOptions, error) {
	b, err := JSONOf(v)
	if err != nil {
		return auth.AuthorizeOptions{}, &auth.ConfigError{Key: "authorizeURL options", Reason: err.Error()}
	}
	return auth.ParseAuthorizeOptions(b)
}

var passwordWarning sync.Once

func warnPasswordGrant() {
	passwordWarning.Do(func() {
		console("warn", "corti-auth: loginWithPassword uses the resource owner password grant. The app sees the user's "+
			"password, there is no MFA or SSO, and RFC 9700 says it must not be used. Prefer login() (Authorization Code + PKCE).")
	})
}

// console logs through the JS console.
func console(level string, args ...any) {
	c, err := safejs.Global().Get("console")
	if err == nil && !c.IsUndefined() {
		_, _ = c.Call(level, args...)
	}
}

func navigate(u string) error {
	loc, err := safejs.Global().Get("location")
	if err != nil || loc.IsUndefined() {
		return fmt.Errorf("%w: no window.location to navigate", auth.ErrInvalidConfig)
	}
	if _, err = loc.Call("assign", u); err != nil {
		return browserErr("location.assign", err)
	}
	return nil
}

// replaceAddress shows u in the address bar instead of the current URL,
// without a navigation or a new history entry.
func replaceAddress(u string) {
	h, err := safejs.Global().Get("history")
	if err != nil || h.IsUndefined() {
		return
	}
	st, _ := h.Get("state")
	_, _ = h.Call("replaceState", st, "", u)
	addressCleaned() // an early-mounted Assistant waiting for it starts loading
}

func mustJS(v any) safejs.Value {
	j, err := ToJS(v)
	if err != nil {
		return safejs.Undefined()
	}
	return j
}

// lazyStore is storage.Lazy over the browser storage kind ("session" or
// "local"), locked with Web Locks: storage that is unavailable fails the call
// that needs it (storage_unavailable), not createClient.
func lazyStore(kind string) storage.Lazy {
	open := storage.Local
	if kind == "session" {
		open = storage.Session
	}
	return storage.Lazy{Open: func() (storage.Store, error) { return open() }, Lock: webLock, TryHold: webClaim}
}

// jsCallback is the bridge's half of a bearer-mode refresh callback: it calls
// cb with the current token response and awaits its promise (until ctx ends);
// it gives the JSON of the answer, or what cb threw or rejected with as an
// *auth.Thrown. auth.Bearer decides what either means.
func jsCallback(cb safejs.Value) auth.BearerCallback {
	return func(ctx context.Context, current *pkce.TokenResponse) ([]byte, error) {
		arg, err := ToJS(current.Map())
		if err != nil {
			return nil, err
		}
		p, err := cb.Invoke(arg)
		if err == nil {
			p, err = Await(ctx, p)
		} else {
			err = FromJSError(jsErrorValue(err))
		}
		if err != nil {
			return nil, thrown(err)
		}
		return JSONOf(p)
	}
}

// thrown describes a JS error for auth.CallbackError.
func thrown(err error) error {
	var je *JSError
	if !errors.As(err, &je) {
		return err
	}
	return &auth.Thrown{Code: je.Code, OAuthError: je.OAuthError, Message: je.Message, Err: err}
}

// jsErrorValue recovers the thrown JS value from a safejs call error
// (inspected with errors.As, as safejs wraps it).
func jsErrorValue(err error) safejs.Value {
	var je js.Error
	if errors.As(err, &je) {
		return safejs.Safe(je.Value)
	}
	v, _ := safejs.ValueOf(err.Error())
	return v
}

// locationHref is window.location.href, "" outside a page.
func locationHref() string {
	loc, err := safejs.Global().Get("location")
	if err != nil || loc.IsUndefined() {
		return ""
	}
	return str(loc, "href")
}
