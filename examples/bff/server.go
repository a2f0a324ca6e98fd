//go:build !js

package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log"
	"math"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/corti-auth/corti-auth/token"
	"golang.org/x/oauth2"
)

// Cookie names. The session cookie is HttpOnly (page scripts cannot read it)
// and SameSite=Strict (no other site can make the browser send it). The
// pre-login cookie must be SameSite=Lax: the provider's redirect back to
// /callback is a cross-site top-level navigation, which carries Lax cookies
// but not Strict ones.
const (
	sessionCookie = "bff_session"
	loginCookie   = "bff_login"
)

// csrfHeader must accompany every state-changing request (POST /token,
// POST /logout). A cross-origin page cannot add a custom header without a CORS
// preflight, which this server never approves; SameSite=Strict is the second
// line.
const (
	csrfHeader = "X-Requested-With"
	csrfValue  = "corti-auth"
)

const (
	loginTTL      = 10 * time.Minute // how long a started login may take
	sweepInterval = time.Minute      // how often expired logins and sessions are dropped
	idleSession   = 12 * time.Hour   // a session without a known refresh expiry is dropped after this
	httpTimeout   = 15 * time.Second // each request to the provider
	scope         = "openid profile email"
)

//go:embed static
var staticFiles embed.FS

// Config configures a Server.
type Config struct {
	Issuer       string // realm issuer: {authBaseURL}/realms/{tenant}
	ClientID     string // confidential client
	ClientSecret string // never logged, never sent to the browser
	// PublicURL is the origin the browser uses; the redirect URI is
	// PublicURL + "/callback" and cookies are Secure when it is https.
	PublicURL        *url.URL
	TokenURL         string // optional override of {issuer}/protocol/openid-connect/token
	DistDir          string // corti-auth dist/, served at /dist/ ("" = not served)
	AssistantBaseURL string // optional, published in /config.json

	HTTPClient *http.Client     // for the provider; default: a client with a 15 s timeout
	Logger     *log.Logger      // default: discard
	Now        func() time.Time // default: time.Now
}

// Server is the BFF: an http.Handler.
type Server struct {
	cfg         Config
	oauth       *oauth2.Config
	revokeURL   string
	endSession  string
	idTokens    *token.IDTokenVerifier
	authBaseURL string
	tenant      string
	secure      bool // cookies get the Secure attribute
	mux         *http.ServeMux

	mu       sync.Mutex
	logins   map[string]*pendingLogin // by pre-login cookie value
	sessions map[string]*userSession  // by session cookie value

	tokenCalls   atomic.Int64 // POST /token calls
	refreshCalls atomic.Int64 // refresh_token grants sent to the provider

	stop chan struct{}
	once sync.Once
}

// pendingLogin is what /login remembers for /callback.
type pendingLogin struct {
	state, nonce, verifier string
	created                time.Time
}

// userSession is one signed-in browser. mu serialises refreshes of one
// session, so two tabs never spend the same refresh token at once.
type userSession struct {
	mu            sync.Mutex
	token         *oauth2.Token
	refreshExpiry time.Time // zero when the provider did not say
	lastUsed      time.Time
}

