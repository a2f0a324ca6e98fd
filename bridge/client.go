//go:build js && wasm

package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"syscall/js"
	"time"

	"github.com/corti-auth/corti-auth/auth"
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
	return &client{cfg: cfg, c: auth.NewClient(cfg, Fetcher{}, lazyStore{kind: cfg.PendingLoginStorage}, keys, nil)}
}

func (cl *client) object() safejs.Value {
	return newObject().
		set("config", mustJS(cl.cfg)).
		set("authorizeURL", Func(func(args []safejs.Value) func(context.Context) (any, error) {
			opts, err := authorizeOptions(arg(args, 0))
			return func(context.Context) (any, error) {
				if err != nil {
					return nil, err
				}
				return cl.c.AuthorizeURL(opts)
			}
		})).
		set("login", Func(func(args []safejs.Value) func(context.Context) (any, error) {
			opts, err := authorizeOptions(arg(args, 0))
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
		})).
		set("isCallback", SyncFunc(func(args []safejs.Value) (any, error) {
			u, ok := argString(args, 0, locationHref())
			if !ok {
				return nil, &auth.ConfigError{Key: "isCallback", Reason: "takes a URL string"}
			}
			return pkce.IsCallback(u), nil
		})).
		set("handleCallback", Func(func(args []safejs.Value) func(context.Context) (any, error) {
			here := locationHref()
			u, ok := argString(args, 0, here)
			return func(ctx context.Context) (any, error) {
				if !ok {
					return nil, &auth.ConfigError{Key: "handleCallback", Reason: "takes a URL string"}
				}
				res, err := cl.c.HandleCallback(ctx, u)
				if u == here {
					// The code is spent or useless either way: keep it out of the
					// address bar, the history and any bookmark.
					cleanAddressBar(u)
				}
				if err != nil {
					return nil, err
				}
				return cl.newSession(res.Tokens, res.ReceivedAt, nil, res.IDToken).object(), nil
			}
		})).
		set("restore", Func(func(args []safejs.Value) func(context.Context) (any, error) {
			return func(ctx context.Context) (any, error) {
				if !cl.cfg.ShareAcrossTabs {
					return safejs.Null(), nil
				}
				sib, ok := cl.askSiblings(ctx)
				if !ok {
					return safejs.Null(), nil
				}
				s := cl.newSessionFrom(sib.Tokens, nil, "", &sib)
				return s.object(), nil
			}
		})).
		set("fromTokens", SyncFunc(func(args []safejs.Value) (any, error) {
			b, err := JSONOf(arg(args, 0))
			if err != nil || len(b) == 0 {
				return nil, &auth.ConfigError{Key: "fromTokens", Reason: "takes a token response object {access_token, expires_in, ...}"}
			}
			resp, err := pkce.ParseTokenResponse(b)
			if err != nil {
				return nil, err
			}
			if _, err := token.DecodeUnverified(resp.AccessToken); err != nil {
				return nil, err
			}
			var cb safejs.Value = safejs.Undefined()
			if o := arg(args, 1); o.Type() == safejs.TypeObject && !o.IsNull() {
				r, err := storage.SafeGet(o, "refresh")
				if err != nil {
					return nil, &auth.ConfigError{Key: "refresh", Reason: "reading it threw: " + FromJSError(jsErrorValue(err)).Error()}
				}
				switch r.Type() {
				case safejs.TypeFunction:
					cb = r
				case safejs.TypeUndefined, safejs.TypeNull:
				default:
					return nil, &auth.ConfigError{Key: "refresh", Reason: "must be an async function (current tokens) => token response"}
				}
			}
			return cl.newSession(resp, now(), jsRefresher(cb), nil).object(), nil
		})).
		set("loginWithPassword", Func(func(args []safejs.Value) func(context.Context) (any, error) {
			user, ok1 := argString(args, 0, "")
			pass, ok2 := argString(args, 1, "")
			return func(ctx context.Context) (any, error) {
				if !ok1 || !ok2 {
					return nil, &auth.ConfigError{Key: "loginWithPassword", Reason: "takes (username, password) strings"}
				}
				if cl.cfg.AllowPasswordGrant {
					warnPasswordGrant()
				}
				res, err := cl.c.PasswordLogin(ctx, user, pass)
				if err != nil {
					return nil, err
				}
				return cl.newSession(res.Tokens, res.ReceivedAt, nil, res.IDToken).object(), nil
			}
		})).v
}

