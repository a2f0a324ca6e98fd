package token

import (
	"context"
	"crypto/subtle"
	"errors"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// defaultLeeway is the clock skew allowed on exp, iat and nbf.
const defaultLeeway = 60 * time.Second

// IDTokenVerifier verifies OpenID Connect ID tokens of one Keycloak realm and
// one client, following OpenID Connect Core 1.0 §3.1.3.7.
type IDTokenVerifier struct {
	Issuer   string           // the realm issuer; iss must equal it exactly
	ClientID string           // must be in aud, and equal azp when azp is present
	Keys     *KeySet          // the issuer's JWKS
	Now      func() time.Time // the clock; nil means time.Now
	Leeway   time.Duration    // allowed clock skew; 0 (or less) means 60 s
}

// IDToken is a verified ID token.
type IDToken struct {
	Subject           string
	Nonce             string
	Email             string
	Name              string
	PreferredUsername string
	SessionID         string // sid
	Audience          []string
	AuthorizedParty   string // azp
	IssuedAt          time.Time
	ExpiresAt         time.Time
	AuthTime          time.Time      // auth_time; zero when absent
	ACR               string         // acr; "" when absent
	Raw               map[string]any // every claim as decoded (JSON numbers as float64)
}

// Verify verifies the ID token raw and returns its claims (OpenID Connect Core
// 1.0 §3.1.3.7). It checks, in this order: the size (MaxTokenSize) and shape
// ("malformed", also for a JWS header with crit: RFC 7515 §4.1.11, no extension
// is understood here); alg is RS256, PS256 or ES256, never none or HMAC (item 6,
// "alg"); the kid header names a key of Keys — it may be absent only when the
// JWKS holds a single key ("kid", "jwks" when the JWKS cannot be fetched); the
// signature (item 6, "signature"); iss equals v.Issuer (item 2, "iss"); aud
// contains v.ClientID (item 3, "aud"); exp is present and not past, iat is
// present and not in the future, nbf if present is not in the future, each with
// v.Leeway (items 9-10, "exp", "iat"); sub is present ("sub"); azp equals
// v.ClientID when present, and is present when aud has several entries (items
// 4-5, "azp"); and, when expectedNonce is not empty, nonce is present and equal
// to it (item 11, "nonce"). A claim of the wrong JSON type (auth_time not a
// number, acr not a string included) is "malformed". auth_time and acr are
// checked against the request by CheckAuthentication.
//
// Every error is an *IDTokenError naming the failed check; it wraps
// ErrIDTokenInvalid and its cause (a jwt/v5 sentinel, or ErrJWKS).
func (v *IDTokenVerifier) Verify(ctx context.Context, raw, expectedNonce string) (*IDToken, error) {
	switch {
	case v.Issuer == "":
		return nil, idTokenErr(CheckIssuer, "the verifier has no Issuer")
	case v.ClientID == "":
		return nil, idTokenErr(CheckAudience, "the verifier has no ClientID")
	case v.Keys == nil:
		return nil, idTokenErr(CheckJWKS, "%w: the verifier has no KeySet", ErrJWKS)
	case len(raw) > MaxTokenSize:
		return nil, idTokenErr(CheckMalformed, "%w: %d bytes, more than %d", jwt.ErrTokenMalformed, len(raw), MaxTokenSize)
	}
	now, leeway := v.Now, v.Leeway
	if now == nil {
		now = time.Now
	}
	if leeway <= 0 {
		leeway = defaultLeeway
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods(verifyAlgs),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(now),
		jwt.WithIssuer(v.Issuer),
		jwt.WithAudience(v.ClientID),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
		// A base64url segment has one canonical form (RFC 7515 §2, §C): with
		// lax decoding, flipping the unused low bits of the signature's last
		// character would give a second string that verifies.
		jwt.WithStrictDecoding(),
	)
	var keyErr error
	claims := jwt.MapClaims{}
	tok, err := parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) {
		if _, ok := t.Header["crit"]; ok {
			// RFC 7515 §4.1.11: the extensions crit lists must be understood;
			// this module understands none.
			keyErr = idTokenErr(CheckMalformed, "the JWS header has crit %v: no extension is supported", t.Header["crit"])
			return nil, keyErr
		}
		kid, ok := t.Header["kid"].(string)
		if _, present := t.Header["kid"]; present && !ok {
			keyErr = idTokenErr(CheckMalformed, "kid header is not a string")
			return nil, keyErr
		}
		key, err := v.Keys.Key(ctx, kid, t.Method.Alg())
		if err != nil {
			keyErr = &IDTokenError{Check: keyCheck(err), Err: err}
		}
		return key, err
	})
	if keyErr != nil {
		return nil, keyErr
	}
	if err != nil {
		return nil, &IDTokenError{Check: parseCheck(tok, claims, err), Err: err}
	}
	return v.checkClaims(claims, expectedNonce)
}

