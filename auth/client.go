package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
)

// Fetcher sends HTTP requests for the client. The browser bridge implements it
// with fetch(); tests implement it with net/http against a real provider.
// Errors are transport failures only: an HTTP error status is not an error.
type Fetcher interface {
	// PostForm POSTs form as application/x-www-form-urlencoded, with no other
	// header and no credentials.
	PostForm(ctx context.Context, url string, form url.Values) (status int, body []byte, err error)
	// Get fetches url.
	Get(ctx context.Context, url string) (status int, body []byte, err error)
}

// Client is one configured OAuth client of a Corti realm.
type Client struct {
	cfg     Config
	fetch   Fetcher
	pending *storage.Pending
	// handoffs holds the pending logins whose callback is handed back to this
	// page (loginWithPopup): in memory, as this page lives until the code is
	// exchanged, so they need no storage (a frame of another site may have
	// none). pending gets a copy when it can, which tells the popup's page to
	// hand the callback over (HandedOff).
	handoffs *storage.Pending
	keys     *token.KeySet
	now      func() time.Time
	mono     func() time.Duration // the monotonic clock (session.Clock's Mono)

	// anchor is a wall reading known to agree with the provider's clock (taken
	// when an ID token verified against it) and the monotonic reading of the
	// same moment: carried forward by the monotonic clock it estimates the
	// provider's time when the wall clock has been set since.
	anchorMu   sync.Mutex
	anchorWall time.Time
	anchorMono time.Duration

	// takeMu makes taking a pending login atomic: storage.Pending.Take reads,
	// then removes, so two concurrent HandleCallback calls for one URL (React
	// StrictMode runs effects twice) could otherwise both exchange the code.
	takeMu sync.Mutex

	// marks is the sign-out mark of this issuer and client (signout.go).
	marks signOutMarks
}

// NewClient returns a client for cfg (as returned by ParseConfig). store holds
// pending logins; keys caches JWKS per issuer; now nil means time.Now.
func NewClient(cfg Config, f Fetcher, store storage.Store, keys *token.KeySets, now func() time.Time) *Client {
	if now == nil {
		now = time.Now
	}
	c := &Client{
		cfg:      cfg,
		fetch:    f,
		pending:  &storage.Pending{Store: store, Now: now},
		handoffs: &storage.Pending{Store: storage.NewMemory(), Now: now},
		keys:     keys.For(cfg.Issuer()),
		now:      now,
		mono:     session.RealClock.Mono,
	}
	c.anchorWall, c.anchorMono = now(), c.mono()
	c.marks = signOutMarks{key: SignOutKey(cfg.Issuer(), cfg.ClientID), store: store}
	return c
}

// Config returns the client's configuration.
func (c *Client) Config() Config { return c.cfg }

// AuthorizeOptions are the optional parameters of an authorize request.
type AuthorizeOptions struct {
	Prompt      string            `json:"prompt"`
	LoginHint   string            `json:"loginHint"`
	UILocales   string            `json:"uiLocales"`
	ExtraParams map[string]string `json:"extraParams"`
	// MaxAge (seconds) and ACRValues are the step-up parameters max_age and
	// acr_values (OIDC Core §3.1.2.1); the callback then checks the ID token's
	// auth_time and acr against them.
	MaxAge    *int64    `json:"maxAge"`
	ACRValues SpaceList `json:"acrValues"`

	// RedirectURI replaces the configured redirectUri (loginWithPopup and
	// restore's silent step set it to popupRedirectUri / silentRedirectUri);
	// not a JS option.
	RedirectURI string `json:"-"`
	// Handoff marks the pending login as handed back to this tab by its
	// callback page (loginWithPopup); not a JS option.
	Handoff bool `json:"-"`
}

// ParseAuthorizeOptions reads the options object of authorizeURL, login and
// loginWithPopup as JSON (b empty or "null": no options). A wrong shape is a
// ConfigError naming the shape expected, or the option's own (acrValues).
func ParseAuthorizeOptions(b []byte) (AuthorizeOptions, error) {
	var o AuthorizeOptions
	if len(bytes.TrimSpace(b)) == 0 || string(bytes.TrimSpace(b)) == "null" {
		return o, nil
	}
	if err := json.Unmarshal(b, &o); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			return AuthorizeOptions{}, ce // an option's own reason (acrValues)
		}
		return AuthorizeOptions{}, &ConfigError{Key: "authorizeURL options", Reason: "expected {prompt?, loginHint?, uiLocales?, extraParams?: {string: string}, maxAge?: seconds, acrValues?: string | string[]}"}
	}
	return o, nil
}

