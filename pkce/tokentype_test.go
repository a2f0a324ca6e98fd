package pkce

import (
	"errors"
	"strings"
	"testing"
)

// TestTokenType: RFC 6749 §7.1 — a client must not use a token of a type it
// does not understand. Bearer is accepted in any case (the name is
// case-insensitive, RFC 6749 §5.1); any other type is a bad response that names
// the type.
func TestTokenType(t *testing.T) {
	for _, tt := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		r, err := ParseTokenResponse([]byte(`{"access_token":"a","token_type":"` + tt + `"}`))
		if err != nil || r.TokenType != tt {
			t.Errorf("token_type %q: %v", tt, err)
		}
	}
	for _, tt := range []string{"DPoP", "mac", "N_A", "Bearer ", ""} {
		for _, f := range []func([]byte) (*TokenResponse, error){
			ParseTokenResponse,
			func(b []byte) (*TokenResponse, error) { return ParseTokenEndpointResponse(200, b) },
		} {
			_, err := f([]byte(`{"access_token":"a","token_type":"` + tt + `"}`))
			if !errors.Is(err, ErrBadResponse) || !strings.Contains(err.Error(), `"`+tt+`"`) {
				t.Errorf("token_type %q: %v, want a bad response naming it", tt, err)
			}
		}
	}
}
