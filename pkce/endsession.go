package pkce

import "fmt"

// EndSession is an OpenID Connect RP-Initiated Logout 1.0 request (§2):
// navigating to its URL ends the Keycloak session.
type EndSession struct {
	Endpoint              string // …/protocol/openid-connect/logout
	IDTokenHint           string // the ID token of the session (recommended)
	ClientID              string // required by Keycloak when there is no id_token_hint
	PostLogoutRedirectURI string // optional; must be registered for the client
	State                 string // optional; returned on the post-logout redirect
}

// URL returns the end-session URL with id_token_hint, client_id,
// post_logout_redirect_uri and state, each only when set, appended to the
// Endpoint's existing query. It returns an error wrapping ErrInvalidParam when
// Endpoint or PostLogoutRedirectURI breaks the URL policy of ParseURL (absolute
// https, http only on a loopback host), or PostLogoutRedirectURI is set
// without IDTokenHint or ClientID (the provider could not check it, §3).
func (e EndSession) URL() (string, error) {
	u, err := parseURL("end session endpoint", e.Endpoint)
	if err != nil {
		return "", err
	}
	if e.PostLogoutRedirectURI != "" {
		if _, err := parseURL("post_logout_redirect_uri", e.PostLogoutRedirectURI); err != nil {
			return "", err
		}
		if e.IDTokenHint == "" && e.ClientID == "" {
			return "", fmt.Errorf("%w: post_logout_redirect_uri needs id_token_hint or client_id", ErrInvalidParam)
		}
	}
	var params []param
	for _, p := range []param{
		{"id_token_hint", e.IDTokenHint}, {"client_id", e.ClientID},
		{"post_logout_redirect_uri", e.PostLogoutRedirectURI}, {"state", e.State},
	} {
		if p.value != "" {
			params = append(params, p)
		}
	}
	return withParams(u, params), nil
}
