package auth

import "github.com/corti-auth/corti-auth/pkce"

// HandoffType is the message type of a callback handed over by a callback page
// (dist/callback.html): {type: HandoffType, url: <the callback URL>}, posted to
// the window that opened it (window.opener or window.parent, with the page's
// own origin as the exact target origin) and on the same-origin
// BroadcastChannel HandoffChannel (for a popup whose opener a provider's
// Cross-Origin-Opener-Policy severed).
const (
	HandoffType    = "corti-auth:callback"
	HandoffChannel = "corti-auth:callback"
)

// HandoffURL reports whether a handed-over message (its type and url) is the
// callback of the login started with state, and returns that URL. Anything
// else — another type, a URL that is no callback, the callback of another
// login — is not ours (false), and the waiting login keeps waiting.
func HandoffURL(typ, rawURL, state string) (string, bool) {
	if typ != HandoffType || state == "" {
		return "", false
	}
	cb, err := pkce.ParseCallback(rawURL)
	if err != nil || cb.State != state {
		return "", false
	}
	return rawURL, true
}
