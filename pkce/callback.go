package pkce

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Callback is the authorization response read from the redirect URL: RFC 6749
// §4.1.2 (code, state), §4.1.2.1 (error, error_description, error_uri), RFC 9207
// (iss) and Keycloak's session_state.
type Callback struct {
	Code, State, Iss, SessionState, Error, ErrorDescription, ErrorURI string
}

// maxCallbackURL bounds the URL ParseCallback accepts.
const maxCallbackURL = 64 << 10

// callbackParams are the authorization-response parameters; StripCallback
// removes exactly these.
var callbackParams = []string{"code", "state", "session_state", "iss", "error", "error_description", "error_uri"}

// ParseCallback reads the authorization response parameters from a redirect
// URL. They are taken from the query (response_mode=query, the default) or from
// the fragment (response_mode=fragment), never mixed: the part that carries
// state wins; when both carry state, or neither does, the query wins if it holds
// any response parameter (code, state or error), else the fragment. A URL with
// no response parameters gives a zero Callback and no error.
//
// It returns an error wrapping ErrInvalidCallback when rawURL is longer than
// 64 KiB, cannot be parsed, or repeats a response parameter with different
// values (RFC 6749 §3.1: parameters MUST NOT be included more than once;
// identical repeats are tolerated).
func ParseCallback(rawURL string) (Callback, error) {
	if len(rawURL) > maxCallbackURL {
		return Callback{}, fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidCallback, len(rawURL), maxCallbackURL)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return Callback{}, fmt.Errorf("%w: %v", ErrInvalidCallback, err)
	}
	query, qerr := url.ParseQuery(u.RawQuery)
	frag, ferr := url.ParseQuery(u.EscapedFragment())
	if !isResponse(frag) {
		frag = nil // a fragment that is a route (#/home) or an anchor, not parameters
	} else if ferr != nil {
		return Callback{}, fmt.Errorf("%w: fragment: %v", ErrInvalidCallback, ferr)
	}
	if qerr != nil && (isResponse(query) || frag == nil) {
		return Callback{}, fmt.Errorf("%w: query: %v", ErrInvalidCallback, qerr)
	}
	src := query
	switch {
	case frag == nil:
	case !isResponse(query):
		src = frag
	case !query.Has("state") && frag.Has("state"):
		src = frag
	}
	var c Callback
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"code", &c.Code}, {"state", &c.State}, {"iss", &c.Iss}, {"session_state", &c.SessionState},
		{"error", &c.Error}, {"error_description", &c.ErrorDescription}, {"error_uri", &c.ErrorURI},
	} {
		vs := src[f.key]
		if len(vs) == 0 {
			continue
		}
		for _, v := range vs[1:] {
			if v != vs[0] {
				return Callback{}, fmt.Errorf("%w: parameter %s repeated with different values", ErrInvalidCallback, f.key)
			}
		}
		*f.dst = vs[0]
	}
	return c, nil
}

func isResponse(v url.Values) bool {
	return v.Has("code") || v.Has("state") || v.Has("error")
}

// IsCallback reports whether rawURL carries an authorization response: a
// state plus a code or an error. It is false for any URL ParseCallback refuses.
func IsCallback(rawURL string) bool {
	c, err := ParseCallback(rawURL)
	return err == nil && c.State != "" && (c.Code != "" || c.Error != "")
}

// Err returns the authorization server's error answer (RFC 6749 §4.1.2.1) as an
// *OAuthError with Status 0, or nil when the callback carries no error.
func (c Callback) Err() error {
	if c.Error == "" {
		return nil
	}
	return &OAuthError{ErrorCode: c.Error, Description: c.ErrorDescription, URI: c.ErrorURI}
}

// StripCallback returns rawURL without the response parameters (code, state,
// session_state, iss, error, error_description, error_uri) in its query and
// fragment, keeping the path and every other parameter byte for byte; an emptied
// query or fragment loses its "?" or "#". The result is meant for
// history.replaceState, so a reload or a shared link never replays the code.
// It returns an error wrapping ErrInvalidCallback when rawURL is longer than
// 64 KiB or cannot be parsed.
func StripCallback(rawURL string) (string, error) {
	if len(rawURL) > maxCallbackURL {
		return "", fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidCallback, len(rawURL), maxCallbackURL)
	}
	if _, err := url.Parse(rawURL); err != nil {
		return "", fmt.Errorf("%w: %v", ErrInvalidCallback, err)
	}
	return CleanCallback(rawURL), nil
}

// CleanCallback is StripCallback without its checks: it reads rawURL as text,
// not through net/url, so it also cleans a URL that net/url refuses (a fragment
// route with a stray %, an oversized URL). The browser's address bar holds such
// URLs, and the code must leave them too.
func CleanCallback(rawURL string) string {
	rest, frag, hasFrag := strings.Cut(rawURL, "#")
	base, query, hasQuery := strings.Cut(rest, "?")
	out := base
	if hasQuery {
		if q := stripParams(query); q != "" {
			out += "?" + q
		}
	}
	if hasFrag {
		if f := stripParams(frag); f != "" {
			out += "#" + f
		}
	}
	return out
}

// stripParams drops the &-separated pairs whose name (unescaped where it can
// be, as written where it cannot) is a response parameter, and keeps the
// others unchanged.
func stripParams(raw string) string {
	var kept []string
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		name, _, _ := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if slices.Contains(callbackParams, name) {
			continue
		}
		kept = append(kept, pair)
	}
	return strings.Join(kept, "&")
}
