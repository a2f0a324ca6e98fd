package pkce

import "testing"

// Benchmarks of the pure request-building and response-parsing steps, run by
// `make bench` beside the browser figures of web/bench/bench.mjs.

// BenchmarkVerifierChallenge is one login's PKCE material: a fresh verifier and
// its S256 challenge.
func BenchmarkVerifierChallenge(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		v, err := NewVerifier()
		if err != nil {
			b.Fatal(err)
		}
		if c := S256Challenge(v); len(c) != 43 {
			b.Fatalf("challenge %q", c)
		}
	}
}

// BenchmarkAuthorizeURL is the authorize URL of one login, with fresh verifier,
// state and nonce, as client.authorizeURL() builds it (storage aside).
func BenchmarkAuthorizeURL(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		v, err := NewVerifier()
		if err != nil {
			b.Fatal(err)
		}
		state, err := NewState()
		if err != nil {
			b.Fatal(err)
		}
		nonce, err := NewNonce()
		if err != nil {
			b.Fatal(err)
		}
		r := AuthorizeRequest{
			Endpoint:    "https://auth.eu.corti.app/realms/base/protocol/openid-connect/auth",
			ClientID:    "corti-demo",
			RedirectURI: "https://app.example.com/callback",
			Scope:       NormalizeScope("openid profile"),
			Challenge:   S256Challenge(v),
			State:       state,
			Nonce:       nonce,
			Prompt:      "login",
		}
		if _, err := r.URL(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseTokenResponse parses a Keycloak 26 token response.
func BenchmarkParseTokenResponse(b *testing.B) {
	body := []byte(keycloakResponse)
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := ParseTokenResponse(body); err != nil {
			b.Fatal(err)
		}
	}
}
