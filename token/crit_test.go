package token

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// TestVerifyRefusesCrit: a JWS header with crit names extensions the
// recipient must understand (RFC 7515 §4.1.11); this module understands none,
// so such a token is refused even when its signature and claims are good.
func TestVerifyRefusesCrit(t *testing.T) {
	testKeys(t)
	for _, crit := range []any{[]string{"exp"}, []string{"http://example.com/ext"}, []string{}, "b64"} {
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, idClaims())
		tok.Header["kid"] = "rsa-rs"
		tok.Header["crit"] = crit
		if c, ok := crit.([]string); ok && len(c) > 0 {
			tok.Header[c[0]] = true
		}
		raw, err := tok.SignedString(rsaKey)
		if err != nil {
			t.Fatal(err)
		}
		v := newTestVerifier(newFakeFetcher(standardJWKS(t)), &clock{now: testNow})
		got, err := v.Verify(context.Background(), raw, testNonce)
		var ie *IDTokenError
		if !errors.As(err, &ie) || ie.Check != CheckMalformed || !strings.Contains(err.Error(), "crit") {
			t.Errorf("crit %v: Verify = %v, %v; want a %q error naming crit", crit, got, err, CheckMalformed)
		}
	}
}