// Authorization is a started login: the authorize URL and the state its
// pending login is stored under (the callback carries it back).
type Authorization struct {
	URL   string
	State string
}

// AuthorizeURL starts a login: it makes a PKCE verifier, state and nonce, stores
// them as one pending login keyed by state (sweeping stale ones when due), and returns the
// authorize URL. Errors: ErrInvalidConfig for reserved or invalid parameters,
// storage.ErrUnavailable when the pending login cannot be stored.
func (c *Client) AuthorizeURL(o AuthorizeOptions) (string, error) {
	a, err := c.Authorize(o)
	return a.URL, err
}

// Authorize is AuthorizeURL that also returns the state of the pending login.
func (c *Client) Authorize(o AuthorizeOptions) (Authorization, error) {
	verifier, err := pkce.NewVerifier()
	if err != nil {
		return Authorization{}, err
	}
	state, err := pkce.NewState()
	if err != nil {
		return Authorization{}, err
	}
	nonce, err := pkce.NewNonce()
	if err != nil {
		return Authorization{}, err
	}
	if o, err = o.liftStepUp(); err != nil {
		return Authorization{}, err
	}
	if _, marked := c.SignedOut(); marked {
		o.Prompt = StickyPrompt(o.Prompt) // the sign-out sticks: the provider asks for the password
	}
	redirect := c.cfg.RedirectURI
	if o.RedirectURI != "" {
		redirect = o.RedirectURI
	}
	u, err := pkce.AuthorizeRequest{
		Endpoint:    c.cfg.Endpoint("auth"),
		ClientID:    c.cfg.ClientID,
		RedirectURI: redirect,
		Scope:       c.cfg.Scope,
		Challenge:   pkce.S256Challenge(verifier),
		State:       state,
		Nonce:       nonce,
		Prompt:      o.Prompt,
		LoginHint:   o.LoginHint,
		UILocales:   o.UILocales,
		MaxAge:      o.MaxAge,
		ACRValues:   string(o.ACRValues),
		Extra:       o.ExtraParams,
	}.URL()
	if err != nil {
		return Authorization{}, &ConfigError{Key: "authorizeURL options", Reason: strings.TrimPrefix(err.Error(), "pkce: ")}
	}
	login := storage.PendingLogin{
		State: state, Verifier: verifier, Nonce: nonce,
		RedirectURI: redirect, ClientID: c.cfg.ClientID, Issuer: c.cfg.Issuer(),
		CreatedAt: c.now(), MaxAge: o.MaxAge, ACRValues: string(o.ACRValues),
		Handoff: o.Handoff,
	}
	if o.Handoff {
		if err := c.handoffs.Save(login); err != nil {
			return Authorization{}, err
		}
		// The popup's (or hidden frame's) page's sign to hand over, without the
		// verifier and nonce; storage may be denied here.
		_ = c.pending.Save(storage.HandoffSign(login))
	} else if err := c.pending.Save(login); err != nil {
		return Authorization{}, err
	}
	return Authorization{URL: u, State: state}, nil
}

// Result is a completed sign-in.
type Result struct {
	Tokens *pkce.TokenResponse
	// ReceivedAt is the instant the expiries are dated from (see
	// session.NewTokens): when the token request was sent, less the second a
	// whole-second exp may lose (session.ExpLoss), so that expires_at is never
	// later than the token's own exp, whatever the request's latency.
	ReceivedAt time.Time
	IDToken    *token.IDToken // nil when the provider sent no id_token
}

