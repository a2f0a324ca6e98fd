package pkce

import (
	"fmt"
	"net/url"
	"strings"
)

// URLError reports a URL that the module's URL policy refuses. Reason says why
// and reads as the rest of a sentence after the quoted URL.
type URLError struct {
	URL    string
	Reason string
}

func (e *URLError) Error() string { return fmt.Sprintf("%q %s", e.URL, e.Reason) }

// ParseURL parses raw under the one URL policy of this module, used for every
// URL the module talks to or sends the browser to: the authorization, token and
// end-session endpoints, redirect_uri, post_logout_redirect_uri, authBaseURL and
// the Assistant base URL. The URL must
//
//   - be absolute, with a scheme and a host (RFC 3986 §4.3), not opaque
//     ("https:host", "javascript:…");
//   - use https, or http only for a loopback host (see IsLoopback) so that a local
//     development provider works — RFC 9700 §2.6 and RFC 8252 §8.3 allow plain
//     http only where the traffic cannot leave the machine;
//   - carry no user info ("https://user@host"), which would hide the real host
//     from a reader;
//   - carry no fragment, not even an empty "#" (RFC 6749 §3.1 and §3.1.2).
//
// A query is allowed (an endpoint keeps its own). It returns a *URLError.
func ParseURL(raw string) (*url.URL, error) {
	bad := func(reason string) (*url.URL, error) { return nil, &URLError{URL: raw, Reason: reason} }
	if raw == "" {
		return bad("is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad("is not a URL")
	}
	if u.Scheme == "" || u.Opaque != "" || u.Host == "" {
		return bad("is not an absolute URL")
	}
	switch u.Scheme { // url.Parse lower-cases the scheme
	case "https":
	case "http":
		if !IsLoopback(u.Hostname()) {
			return bad("uses http: only https URLs are allowed, and http only on 127.0.0.1, localhost or [::1]; use https")
		}
	default:
		return bad("is not an http(s) URL; use https")
	}
	if u.User != nil {
		return bad("carries user info")
	}
	// Test the raw string: "https://h#" parses with an empty fragment.
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return bad("has a fragment")
	}
	return u, nil
}

// ParseBaseURL is ParseURL for a base URL that paths are appended to
// (authBaseURL, the Assistant base URL): it also refuses a query, even an empty
// "?", which would swallow the appended path.
func ParseBaseURL(raw string) (*url.URL, error) {
	if strings.ContainsAny(raw, "?#") {
		return nil, &URLError{URL: raw, Reason: "has a query or fragment: a base URL has no query or fragment"}
	}
	return ParseURL(raw)
}

// IsLoopback reports whether host, as url.URL.Hostname returns it (IPv6 without
// brackets), names this machine: 127.0.0.1, ::1, or localhost in any letter case
// (host names are case-insensitive, RFC 4343, and browsers lower-case them).
//
// Nothing else counts, on purpose: not other 127/8 addresses or other spellings
// of ::1, which a browser would serialise differently from what was configured;
// not "localhost." or *.localhost, which not every resolver pins to the loopback
// interface; not look-alikes such as localhost.example or 127.0.0.1.nip.io.
func IsLoopback(host string) bool {
	return host == "127.0.0.1" || host == "::1" || strings.EqualFold(host, "localhost")
}