// NewServer checks cfg and builds the handler.
func NewServer(cfg Config) (*Server, error) {
	iss, err := url.Parse(cfg.Issuer)
	if err != nil || (iss.Scheme != "http" && iss.Scheme != "https") || iss.Host == "" {
		return nil, fmt.Errorf("issuer %q: want http(s)://host/realms/<tenant>", cfg.Issuer)
	}
	cfg.Issuer = strings.TrimRight(cfg.Issuer, "/")
	i := strings.LastIndex(cfg.Issuer, "/realms/")
	if i < 0 || strings.Contains(cfg.Issuer[i+len("/realms/"):], "/") || i+len("/realms/") == len(cfg.Issuer) {
		return nil, fmt.Errorf("issuer %q: want http(s)://host/realms/<tenant> (a Keycloak realm)", cfg.Issuer)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("client id and client secret are required")
	}
	if cfg.PublicURL == nil {
		return nil, errors.New("public URL is required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: httpTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = log.New(io.Discard, "", 0)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	oidc := cfg.Issuer + "/protocol/openid-connect"
	tokenURL := cfg.TokenURL
	if tokenURL == "" {
		tokenURL = oidc + "/token"
	}
	public := strings.TrimRight((&url.URL{Scheme: cfg.PublicURL.Scheme, Host: cfg.PublicURL.Host, Path: cfg.PublicURL.Path}).String(), "/")
	s := &Server{
		cfg: cfg,
		oauth: &oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint: oauth2.Endpoint{
				AuthURL:  oidc + "/auth",
				TokenURL: tokenURL,
				// client_secret_basic: Keycloak's "Client Id and Secret"
				// authenticator accepts it, and it is what the local
				// provider registers for corti-bff. (AutoDetect would retry a
				// refused refresh with the secret in the body, doubling
				// every failure.)
				AuthStyle: oauth2.AuthStyleInHeader,
			},
			RedirectURL: public + "/callback",
			Scopes:      strings.Fields(scope),
		},
		revokeURL:   oidc + "/revoke",
		endSession:  oidc + "/logout",
		authBaseURL: cfg.Issuer[:i],
		tenant:      cfg.Issuer[i+len("/realms/"):],
		secure:      cfg.PublicURL.Scheme == "https",
		logins:      map[string]*pendingLogin{},
		sessions:    map[string]*userSession{},
		stop:        make(chan struct{}),
	}
	// The JWKS is fetched beside the token endpoint, so that a TokenURL
	// override (an internal route to Keycloak) serves the keys too.
	jwksURL := oidc + "/certs"
	if base, ok := strings.CutSuffix(tokenURL, "/protocol/openid-connect/token"); ok {
		jwksURL = base + "/protocol/openid-connect/certs"
	}
	s.idTokens = &token.IDTokenVerifier{
		Issuer:   cfg.Issuer,
		ClientID: cfg.ClientID,
		Keys:     token.NewKeySet(jwksURL, s.fetchJWKS),
		Now:      cfg.Now,
	}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("GET /{$}", s.handleIndex)
	s.mux.HandleFunc("GET /app.js", s.handleStatic("static/app.js", "text/javascript; charset=utf-8"))
	s.mux.HandleFunc("GET /config.json", s.handleConfig)
	s.mux.HandleFunc("GET /login", s.handleLogin)
	s.mux.HandleFunc("GET /callback", s.handleCallback)
	s.mux.HandleFunc("GET /session", s.handleSession)
	s.mux.HandleFunc("POST /token", s.handleToken)
	s.mux.HandleFunc("POST /logout", s.handleLogout)
	s.mux.HandleFunc("GET /stats", s.handleStats)
	s.mux.Handle("GET /dist/", s.distHandler())
	go s.sweep()
	return s, nil
}

// RedirectURI is the redirect URI this server registers with the provider.
func (s *Server) RedirectURI() string { return s.oauth.RedirectURL }

// Close stops the background sweeper.
func (s *Server) Close() { s.once.Do(func() { close(s.stop) }) }

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	// Origin only, cross-origin: the Assistant iframe learns its parent's
	// origin from the referrer.
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("X-Frame-Options", "DENY")
	s.mux.ServeHTTP(w, r)
}

// ---- the page ----

func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	// A tight CSP is the BFF's other half: with no inline script and only
	// same-origin code, an injected <script> has nothing to run. The wasm
	// module needs 'wasm-unsafe-eval'; the Assistant iframe needs frame-src.
	frames := "'none'"
	if a := s.cfg.AssistantBaseURL; a != "" {
		if u, err := url.Parse(a); err == nil && u.Host != "" {
			frames = u.Scheme + "://" + u.Host
		}
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; "+
		"connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-src "+frames+
		"; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	s.handleStatic("static/index.html", "text/html; charset=utf-8")(w, r)
}