// HandleCallback completes a login from the callback URL: it checks the
// authorization response (error, state, RFC 9207 iss), takes the pending login
// out of storage (deleted before the exchange, so a replayed callback finds
// nothing), exchanges the code once — never retried — and verifies the ID token.
//
// Errors: ErrNotCallback; *pkce.OAuthError for error= in the callback or an error
// answer of the token endpoint; ErrNoPendingLogin, ErrStateMismatch,
// ErrLoginExpired, ErrIssMismatch; transport errors of the Fetcher;
// pkce.ErrBadResponse; token.ErrIDTokenInvalid; storage.ErrUnavailable.
func (c *Client) HandleCallback(ctx context.Context, rawURL string) (*Result, error) {
	cb, err := pkce.ParseCallback(rawURL)
	if err != nil {
		return nil, err
	}
	if cb.State == "" || (cb.Code == "" && cb.Error == "") {
		return nil, ErrNotCallback
	}
	login, err := c.takePending(cb.State)
	if err != nil {
		return nil, err
	}
	// RFC 9207 §2.4: iss is compared for error responses too, since "clients
	// MUST NOT assume that the error originates from the intended
	// authorization server"; and a client that knows its provider sends iss
	// must refuse a response without it (requireIss).
	switch {
	case cb.Iss == "" && c.cfg.RequiresIss():
		return nil, fmt.Errorf("%w: the callback has no iss, expected %q (set requireIss: false for a provider that does not send it)", ErrIssMismatch, c.cfg.Issuer())
	case cb.Iss != "" && cb.Iss != c.cfg.Issuer():
		return nil, fmt.Errorf("%w: callback iss %q, expected %q", ErrIssMismatch, cb.Iss, c.cfg.Issuer())
	}
	if cb.Error != "" {
		return nil, cb.Err()
	}
	if cb.Code == "" {
		return nil, fmt.Errorf("%w: no code", ErrNotCallback)
	}
	if strings.Contains(" "+c.cfg.Scope+" ", " openid ") {
		c.keys.Prefetch(ctx) // the ID token's keys, fetched while the code is exchanged
	}
	form := pkce.CodeForm(c.cfg.ClientID, cb.Code, login.RedirectURI, login.Verifier)
	resp, received, err := c.tokenRequest(ctx, form)
	if err != nil {
		return nil, err
	}
	res := &Result{Tokens: resp, ReceivedAt: received}
	if resp.IDToken != "" {
		id, err := c.VerifyIDToken(ctx, resp.IDToken, login.Nonce)
		if err != nil {
			return nil, err
		}
		if err := c.verifier().CheckAuthentication(id, login.MaxAge, login.ACRValues); err != nil {
			return nil, err
		}
		res.IDToken = id
	} else if strings.Contains(" "+c.cfg.Scope+" ", " openid ") {
		return nil, fmt.Errorf("%w: the provider sent no id_token for scope openid", token.ErrIDTokenInvalid)
	}
	if err := c.checkSignIn(res.IDToken); err != nil {
		return nil, err
	}
	return res, nil
}

// takePending takes the pending login of state out of storage. A login of
// another client or issuer (two clients on one page share the store) is a
// mismatch and stays where it is, for its own client to take. A state that
// matches nothing while other logins wait is a mismatch; with nothing waiting
// at all it is a callback handled already (or never started here).
func (c *Client) takePending(state string) (storage.PendingLogin, error) {
	c.takeMu.Lock()
	defer c.takeMu.Unlock()
	if l, err := c.handoffs.Take(state); err == nil || errors.Is(err, storage.ErrExpired) {
		_, _ = c.pending.Take(state) // its copy
		if err != nil {
			return l, fmt.Errorf("%w: %v", ErrLoginExpired, err)
		}
		return l, nil
	}
	if l, ok, err := c.pending.Peek(state); err == nil && ok && (l.ClientID != c.cfg.ClientID || l.Issuer != c.cfg.Issuer()) {
		return storage.PendingLogin{}, fmt.Errorf("%w: the pending login belongs to client %q of %s", ErrStateMismatch, l.ClientID, l.Issuer)
	}
	login, err := c.pending.Take(state)
	if err == nil && (login.ClientID != c.cfg.ClientID || login.Issuer != c.cfg.Issuer()) {
		// Replaced between Peek and Take by another tab: still not ours.
		return storage.PendingLogin{}, fmt.Errorf("%w: the pending login belongs to client %q of %s", ErrStateMismatch, login.ClientID, login.Issuer)
	}
	if err == nil && login.IsSign() {
		// A popup's or restore()'s login: its verifier is in the memory of
		// the tab that started it, which alone can complete it.
		return storage.PendingLogin{}, fmt.Errorf("%w: the login was started by a popup or restore() in another window, which completes it itself", ErrNoPendingLogin)
	}
	switch {
	case err == nil:
		return login, nil
	case errors.Is(err, storage.ErrExpired):
		return login, fmt.Errorf("%w: %v", ErrLoginExpired, err)
	case errors.Is(err, storage.ErrNoPending):
		if n, _ := c.waiting(); n > 0 {
			return login, fmt.Errorf("%w: the callback's state matches none of the %d login(s) waiting", ErrStateMismatch, n)
		}
		return login, fmt.Errorf("%w: it was handled already, timed out, or was started in another browser", ErrNoPendingLogin)
	default:
		return login, err
	}
}

