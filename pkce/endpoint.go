package pkce

import (
	"fmt"
	"net/url"
	"strings"
)

// parseURL parses raw with ParseURL; what names the parameter (authorize
// endpoint, redirect_uri, ...) in errors, which wrap ErrInvalidParam.
func parseURL(what, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: %s is empty", ErrInvalidParam, what)
	}
	u, err := ParseURL(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %v", ErrInvalidParam, what, err)
	}
	return u, nil
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