func (s *Server) handleStatic(name, contentType string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, err := staticFiles.ReadFile(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(b)
	}
}

// handleConfig publishes what the page needs for corti.createClient. Nothing
// here is secret.
func (s *Server) handleConfig(w http.ResponseWriter, r *http.Request) {
	cfg := map[string]string{
		"clientId":    s.cfg.ClientID,
		"authBaseURL": s.authBaseURL,
		"tenant":      s.tenant,
		"issuer":      s.cfg.Issuer,
	}
	if s.cfg.AssistantBaseURL != "" {
		cfg["assistantBaseURL"] = s.cfg.AssistantBaseURL
	}
	writeJSON(w, http.StatusOK, cfg)
}

// distHandler serves the corti-auth build (corti-auth.js, .wasm, wasm_exec.js)
// without directory listings, with .wasm as application/wasm (required by
// WebAssembly.instantiateStreaming).
func (s *Server) distHandler() http.Handler {
	if s.cfg.DistDir == "" {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "corti-auth dist/ is not configured (-dist)", http.StatusNotFound)
		})
	}
	fs := http.StripPrefix("/dist/", http.FileServer(http.Dir(s.cfg.DistDir)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		switch path.Ext(r.URL.Path) {
		case ".wasm":
			w.Header().Set("Content-Type", "application/wasm")
		case ".js", ".mjs":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		}
		w.Header().Set("Cache-Control", "no-cache")
		fs.ServeHTTP(w, r)
	})
}

// ---- sign-in ----

// handleLogin starts Authorization Code + PKCE: state, nonce and verifier stay
// here, keyed by a short-lived pre-login cookie; the browser only carries the
// challenge to the provider.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	// The pre-login cookie is set on the host the browser used; the provider
	// sends the browser back to the registered redirect URI. Make them the same.
	if r.Host != s.cfg.PublicURL.Host {
		http.Redirect(w, r, s.publicBase()+"/login", http.StatusFound)
		return
	}
	p := &pendingLogin{
		state:    randomID(),
		nonce:    randomID(),
		verifier: oauth2.GenerateVerifier(),
		created:  s.cfg.Now(),
	}
	id := randomID()
	s.mu.Lock()
	s.logins[id] = p
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: loginCookie, Value: id, Path: "/callback", MaxAge: int(loginTTL / time.Second),
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode,
	})
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.oauth.AuthCodeURL(p.state,
		oauth2.S256ChallengeOption(p.verifier),
		oauth2.SetAuthURLParam("nonce", p.nonce),
	), http.StatusFound)
}