func (c *Client) waiting() (int, error) {
	keys, err := c.pending.Store.Keys()
	n := 0
	for _, k := range keys {
		if strings.HasPrefix(k, storage.PendingPrefix) {
			n++
		}
	}
	return n, err
}

// idTokenLeeway is the clock skew allowed on an ID token's exp, iat and nbf.
const idTokenLeeway = 60 * time.Second

// VerifyIDToken verifies an ID token of this realm and client against the
// wall clock; nonce "" skips the nonce check.
func (c *Client) VerifyIDToken(ctx context.Context, raw, nonce string) (*token.IDToken, error) {
	wall, mono := c.now(), c.mono()
	v := &token.IDTokenVerifier{Issuer: c.cfg.Issuer(), ClientID: c.cfg.ClientID, Keys: c.keys,
		Now: func() time.Time { return wall }, Leeway: idTokenLeeway}
	id, err := v.Verify(ctx, raw, nonce)
	if err == nil {
		c.setAnchor(wall, mono)
	}
	return id, err
}

func (c *Client) setAnchor(wall time.Time, mono time.Duration) {
	c.anchorMu.Lock()
	c.anchorWall, c.anchorMono = wall, mono
	c.anchorMu.Unlock()
}

// verifyRefreshed verifies an ID token just received from the token endpoint,
// which must keep the subject prevSub (when known). Its exp, iat and nbf are
// judged at receipt against two readings of the time — the wall clock, and
// the wall clock of the last verification carried forward by the monotonic
// clock — and pass when they pass at some instant between the two (with the
// usual leeway): a wall clock set back or forward since the sign-in does not
// end the session, a sleep that stopped the monotonic clock neither. A
// verification whose times agree with the wall clock alone moves the anchor.
func (c *Client) verifyRefreshed(ctx context.Context, raw, prevSub string) (*token.IDToken, error) {
	wall, mono := c.now(), c.mono()
	c.anchorMu.Lock()
	est := c.anchorWall.Add(mono - c.anchorMono)
	c.anchorMu.Unlock()
	lo, hi := wall, est
	if hi.Before(lo) {
		lo, hi = hi, lo
	}
	// jwt checks exp ≥ now − leeway and iat, nbf ≤ now + leeway: at the middle
	// of [lo, hi] with half its width added to the leeway, that is exp ≥ lo −
	// leeway and iat, nbf ≤ hi + leeway.
	half := hi.Sub(lo) / 2
	mid := lo.Add(half)
	v := &token.IDTokenVerifier{Issuer: c.cfg.Issuer(), ClientID: c.cfg.ClientID, Keys: c.keys,
		Now: func() time.Time { return mid }, Leeway: idTokenLeeway + half}
	id, err := v.Verify(ctx, raw, "")
	if err != nil {
		return nil, err
	}
	if prevSub != "" && id.Subject != prevSub {
		return nil, &token.IDTokenError{Check: token.CheckSubject, Err: fmt.Errorf("refreshed id_token is for %q, the session is %q", id.Subject, prevSub)}
	}
	if !id.IssuedAt.After(wall.Add(idTokenLeeway)) && !id.ExpiresAt.Before(wall.Add(-idTokenLeeway)) {
		c.setAnchor(wall, mono)
	}
	return id, nil
}

// verifier is a verifier on the wall clock, for the step-up checks of a
// callback's ID token (CheckAuthentication).
func (c *Client) verifier() *token.IDTokenVerifier {
	return &token.IDTokenVerifier{Issuer: c.cfg.Issuer(), ClientID: c.cfg.ClientID, Keys: c.keys, Now: c.now, Leeway: idTokenLeeway}
}