// keyCheck names the check a KeySet.Key error failed.
func keyCheck(err error) string {
	switch {
	case errors.Is(err, ErrJWKS):
		return CheckJWKS
	case errors.Is(err, errKeyAlg):
		return CheckAlg
	}
	return CheckKID
}

// parseCheck names the check a jwt.Parser error failed. When several claims
// fail, the first of malformed, iss, aud, exp, iat wins.
func parseCheck(tok *jwt.Token, claims jwt.MapClaims, err error) string {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return CheckMalformed
	case tok == nil || tok.Method == nil || !slices.Contains(verifyAlgs, tok.Method.Alg()):
		// alg missing, unknown, none, HS256 …: refused before any key is used.
		return CheckAlg
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return CheckSignature
	case errors.Is(err, jwt.ErrInvalidType):
		return CheckMalformed
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return CheckIssuer
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return CheckAudience
	case errors.Is(err, jwt.ErrTokenExpired):
		return CheckExpiry
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued), errors.Is(err, jwt.ErrTokenNotValidYet):
		return CheckIssuedAt
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		// The validator names the missing claim only in its message.
		if iss, _ := claims.GetIssuer(); iss == "" {
			return CheckIssuer
		}
		if exp, _ := claims.GetExpirationTime(); exp == nil {
			return CheckExpiry
		}
		return CheckAudience
	}
	return CheckMalformed
}

// checkClaims makes the checks jwt.Parser has no option for.
func (v *IDTokenVerifier) checkClaims(claims jwt.MapClaims, expectedNonce string) (*IDToken, error) {
	r := claimReader{m: claims}
	t := &IDToken{
		Subject:           r.str("sub"),
		Nonce:             r.str("nonce"),
		Email:             r.str("email"),
		Name:              r.str("name"),
		PreferredUsername: r.str("preferred_username"),
		SessionID:         r.str("sid"),
		AuthorizedParty:   r.str("azp"),
		ACR:               r.str("acr"),
		Raw:               map[string]any(claims),
	}
	if _, ok := claims["auth_time"]; ok {
		t.AuthTime = time.Unix(r.seconds("auth_time"), 0)
	}
	_, hasAZP := claims["azp"]
	if r.err != nil {
		return nil, &IDTokenError{Check: CheckMalformed, Err: r.err}
	}
	aud, _ := claims.GetAudience() // type checked by the parser
	t.Audience = aud
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime() // required by the parser
	switch {
	case iat == nil:
		// OpenID Connect Core §2: iat is REQUIRED.
		return nil, idTokenErr(CheckIssuedAt, "%w: iat", jwt.ErrTokenRequiredClaimMissing)
	case t.Subject == "":
		return nil, idTokenErr(CheckSubject, "%w: sub", jwt.ErrTokenRequiredClaimMissing)
	case hasAZP && t.AuthorizedParty != v.ClientID:
		return nil, idTokenErr(CheckAZP, "azp %q is not the client %q", t.AuthorizedParty, v.ClientID)
	case !hasAZP && len(aud) > 1:
		return nil, idTokenErr(CheckAZP, "aud has %d entries and there is no azp", len(aud))
	case expectedNonce != "" && t.Nonce == "":
		return nil, idTokenErr(CheckNonce, "the ID token carries no nonce")
	case expectedNonce != "" && subtle.ConstantTimeCompare([]byte(t.Nonce), []byte(expectedNonce)) != 1:
		return nil, idTokenErr(CheckNonce, "nonce does not match the authorization request")
	}
	t.IssuedAt, t.ExpiresAt = iat.Time, exp.Time
	return t, nil
}