// handleCallback finishes the login: it checks state and iss, exchanges the
// code with the secret and the verifier, verifies the ID token, and
// keeps the tokens under a new session id.
func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	// The pending login is one-shot: taken out before anything else, so a
	// replayed callback finds nothing.
	var p *pendingLogin
	if c, err := r.Cookie(loginCookie); err == nil {
		s.mu.Lock()
		p = s.logins[c.Value]
		delete(s.logins, c.Value)
		s.mu.Unlock()
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/callback", MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})

	q := r.URL.Query()
	switch {
	case p == nil:
		s.errorPage(w, http.StatusBadRequest, "No sign-in in progress", "This sign-in was already finished, took longer than 10 minutes, or was started in another browser.")
		return
	case s.cfg.Now().Sub(p.created) > loginTTL:
		s.errorPage(w, http.StatusBadRequest, "Sign-in expired", "The sign-in took longer than 10 minutes.")
		return
	case subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(p.state)) != 1:
		s.errorPage(w, http.StatusBadRequest, "Sign-in refused", "The state parameter does not match the sign-in started here.")
		return
	case q.Has("iss") && q.Get("iss") != s.cfg.Issuer: // RFC 9207 mix-up defence
		s.errorPage(w, http.StatusBadRequest, "Sign-in refused", "The response comes from another issuer ("+q.Get("iss")+").")
		return
	case q.Get("error") != "":
		s.errorPage(w, http.StatusBadRequest, "Sign-in failed", q.Get("error")+": "+q.Get("error_description"))
		return
	case q.Get("code") == "":
		s.errorPage(w, http.StatusBadRequest, "Sign-in failed", "The callback carries no code.")
		return
	}

	// A code is one-time: exchanged once, never retried.
	tok, err := s.oauth.Exchange(s.ctx(r), q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		s.cfg.Logger.Printf("code exchange failed: %v", describe(err))
		s.errorPage(w, http.StatusBadGateway, "Sign-in failed", "The provider refused the code exchange: "+describe(err))
		return
	}
	if err := s.checkIDToken(s.ctx(r), tok, p.nonce); err != nil {
		s.cfg.Logger.Printf("ID token refused: %v", err)
		s.errorPage(w, http.StatusBadGateway, "Sign-in failed", "The ID token is not for this sign-in: "+err.Error())
		return
	}

	id := randomID()
	now := s.cfg.Now()
	us := &userSession{token: tok, refreshExpiry: refreshExpiry(tok, now), lastUsed: now}
	s.mu.Lock()
	if c, err := r.Cookie(sessionCookie); err == nil {
		delete(s.sessions, c.Value) // a new sign-in replaces the old session, never reuses its id
	}
	s.sessions[id] = us
	s.mu.Unlock()
	http.SetCookie(w, s.sessionCookie(id, 0))
	http.Redirect(w, r, s.publicBase()+"/", http.StatusSeeOther)
}

// checkIDToken verifies the ID token of a code exchange with the module's own
// verifier (token.IDTokenVerifier, OpenID Connect Core 1.0 §3.1.3.7): the
// signature against the realm's JWKS (RS256, PS256 or ES256; never none),
// iss, aud, azp, exp and iat with 60 s of leeway, sub, and the nonce of this
// sign-in. The token came from the token endpoint over a client-authenticated
// request, so §3.1.3.7 (6) would let a confidential client skip the signature;
// checking it costs one cached JWKS fetch and keeps one rule set for the
// browser client and this server.
func (s *Server) checkIDToken(ctx context.Context, tok *oauth2.Token, nonce string) error {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return errors.New("no id_token in the token response (is the openid scope granted?)")
	}
	_, err := s.idTokens.Verify(ctx, raw, nonce)
	return err
}

// fetchJWKS is the token.Fetcher of the realm's JWKS, over cfg.HTTPClient.
func (s *Server) fetchJWKS(ctx context.Context, u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Accept", "application/json")
	res, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	// One byte over the JWKS limit, so that token reports an oversized body.
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20+1))
	return res.StatusCode, body, err
}

// ---- the page's token API ----

// handleSession answers the current access token (never the refresh token),
// for the signed-in page to start with.
func (s *Server) handleSession(w http.ResponseWriter, r *http.Request) {
	us := s.lookup(r)
	if us == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "not_signed_in"})
		return
	}
	us.mu.Lock()
	tok := us.token
	us.mu.Unlock()
	writeJSON(w, http.StatusOK, s.pageTokens(tok))
}

