package token

import (
	"errors"
	"fmt"
)

// Sentinel errors of package token. Callers test for them with errors.Is; the
// errors returned by this package wrap them with %w and add detail.
var (
	// ErrInvalidToken reports a string that DecodeUnverified cannot read as a
	// JWT: empty, larger than MaxTokenSize, not three base64url parts, a header
	// or payload that is not a JSON object, or a known claim of the wrong type.
	ErrInvalidToken = errors.New("token: invalid token")
	// ErrIDTokenInvalid reports an ID token that failed one of the checks of
	// OpenID Connect Core 1.0 §3.1.3.7. Every *IDTokenError wraps it.
	ErrIDTokenInvalid = errors.New("token: id_token invalid")
	// ErrJWKS reports a JWK Set (RFC 7517 §5) that cannot be fetched or used: a
	// fetch error, a status other than 200, a body over 1 MiB, invalid JSON, or
	// no usable signing key.
	ErrJWKS = errors.New("token: cannot use the JWKS")
)

// errUnknownKey reports a kid that is not in the JWKS (even after a refetch),
// or a token without kid checked against a JWKS of several keys.
var errUnknownKey = errors.New("no key for kid")

// errKeyAlg reports an alg the JWK named by kid may not be used with (RFC 7517
// §4.4, §4.2), or an alg this package does not verify.
var errKeyAlg = errors.New("key cannot verify alg")

// Checks named by IDTokenError.Check.
const (
	CheckSignature = "signature"
	CheckAlg       = "alg"
	CheckKID       = "kid"
	CheckIssuer    = "iss"
	CheckAudience  = "aud"
	CheckAZP       = "azp"
	CheckExpiry    = "exp"
	CheckIssuedAt  = "iat"
	CheckNonce     = "nonce"
	CheckSubject   = "sub"
	CheckMalformed = "malformed"
	CheckJWKS      = "jwks"
	CheckAuthTime  = "auth_time" // see IDTokenVerifier.CheckAuthentication
	CheckACR       = "acr"
)

// IDTokenError is the error of IDTokenVerifier.Verify. Check names the check
// that failed (one of the Check* constants); Err is the cause, which may wrap
// a jwt/v5 sentinel (jwt.ErrTokenExpired …) or ErrJWKS. errors.Is(err,
// ErrIDTokenInvalid) holds for every IDTokenError.
type IDTokenError struct {
	Check string
	Err   error
}

func (e *IDTokenError) Error() string {
	msg := fmt.Sprintf("%v: %s check failed", ErrIDTokenInvalid, e.Check)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns ErrIDTokenInvalid and the cause, so that errors.Is matches
// both.
func (e *IDTokenError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrIDTokenInvalid}
	}
	return []error{ErrIDTokenInvalid, e.Err}
}

func idTokenErr(check string, format string, args ...any) *IDTokenError {
	return &IDTokenError{Check: check, Err: fmt.Errorf(format, args...)}
}