// Refresh exchanges a refresh token at the token endpoint. A refreshed ID token
// is verified (see verifyRefreshed) and must keep the subject of the one
// before (prevSub, when known). When its keys cannot be had yet (checks "jwks"
// and "kid": a network blip, a key rotated moments ago) the error is a
// *session.UnverifiedError carrying the response — with refresh token rotation
// the refresh token sent is spent now — and a Verify that retries only the
// verification. The time returned is the one expiries are dated from, as
// Result.ReceivedAt.
func (c *Client) Refresh(ctx context.Context, refreshToken, prevSub string) (*pkce.TokenResponse, time.Time, error) {
	resp, dated, err := c.tokenRequest(ctx, pkce.RefreshForm(c.cfg.ClientID, refreshToken, ""))
	if err != nil {
		return nil, dated, err
	}
	if resp.IDToken != "" {
		if _, err := c.verifyRefreshed(ctx, resp.IDToken, prevSub); err != nil {
			var ie *token.IDTokenError
			if errors.As(err, &ie) && (ie.Check == token.CheckJWKS || ie.Check == token.CheckKID) {
				return nil, dated, &session.UnverifiedError{Response: resp, Err: err, Verify: func(ctx context.Context) error {
					_, err := c.verifyRefreshed(ctx, resp.IDToken, prevSub)
					return err
				}}
			}
			return nil, dated, err
		}
	}
	return resp, dated, nil
}

// PasswordLogin is the resource owner password credentials grant (RFC 6749 §4.3),
// only with allowPasswordGrant. The password is sent once and never stored.
func (c *Client) PasswordLogin(ctx context.Context, username, password string) (*Result, error) {
	if !c.cfg.AllowPasswordGrant {
		return nil, fmt.Errorf("%w: set allowPasswordGrant: true to use it, or better, sign in with login() (Authorization Code + PKCE)", ErrPasswordGrantDisabled)
	}
	if username == "" || password == "" {
		return nil, &ConfigError{Key: "loginWithPassword", Reason: "username and password are required"}
	}
	resp, received, err := c.tokenRequest(ctx, pkce.PasswordForm(c.cfg.ClientID, username, password, c.cfg.Scope))
	if err != nil {
		return nil, err
	}
	res := &Result{Tokens: resp, ReceivedAt: received}
	if resp.IDToken != "" {
		if res.IDToken, err = c.VerifyIDToken(ctx, resp.IDToken, ""); err != nil {
			return nil, err
		}
	}
	c.marks.clear() // the password was sent just now: a sign-out mark is answered
	return res, nil
}

// Revoke revokes a token (RFC 7009) at the realm's revoke endpoint.
func (c *Client) Revoke(ctx context.Context, tok, hint string) error {
	status, body, err := c.fetch.PostForm(ctx, c.cfg.Endpoint("revoke"), pkce.RevokeForm(c.cfg.ClientID, tok, hint))
	if err != nil {
		return err
	}
	if status/100 != 2 {
		_, err := pkce.ParseTokenEndpointResponse(status, body)
		return err
	}
	return nil
}

// EndSessionURL is the realm's RP-initiated logout URL.
func (c *Client) EndSessionURL(idTokenHint, postLogoutRedirectURI string) (string, error) {
	if postLogoutRedirectURI != "" {
		if err := checkURL(postLogoutRedirectURI, false); err != nil {
			return "", &ConfigError{Key: "redirectUri", Reason: err.Error()}
		}
	}
	return pkce.EndSession{
		Endpoint:              c.cfg.Endpoint("logout"),
		IDTokenHint:           idTokenHint,
		ClientID:              c.cfg.ClientID,
		PostLogoutRedirectURI: postLogoutRedirectURI,
	}.URL()
}

// tokenRequest POSTs a form to the token endpoint once (never retried here: a
// code is one-time; refresh retries are the session's decision) and parses the
// answer. The time returned is the one expiries are dated from: taken before
// the request is sent, less session.ExpLoss (see Result.ReceivedAt).
func (c *Client) tokenRequest(ctx context.Context, form url.Values) (*pkce.TokenResponse, time.Time, error) {
	dated := c.now().Add(-session.ExpLoss)
	status, body, err := c.fetch.PostForm(ctx, c.cfg.Endpoint("token"), form)
	if err != nil {
		return nil, dated, err
	}
	resp, err := pkce.ParseTokenEndpointResponse(status, body)
	return resp, dated, err
}