// handleToken is the page's refresh callback. It always refreshes: corti-auth
// decides when (single flight, buffer, backoff), this server only holds the
// refresh token and the secret.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.tokenCalls.Add(1)
	if !s.csrfOK(r) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "csrf", "error_description": "send " + csrfHeader + ": " + csrfValue})
		return
	}
	id, us := s.lookupID(r)
	if us == nil {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_grant", "error_description": "not signed in"})
		return
	}
	us.mu.Lock()
	defer us.mu.Unlock()
	old := us.token
	if old.RefreshToken == "" {
		// The provider issued no refresh token (refresh_expires_in 0).
		s.drop(id)
		http.SetCookie(w, s.sessionCookie("", -1))
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_grant", "error_description": "no refresh token"})
		return
	}
	s.refreshCalls.Add(1)
	// A token with only a refresh token makes the token source refresh at once.
	tok, err := s.oauth.TokenSource(s.ctx(r), &oauth2.Token{RefreshToken: old.RefreshToken}).Token()
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.Response != nil && re.Response.StatusCode < 500 && re.Response.StatusCode != http.StatusTooManyRequests {
			// invalid_grant and friends: the refresh token is dead (revoked,
			// expired, SSO session ended). The server session goes with it.
			s.cfg.Logger.Printf("refresh refused, session dropped: %s", describe(err))
			s.drop(id)
			http.SetCookie(w, s.sessionCookie("", -1))
			code := re.ErrorCode
			if code == "" {
				code = "invalid_grant"
			}
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": code})
			return
		}
		// Network, timeout, 5xx, 429: temporary. The page's callback throws,
		// and corti-auth retries with backoff.
		s.cfg.Logger.Printf("refresh failed (temporary): %s", describe(err))
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "temporarily_unavailable"})
		return
	}
	now := s.cfg.Now()
	us.token = tok
	if rx := refreshExpiry(tok, now); !rx.IsZero() || tok.RefreshToken != old.RefreshToken {
		us.refreshExpiry = rx
	}
	us.lastUsed = now
	writeJSON(w, http.StatusOK, s.pageTokens(tok))
}

// handleLogout revokes the refresh token at the provider (which ends the
// client's session there), drops the server session and clears the cookie. It
// answers the end-session URL the page may navigate to, to end the provider's
// single sign-on session too.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if !s.csrfOK(r) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "csrf", "error_description": "send " + csrfHeader + ": " + csrfValue})
		return
	}
	id, us := s.lookupID(r)
	http.SetCookie(w, s.sessionCookie("", -1))
	if us == nil {
		writeJSON(w, http.StatusOK, map[string]any{"revoked": false})
		return
	}
	s.drop(id)
	us.mu.Lock()
	tok := us.token
	us.mu.Unlock()
	out := map[string]any{"revoked": true}
	if err := s.revoke(s.ctx(r), tok.RefreshToken, "refresh_token"); err != nil {
		// Best effort: the session is gone here either way.
		s.cfg.Logger.Printf("revocation failed: %v", err)
		out["revoked"] = false
	}
	q := url.Values{"client_id": {s.cfg.ClientID}, "post_logout_redirect_uri": {s.publicBase() + "/"}}
	if idt, _ := tok.Extra("id_token").(string); idt != "" {
		q.Set("id_token_hint", idt)
	}
	out["end_session_url"] = s.endSession + "?" + q.Encode()
	writeJSON(w, http.StatusOK, out)
}

// revoke calls RFC 7009 revocation with the client's credentials.
func (s *Server) revoke(ctx context.Context, tok, hint string) error {
	if tok == "" {
		return errors.New("no token to revoke")
	}
	form := url.Values{"token": {tok}, "token_type_hint": {hint}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.revokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	// RFC 6749 2.3.1: form-encode id and secret before Basic.
	req.SetBasicAuth(url.QueryEscape(s.cfg.ClientID), url.QueryEscape(s.cfg.ClientSecret))
	res, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4<<10))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("revocation endpoint answered %d: %s", res.StatusCode, strings.TrimSpace(string(body)))
	}
	return nil
}

// handleStats exposes call counters for tests and demos. They reveal no
// token; a real deployment would put them behind its metrics endpoint.
func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	n := len(s.sessions)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int64{
		"token":    s.tokenCalls.Load(),
		"refresh":  s.refreshCalls.Load(),
		"sessions": int64(n),
	})
}

// ---- helpers ----

