package auth

import (
	"context"
	"net/url"
	"strings"

	"github.com/corti-auth/corti-auth/pkce"
)

// The authorization code leaves the address bar before it is exchanged
// (RFC 9700 §4.2.4): while the token request and the JWKS fetch run (up to
// 15 s each), it would otherwise sit in location, the history and any Referer.

// HandleCallbackAt is HandleCallback for a page: when rawURL is the page's
// address (here), setAddress is first called with the address cleaned of the
// authorization response (CleanCallbackURL), before anything else happens; a
// callback URL that cannot be parsed is cleaned all the same. The error never
// carries the code or the state: they are redacted from its message.
func (c *Client) HandleCallbackAt(ctx context.Context, rawURL, here string, setAddress func(clean string)) (*Result, error) {
	if rawURL == here && setAddress != nil {
		if clean := CleanCallbackURL(rawURL); clean != rawURL {
			setAddress(clean)
		}
	}
	res, err := c.HandleCallback(ctx, rawURL)
	if err != nil {
		return nil, redactCallback(err, rawURL)
	}
	return res, nil
}

// CleanCallbackURL is rawURL without the authorization response parameters in
// its query and fragment, the path and every other parameter kept byte for
// byte (pkce.CleanCallback): unlike pkce.StripCallback it also cleans a URL
// that net/url cannot parse.
func CleanCallbackURL(rawURL string) string { return pkce.CleanCallback(rawURL) }

// secretValues are the code and state of rawURL, as written and unescaped,
// read without net/url (which may refuse the URL).
func secretValues(rawURL string) []string {
	var out []string
	rest, frag, _ := strings.Cut(rawURL, "#")
	_, query, _ := strings.Cut(rest, "?")
	for _, part := range []string{query, frag} {
		for pair := range strings.SplitSeq(part, "&") {
			name, value, ok := strings.Cut(pair, "=")
			if !ok || value == "" {
				continue
			}
			if n, err := url.QueryUnescape(name); err == nil {
				name = n
			}
			if name != "code" && name != "state" {
				continue
			}
			out = append(out, value)
			if v, err := url.QueryUnescape(value); err == nil && v != value {
				out = append(out, v)
			}
			if v := url.QueryEscape(value); v != value {
				out = append(out, v)
			}
		}
	}
	return out
}

// minSecret is the shortest value redacted: replacing a one-letter "code"
// everywhere would garble the message, and a real code is much longer.
const minSecret = 8

// redactCallback returns err with the code and state of rawURL replaced in its
// message; errors.Is and errors.As still see err.
func redactCallback(err error, rawURL string) error {
	msg := err.Error()
	red := msg
	for _, s := range secretValues(rawURL) {
		if len(s) >= minSecret {
			red = strings.ReplaceAll(red, s, "[redacted]")
		}
	}
	if red == msg {
		return err
	}
	return &redactedError{msg: red, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
