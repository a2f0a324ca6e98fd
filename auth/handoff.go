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

// HandoffReplyType is the opener's answer to a popup's callback page, once it
// has used the callback: {type: HandoffReplyType, state, endSession?: {action,
// fields}}, posted to the popup (its own origin as the exact target) and on
// HandoffChannel (a popup that a Cross-Origin-Opener-Policy severed). Without
// endSession the page closes itself; with it, it first submits the
// end-session form (a POST of fields to action: reauthenticate's other user,
// whose provider session ends in that window), landing on a page that closes
// itself. A callback page that hears nothing closes itself after a while.
const HandoffReplyType = "corti-auth:callback-reply"

// HandoffReply is the message of HandoffReplyType for the login of state,
// with end (nil for none) to submit in the popup.
func HandoffReply(state string, end *EndSessionRequest) map[string]any {
	m := map[string]any{"type": HandoffReplyType, "state": state}
	if end != nil && end.Post() {
		fields := map[string]any{}
		for k, vs := range end.Form {
			if len(vs) > 0 {
				fields[k] = vs[0]
			}
		}
		m["endSession"] = map[string]any{"action": end.Action, "fields": fields}
	}
	return m
}
