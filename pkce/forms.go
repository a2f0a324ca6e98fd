package pkce

import "net/url"

// The token endpoint requests of a public client (RFC 6749 §4.1.3, §6, §4.3;
// RFC 7009 §2.1). None carries a client secret: the browser cannot keep one.
// Send them as application/x-www-form-urlencoded, the only content type that
// does not force a CORS preflight.

// CodeForm is the authorization code exchange (RFC 6749 §4.1.3) with the PKCE
// verifier (RFC 7636 §4.5): grant_type=authorization_code, client_id, code,
// redirect_uri and code_verifier. A code is one-time: never send a form twice.
func CodeForm(clientID, code, redirectURI, verifier string) url.Values {
	return url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {clientID},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
	}
}

// RefreshForm is a refresh request (RFC 6749 §6): grant_type=refresh_token,
// client_id, refresh_token, and scope only when scope is not empty (an empty
// scope keeps the originally granted one).
func RefreshForm(clientID, refreshToken, scope string) url.Values {
	v := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {clientID},
		"refresh_token": {refreshToken},
	}
	if scope != "" {
		v.Set("scope", scope)
	}
	return v
}

// PasswordForm is a Resource Owner Password Credentials request (RFC 6749
// §4.3): grant_type=password, client_id, username, password and the scope
// normalized with NormalizeScope. RFC 9700 §2.4 says this grant MUST NOT be
// used; it exists for trusted internal apps only.
func PasswordForm(clientID, username, password, scope string) url.Values {
	return url.Values{
		"grant_type": {"password"},
		"client_id":  {clientID},
		"username":   {username},
		"password":   {password},
		"scope":      {NormalizeScope(scope)},
	}
}

// RevokeForm is a token revocation request (RFC 7009 §2.1): token, client_id
// and token_type_hint ("refresh_token" or "access_token") when hint is not
// empty.
func RevokeForm(clientID, token, hint string) url.Values {
	v := url.Values{
		"token":     {token},
		"client_id": {clientID},
	}
	if hint != "" {
		v.Set("token_type_hint", hint)
	}
	return v
}
