package token

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenSize is the largest JWT, in bytes, that DecodeUnverified and
// IDTokenVerifier.Verify accept. Keycloak tokens are a few KiB.
const MaxTokenSize = 64 << 10

// serviceAccountPrefix is how Keycloak names the user behind a client's service
// account: preferred_username = "service-account-<client id>".
const serviceAccountPrefix = "service-account-"

// Claims is what decodeToken returns to JS; the field names mirror the JS keys.
type Claims struct {
	Environment       string // "eu", "us", "beta-eu" … from iss; "" for a non-Corti issuer
	Tenant            string // realm name from any …/realms/<tenant> issuer; "" otherwise
	Issuer            string
	Subject           string
	ClientID          string // azp
	ExpiresAt         int64  // exp, epoch seconds; 0 when absent
	IssuedAt          int64  // iat, epoch seconds; 0 when absent
	Email             string
	Name              string
	PreferredUsername string
	Scope             string
	AuthTime          int64  // auth_time, epoch seconds: when the user last authenticated actively; 0 when absent
	ACR               string // acr: the authentication context class the provider says it satisfied
	IsServiceAccount  bool
	Raw               map[string]any // every claim as decoded (JSON numbers as float64)
}

// ExpiresTime returns exp as a time and true, or the zero time and false when
// the token carries no exp.
func (c *Claims) ExpiresTime() (time.Time, bool) {
	if c.ExpiresAt == 0 {
		return time.Time{}, false
	}
	return time.Unix(c.ExpiresAt, 0), true
}

// unverifiedParser only decodes; it never sees a key.
var unverifiedParser = jwt.NewParser()

