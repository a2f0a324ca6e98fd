package pkce

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// AuthorizeRequest is an OpenID Connect authorization request with PKCE
// (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1). response_type is always
// "code" and code_challenge_method always "S256"; neither can be changed.
type AuthorizeRequest struct {
	Endpoint    string            // full URL of …/protocol/openid-connect/auth
	ClientID    string            // public client id
	RedirectURI string            // registered, absolute callback URL
	Scope       string            // normalized with NormalizeScope
	Challenge   string            // S256Challenge(verifier)
	State       string            // NewState()
	Nonce       string            // NewNonce()
	Prompt      string            // optional: space-separated none|login|consent|select_account
	LoginHint   string            // optional → login_hint
	UILocales   string            // optional → ui_locales
	MaxAge      *int64            // optional → max_age: seconds since the last active authentication; 0 asks for a new one
	ACRValues   string            // optional → acr_values: space-separated, in order of preference
	Extra       map[string]string // optional extra parameters (kc_idp_hint, ...)
}

// reservedParams are set from the AuthorizeRequest fields only; Extra and the
// endpoint's own query may not carry them.
var reservedParams = []string{
	"response_type", "client_id", "redirect_uri", "scope", "code_challenge",
	"code_challenge_method", "state", "nonce", "prompt", "login_hint", "ui_locales",
}

// forbiddenParams never belong in a front-channel request: the verifier would
// defeat PKCE, and secrets never live in a browser.
var forbiddenParams = []string{"code_verifier", "client_secret"}

var validPrompts = []string{"none", "login", "consent", "select_account"}

// URL returns the authorize URL: the Endpoint with its existing query kept and
// the request parameters appended in a fixed order (Extra sorted by key).
//
// It returns an error wrapping ErrInvalidParam, naming the offending field or
// parameter, when Endpoint or RedirectURI breaks the URL policy of ParseURL
// (absolute https, http only on a loopback host, no user info, no fragment);
// ClientID, RedirectURI, Challenge, State or Nonce is empty; Challenge is
// not an S256 challenge (43 base64url characters); Prompt holds anything but
// none, login, consent and select_account, or none with another value; MaxAge
// is negative; Extra (or the Endpoint's query) sets a reserved parameter,
// code_verifier or client_secret, or sets max_age or acr_values while the
// field of that name is set too. response_type other than code is refused with "only
// response_type=code is supported (Authorization Code + PKCE)", and
// code_challenge_method=plain with "plain PKCE is refused; S256 is always used".
func (r AuthorizeRequest) URL() (string, error) {
	u, err := parseURL("authorize endpoint", r.Endpoint)
	if err != nil {
		return "", err
	}
	for _, f := range []struct{ name, value string }{
		{"client_id", r.ClientID}, {"redirect_uri", r.RedirectURI},
		{"code_challenge", r.Challenge}, {"state", r.State}, {"nonce", r.Nonce},
	} {
		if f.value == "" {
			return "", fmt.Errorf("%w: %s is empty", ErrInvalidParam, f.name)
		}
	}
	if _, err := parseURL("redirect_uri", r.RedirectURI); err != nil {
		return "", err
	}
	if !isS256Challenge(r.Challenge) {
		return "", fmt.Errorf("%w: code_challenge %q is not an S256 challenge", ErrInvalidParam, r.Challenge)
	}
	if err := checkPrompt(r.Prompt); err != nil {
		return "", err
	}
	if r.MaxAge != nil && *r.MaxAge < 0 {
		return "", fmt.Errorf("%w: max_age %d is negative", ErrInvalidParam, *r.MaxAge)
	}
	for k, set := range map[string]bool{"max_age": r.MaxAge != nil, "acr_values": r.ACRValues != ""} {
		if _, dup := r.Extra[k]; dup && set {
			return "", fmt.Errorf("%w: extra parameter %s is set by its own option too", ErrInvalidParam, k)
		}
	}
	existing, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("%w: authorize endpoint query: %v", ErrInvalidParam, err)
	}
	for k, vs := range existing {
		if err := checkExtra("authorize endpoint query", k, vs[0]); err != nil {
			return "", err
		}
	}
	extraKeys := make([]string, 0, len(r.Extra))
	for k, v := range r.Extra {
		if err := checkExtra("extra parameter", k, v); err != nil {
			return "", err
		}
		extraKeys = append(extraKeys, k)
	}
	slices.Sort(extraKeys)

	params := []param{
		{"response_type", "code"},
		{"client_id", r.ClientID},
		{"redirect_uri", r.RedirectURI},
		{"scope", NormalizeScope(r.Scope)},
		{"code_challenge", r.Challenge},
		{"code_challenge_method", "S256"},
		{"state", r.State},
		{"nonce", r.Nonce},
	}
	for _, o := range []param{{"prompt", r.Prompt}, {"login_hint", r.LoginHint}, {"ui_locales", r.UILocales}} {
		if o.value != "" {
			params = append(params, o)
		}
	}
	// OIDC Core §3.1.2.1: max_age and acr_values make the ID token carry
	// auth_time and acr, which the callback then checks (§3.1.3.7 items 12-13).
	if r.MaxAge != nil {
		params = append(params, param{"max_age", strconv.FormatInt(*r.MaxAge, 10)})
	}
	if r.ACRValues != "" {
		params = append(params, param{"acr_values", strings.Join(strings.Fields(r.ACRValues), " ")})
	}
	for _, k := range extraKeys {
		params = append(params, param{k, r.Extra[k]})
	}
	return withParams(u, params), nil
}

// checkPrompt validates the OIDC prompt parameter (OIDC Core §3.1.2.1): a
// space-separated list of known values in which "none" stands alone.
func checkPrompt(prompt string) error {
	if prompt == "" {
		return nil
	}
	values := strings.Fields(prompt)
	for _, p := range values {
		if !slices.Contains(validPrompts, p) {
			return fmt.Errorf("%w: prompt %q: %q is not one of none, login, consent, select_account", ErrInvalidParam, prompt, p)
		}
	}
	if len(values) > 1 && slices.Contains(values, "none") {
		return fmt.Errorf("%w: prompt %q: none cannot be combined with other values", ErrInvalidParam, prompt)
	}
	return nil
}

// checkExtra refuses a parameter that corti-auth sets itself or that must never
// be sent from a browser.
func checkExtra(where, key, value string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: %s with an empty name", ErrInvalidParam, where)
	case key == "response_type" && value != "code":
		return fmt.Errorf("%w: %s response_type=%q: only response_type=code is supported (Authorization Code + PKCE)", ErrInvalidParam, where, value)
	case key == "code_challenge_method" && strings.EqualFold(value, "plain"):
		return fmt.Errorf("%w: %s code_challenge_method=plain: plain PKCE is refused; S256 is always used", ErrInvalidParam, where)
	case slices.Contains(reservedParams, key):
		return fmt.Errorf("%w: %s %s is set by corti-auth and cannot be overridden", ErrInvalidParam, where, key)
	case slices.Contains(forbiddenParams, key):
		return fmt.Errorf("%w: %s %s must never be sent from a browser", ErrInvalidParam, where, key)
	}
	return nil
}

// isS256Challenge reports whether c has the shape of an S256 challenge: a
// SHA-256 sum in unpadded base64url, 43 characters.
func isS256Challenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if !unreserved(c[i]) || c[i] == '.' || c[i] == '~' {
			return false
		}
	}
	return true
}