func authorizeOptions(v safejs.Value) (auth.AuthorizeOptions, error) {
	var o auth.AuthorizeOptions
	b, err := JSONOf(v)
	if err != nil {
		return o, &auth.ConfigError{Key: "authorizeURL options", Reason: err.Error()}
	}
	if len(b) == 0 || string(b) == "null" {
		return o, nil
	}
	if err := json.Unmarshal(b, &o); err != nil {
		return o, &auth.ConfigError{Key: "authorizeURL options", Reason: "expected {prompt?, loginHint?, uiLocales?, extraParams?: {string: string}}"}
	}
	return o, nil
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

func cleanAddressBar(u string) {
	clean, err := pkce.StripCallback(u)
	if err != nil || clean == u {
		return
	}
	h, err := safejs.Global().Get("history")
	if err != nil || h.IsUndefined() {
		return
	}
	st, _ := h.Get("state")
	_, _ = h.Call("replaceState", st, "", clean)
}

func mustJS(v any) safejs.Value {
	j, err := ToJS(v)
	if err != nil {
		return safejs.Undefined()
	}
	return j
}

// lazyStore opens the browser storage at each use, so that storage that is
// unavailable fails the call that needs it (storage_unavailable), not createClient.
type lazyStore struct{ kind string }

func (l lazyStore) open() (storage.Store, error) {
	if l.kind == "session" {
		return storage.Session()
	}
	return storage.Local()
}

func (l lazyStore) Get(k string) (string, bool, error) {
	s, err := l.open()
	if err != nil {
		return "", false, err
	}
	return s.Get(k)
}

func (l lazyStore) Set(k, v string) error {
	s, err := l.open()
	if err != nil {
		return err
	}
	return s.Set(k, v)
}

func (l lazyStore) Remove(k string) error {
	s, err := l.open()
	if err != nil {
		return err
	}
	return s.Remove(k)
}

func (l lazyStore) Keys() ([]string, error) {
	s, err := l.open()
	if err != nil {
		return nil, err
	}
	return s.Keys()
}

// pendingLockWait bounds the wait for another tab's hold on a pending login
// (held for the few storage calls of a Take; longer means something is stuck,
// and Take then goes on without the lock).
const pendingLockWait = 3 * time.Second

// Exclusive makes lazyStore a storage.Locker over Web Locks, so that two tabs
// handling one callback cannot both take its pending login.
func (l lazyStore) Exclusive(name string, fn func()) error {
	ctx, cancel := context.WithTimeout(context.Background(), pendingLockWait)
	defer cancel()
	return webLock(ctx, name, func(context.Context) error { fn(); return nil })
}

// jsRefresher adapts a bearer-mode refresh callback; undefined gives nil.
func jsRefresher(cb safejs.Value) func(ctx context.Context, current *pkce.TokenResponse) (*pkce.TokenResponse, error) {
	if cb.Type() != safejs.TypeFunction {
		return nil
	}
	return func(ctx context.Context, current *pkce.TokenResponse) (*pkce.TokenResponse, error) {
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
			return nil, callbackError(err)
		}
		v := p
		b, err := JSONOf(v)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("%w: the refresh callback returned no token response", pkce.ErrBadResponse)
		}
		if oe := returnedOAuthError(b); oe != nil {
			return nil, oe
		}
		return pkce.ParseTokenResponse(b)
	}
}

// returnedOAuthError reads a callback's answer shaped like a token endpoint's
// error ({"error": "invalid_grant", ...}, as a backend may pass it on): it is
// final (status 400), so the session ends with that reason instead of retrying.
func returnedOAuthError(b []byte) error {
	var o struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Token       string `json:"access_token"`
	}
	if json.Unmarshal(b, &o) != nil || o.Error == "" || o.Token != "" {
		return nil
	}
	return &pkce.OAuthError{ErrorCode: o.Error, Description: o.Description, Status: 400}
}

// callbackError reports a refresh callback that threw or rejected: the callback
// is the token source in bearer mode, and it gave no token response
// (bad_response), unless what it threw carries a corti-auth code of its own
// (a CortiAuthError such as network_error, passed on). The thrown value stays
// the error's cause.
func callbackError(err error) error {
	var je *JSError
	if errors.As(err, &je) {
		// An OAuth error thrown on purpose (oauthError: "invalid_grant", or
		// code: "invalid_grant") is final: the session ends with that reason.
		oauth := je.OAuthError
		if oauth == "" && je.Code != "" && !auth.KnownCode(je.Code) {
			oauth = je.Code
		}
		if isOAuthCode(oauth) {
			return &pkce.OAuthError{ErrorCode: oauth, Description: je.Message, Status: 400}
		}
		if auth.ThrownCodeKept(je.Code) {
			return err
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: the refresh callback failed: %w", pkce.ErrBadResponse, err)
}

// isOAuthCode reports the RFC 6749 §5.2 token endpoint error codes that end a
// session when a refresh callback reports them.
func isOAuthCode(c string) bool {
	switch c {
	case "invalid_grant", "invalid_client", "unauthorized_client", "invalid_request", "invalid_scope", "unsupported_grant_type":
		return true
	}
	return false
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