// DecodeUnverified decodes the claims of a JWT WITHOUT VERIFYING ITS SIGNATURE.
//
// UNVERIFIED: anyone can forge every claim it returns. Use it for display, for
// scheduling a refresh from exp, and for refusing service-account tokens —
// never for an authorization decision. To trust an ID token, use
// IDTokenVerifier.Verify.
//
// It uses jwt.Parser.ParseUnverified with jwt.MapClaims. Every error wraps
// ErrInvalidToken: raw is empty or longer than MaxTokenSize bytes (checked
// before anything else is read); raw is not three base64url parts; the header
// or the payload is not a JSON object; or a claim this package reads has the
// wrong JSON type (exp, iat, nbf not numbers; iss, sub, azp, email, name,
// preferred_username, scope, sid, session_state not strings; aud neither a
// string nor an array of strings). An alg this package does not know is not
// an error here: the signature is not checked anyway.
//
// IsServiceAccount is true when preferred_username starts with
// "service-account-", or when the token names no user at all: preferred_username,
// email, name, sid and session_state all absent or empty. Keycloak issues the
// second shape for client credentials when the "profile" scope mapper is off.
// A user token stripped of all five (a Keycloak "lightweight" access token)
// would also count as a service account: the refusal errs on the safe side.
func DecodeUnverified(raw string) (*Claims, error) {
	if raw == "" {
		return nil, fmt.Errorf("%w: empty", ErrInvalidToken)
	}
	if len(raw) > MaxTokenSize {
		return nil, fmt.Errorf("%w: %d bytes, more than %d", ErrInvalidToken, len(raw), MaxTokenSize)
	}
	mc := jwt.MapClaims{}
	tok, parts, err := unverifiedParser.ParseUnverified(raw, mc)
	switch {
	case err == nil:
	case tok != nil && parts != nil && tok.Method == nil && errors.Is(err, jwt.ErrTokenUnverifiable):
		// Unknown or missing alg: the claims are decoded; still insist that
		// the signature part is base64url, as ParseUnverified would have.
		if _, err := unverifiedParser.DecodeSegment(parts[2]); err != nil {
			return nil, fmt.Errorf("%w: signature: %w", ErrInvalidToken, err)
		}
	default:
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if tok.Header == nil {
		return nil, fmt.Errorf("%w: header is not a JSON object", ErrInvalidToken)
	}
	if len(mc) == 0 {
		// json.Unmarshal of "null" into a map leaves it empty without error.
		seg, err := unverifiedParser.DecodeSegment(parts[1])
		if err != nil || !bytes.HasPrefix(bytes.TrimLeft(seg, " \t\r\n"), []byte("{")) {
			return nil, fmt.Errorf("%w: payload is not a JSON object", ErrInvalidToken)
		}
	}
	return claimsFrom(mc)
}

func claimsFrom(mc jwt.MapClaims) (*Claims, error) {
	r := claimReader{m: mc}
	c := &Claims{
		Issuer:            r.str("iss"),
		Subject:           r.str("sub"),
		ClientID:          r.str("azp"),
		Email:             r.str("email"),
		Name:              r.str("name"),
		PreferredUsername: r.str("preferred_username"),
		Scope:             r.str("scope"),
		ExpiresAt:         r.seconds("exp"),
		IssuedAt:          r.seconds("iat"),
		AuthTime:          r.seconds("auth_time"),
		ACR:               r.str("acr"),
		Raw:               map[string]any(mc),
	}
	sid, sessionState := r.str("sid"), r.str("session_state")
	r.seconds("nbf")
	if _, err := mc.GetAudience(); err != nil {
		r.fail("aud", err)
	}
	if v, ok := mc["aud"]; ok {
		switch v.(type) {
		case string, []any:
		default:
			r.fail("aud", fmt.Errorf("%T is neither a string nor an array", v))
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	c.Environment, c.Tenant = ParseIssuer(c.Issuer)
	c.IsServiceAccount = strings.HasPrefix(c.PreferredUsername, serviceAccountPrefix) ||
		c.PreferredUsername == "" && c.Email == "" && c.Name == "" && sid == "" && sessionState == ""
	return c, nil
}

// claimReader reads typed claims and keeps the first type error.
type claimReader struct {
	m   jwt.MapClaims
	err error
}

func (r *claimReader) fail(name string, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: claim %q: %w", ErrInvalidToken, name, err)
	}
}

func (r *claimReader) str(name string) string {
	v, ok := r.m[name]
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail(name, fmt.Errorf("%T is not a string", v))
	}
	return s
}

// seconds reads a NumericDate (RFC 7519 §2) as whole epoch seconds.
func (r *claimReader) seconds(name string) int64 {
	v, ok := r.m[name]
	if !ok {
		return 0
	}
	f, ok := v.(float64)
	if !ok {
		r.fail(name, fmt.Errorf("%T is not a number", v))
		return 0
	}
	// Beyond ±2^53 seconds a float64 is no longer a date, and converting an
	// out-of-range float to int64 is implementation-defined.
	if math.Abs(f) > 1<<53 {
		r.fail(name, fmt.Errorf("%g is out of range", f))
		return 0
	}
	return int64(f)
}

// ParseIssuer returns the Corti environment and the Keycloak realm (tenant) of
// an issuer. https://auth.eu.corti.app/realms/base gives ("eu", "base"); the
// host may also start with keycloak., and the environment may hold dashes
// (beta-eu). Any other http or https issuer ending in /realms/<tenant>, with an
// optional trailing slash, gives ("", tenant); anything else gives ("", "").
// The tenant is returned as it appears in the URL, not percent-decoded.
//
// It matches by hand what the patterns
// ^https://(?:keycloak|auth)\.([^./]+)\.corti\.app/realms/([^/]+)/?$ and
// ^https?://[^/]+/(?:.*/)?realms/([^/]+)/?$ describe (package regexp would add
// about 70 KB brotli to the wasm).
func ParseIssuer(iss string) (environment, tenant string) {
	if rest, ok := strings.CutPrefix(iss, "https://"); ok {
		for _, host := range []string{"auth.", "keycloak."} {
			r, ok := strings.CutPrefix(rest, host)
			if !ok {
				continue
			}
			env, t, ok := strings.Cut(r, ".corti.app/realms/")
			if ok && env != "" && !strings.ContainsAny(env, "./") {
				if t = strings.TrimSuffix(t, "/"); t != "" && !strings.Contains(t, "/") {
					return env, t
				}
			}
		}
	}
	rest, ok := strings.CutPrefix(iss, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(iss, "http://"); !ok {
			return "", ""
		}
	}
	host, path, ok := strings.Cut(rest, "/")
	if !ok || host == "" {
		return "", ""
	}
	path = strings.TrimSuffix(path, "/")
	t := path[strings.LastIndexByte(path, '/')+1:]
	prefix, ok := strings.CutSuffix(path[:len(path)-len(t)], "realms/")
	if t == "" || !ok || (prefix != "" && !strings.HasSuffix(prefix, "/")) || strings.Contains(prefix, "\n") {
		return "", ""
	}
	return "", t
}

// Decoded is c as decodeToken() returns it to JavaScript: the contract's key
// names (the DecodedToken interface of corti-auth.d.ts), the raw claims under
// "claims".
func (c *Claims) Decoded() map[string]any {
	return map[string]any{
		"environment":       c.Environment,
		"tenant":            c.Tenant,
		"issuer":            c.Issuer,
		"subject":           c.Subject,
		"clientId":          c.ClientID,
		"expiresAt":         c.ExpiresAt,
		"issuedAt":          c.IssuedAt,
		"email":             c.Email,
		"name":              c.Name,
		"preferredUsername": c.PreferredUsername,
		"scope":             c.Scope,
		"authTime":          c.AuthTime,
		"acr":               c.ACR,
		"isServiceAccount":  c.IsServiceAccount,
		"claims":            c.Raw,
	}
}
