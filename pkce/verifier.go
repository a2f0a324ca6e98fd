package pkce

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
)

// randomBytes is the entropy of a verifier, state and nonce: 32 bytes (256 bits)
// encode to 43 base64url characters, the RFC 7636 §4.1 minimum and its
// recommendation.
const randomBytes = 32

// NewVerifier returns a fresh PKCE code verifier (RFC 7636 §4.1): 32 bytes from
// crypto/rand, base64url-encoded without padding, 43 characters. It fails only
// when the system's random source does.
func NewVerifier() (string, error) { return random("verifier") }

// NewState returns a fresh OAuth state value of 256 random bits (RFC 6749
// §10.12 asks for a non-guessable value). It fails only when the system's random
// source does.
func NewState() (string, error) { return random("state") }

// NewNonce returns a fresh OpenID Connect nonce of 256 random bits (OIDC Core
// §3.1.2.1, §15.5.2). It fails only when the system's random source does.
func NewNonce() (string, error) { return random("nonce") }

func random(what string) (string, error) {
	b := make([]byte, randomBytes)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("pkce: generate %s: %w", what, err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// S256Challenge returns the S256 code challenge of verifier (RFC 7636 §4.2):
// BASE64URL-ENCODE(SHA256(ASCII(code_verifier))), without padding. Plain
// challenges are never produced.
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ValidVerifier reports whether v is a well-formed code verifier (RFC 7636
// §4.1): 43 to 128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
func ValidVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !unreserved(v[i]) {
			return false
		}
	}
	return true
}

// unreserved reports whether c is an RFC 3986 §2.3 unreserved character.
func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}
