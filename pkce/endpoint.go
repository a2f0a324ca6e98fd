package pkce

import (
	"fmt"
	"net/url"
	"strings"
)

// parseEndpoint parses an authorization-server endpoint (authorize, end
// session). It must be an absolute https URL without a fragment (RFC 6749
// §3.1); plain http is allowed only for a loopback host (127.0.0.1, localhost,
// [::1]) so that the local development provider works. what names the field in
// errors, which wrap ErrInvalidParam.
func parseEndpoint(what, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: %s is empty", ErrInvalidParam, what)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %q is not a URL", ErrInvalidParam, what, raw)
	}
	if u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%w: %s %q is not an absolute URL", ErrInvalidParam, what, raw)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("%w: %s %q uses http; only https is allowed except for 127.0.0.1, localhost and [::1]", ErrInvalidParam, what, raw)
		}
	default:
		return nil, fmt.Errorf("%w: %s %q is not an http(s) URL", ErrInvalidParam, what, raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("%w: %s %q has a fragment", ErrInvalidParam, what, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: %s %q carries user info", ErrInvalidParam, what, raw)
	}
	return u, nil
}

func isLoopback(host string) bool {
	return host == "127.0.0.1" || host == "::1" || strings.EqualFold(host, "localhost")
}

// checkAbsolute reports an error wrapping ErrInvalidParam unless raw is an
// absolute URL with a scheme and a host and without a fragment (RFC 6749 §3.1.2
// for redirect_uri; OIDC RP-Initiated Logout §3 for post_logout_redirect_uri).
func checkAbsolute(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fmt.Errorf("%w: %s %q is not an absolute URL", ErrInvalidParam, what, raw)
	}
	if strings.Contains(raw, "#") {
		return fmt.Errorf("%w: %s %q has a fragment", ErrInvalidParam, what, raw)
	}
	return nil
}

// param is one query parameter, kept in order.
type param struct{ key, value string }

// withParams returns u with params appended to its existing query, which is
// kept byte for byte. Values are escaped with %20 for spaces, the form RFC 3986
// and the OIDC examples use.
func withParams(u *url.URL, params []param) string {
	var b strings.Builder
	b.WriteString(u.RawQuery)
	for _, p := range params {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(escape(p.key))
		b.WriteByte('=')
		b.WriteString(escape(p.value))
	}
	v := *u
	v.RawQuery = b.String()
	v.ForceQuery = false
	return v.String()
}

func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