// pageTokens is the Keycloak-shaped response the page gets: an access token,
// its lifetime and the ID token. Never the refresh token.
func (s *Server) pageTokens(tok *oauth2.Token) map[string]any {
	out := map[string]any{
		"access_token": tok.AccessToken,
		"token_type":   "Bearer",
		// Seconds left now, rounded, not the lifetime at issue: /session may
		// hand out a token received minutes ago, and corti-auth dates expiry
		// from receipt + expires_in. (A fresh token from /token gives its full
		// lifetime, which corti-auth also uses to cap its refresh buffer.)
		"expires_in": max(0, int64(math.Round(tok.Expiry.Sub(s.cfg.Now()).Seconds()))),
	}
	if tok.Expiry.IsZero() {
		delete(out, "expires_in") // corti-auth then falls back to the JWT's exp
	}
	if sc, _ := tok.Extra("scope").(string); sc != "" {
		out["scope"] = sc
	}
	if idt, _ := tok.Extra("id_token").(string); idt != "" {
		out["id_token"] = idt
	}
	return out
}

func (s *Server) csrfOK(r *http.Request) bool {
	if r.Header.Get(csrfHeader) != csrfValue {
		return false
	}
	// Browsers send Origin on POST; when present it must be ours.
	if o := r.Header.Get("Origin"); o != "" && o != s.publicOrigin() {
		return false
	}
	return true
}

func (s *Server) lookup(r *http.Request) *userSession {
	_, us := s.lookupID(r)
	return us
}

func (s *Server) lookupID(r *http.Request) (string, *userSession) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return "", nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return c.Value, s.sessions[c.Value]
}

func (s *Server) drop(id string) {
	s.mu.Lock()
	delete(s.sessions, id)
	s.mu.Unlock()
}

// sessionCookie builds the session cookie; maxAge -1 deletes it. Without
// Max-Age it is a browser-session cookie.
func (s *Server) sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode,
	}
}

func (s *Server) publicBase() string {
	return strings.TrimSuffix(s.oauth.RedirectURL, "/callback")
}

func (s *Server) publicOrigin() string {
	return s.cfg.PublicURL.Scheme + "://" + s.cfg.PublicURL.Host
}

// ctx hands the provider HTTP client to golang.org/x/oauth2.
func (s *Server) ctx(r *http.Request) context.Context {
	return context.WithValue(r.Context(), oauth2.HTTPClient, s.cfg.HTTPClient)
}

// sweep drops expired pending logins and sessions whose refresh token has
// expired (or that were idle for long), so memory does not grow forever.
func (s *Server) sweep() {
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		now := s.cfg.Now()
		s.mu.Lock()
		for id, p := range s.logins {
			if now.Sub(p.created) > loginTTL {
				delete(s.logins, id)
			}
		}
		for id, us := range s.sessions {
			if !us.mu.TryLock() {
				continue // refreshing right now
			}
			dead := (!us.refreshExpiry.IsZero() && now.After(us.refreshExpiry)) || now.Sub(us.lastUsed) > idleSession
			us.mu.Unlock()
			if dead {
				delete(s.sessions, id)
			}
		}
		s.mu.Unlock()
	}
}

// refreshExpiry reads Keycloak's refresh_expires_in (0 or absent: unknown).
func refreshExpiry(tok *oauth2.Token, now time.Time) time.Time {
	switch v := tok.Extra("refresh_expires_in").(type) {
	case float64:
		if v > 0 {
			return now.Add(time.Duration(v) * time.Second)
		}
	case json.Number:
		if n, err := v.Int64(); err == nil && n > 0 {
			return now.Add(time.Duration(n) * time.Second)
		}
	}
	return time.Time{}
}

// describe renders a provider error without echoing its body (which could, in
// theory, carry tokens).
func describe(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := "refused"
		if re.Response != nil {
			msg = fmt.Sprintf("HTTP %d", re.Response.StatusCode)
		}
		if re.ErrorCode != "" {
			msg += " " + re.ErrorCode
		}
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		return msg
	}
	return err.Error()
}

func randomID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

var errorTmpl = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family:system-ui,sans-serif;margin:3rem">
<h1 id="error-title">{{.Title}}</h1><p id="error-message">{{.Message}}</p><p><a href="/">Back</a> · <a href="/login">Sign in again</a></p>
</body></html>
`))

func (s *Server) errorPage(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	_ = errorTmpl.Execute(w, struct{ Title, Message string }{title, msg})
}
