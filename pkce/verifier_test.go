package pkce

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// RFC 7636 Appendix B, the vector docs/corti.md quotes (openssl and x/oauth2
// agree with it).
func TestS256ChallengeRFC7636Vector(t *testing.T) {
	const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	const want = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
	if got := S256Challenge(verifier); got != want {
		t.Fatalf("S256Challenge(%q) = %q, want %q", verifier, got, want)
	}
}

func TestS256ChallengeMatchesXOAuth2(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	for i := range 1000 {
		var v string
		if i%2 == 0 {
			var err error
			if v, err = NewVerifier(); err != nil {
				t.Fatal(err)
			}
		} else { // random length 43..128 over the whole RFC 7636 alphabet
			b := make([]byte, 43+i%86)
			rand.Read(b)
			for j := range b {
				b[j] = alphabet[int(b[j])%len(alphabet)]
			}
			v = string(b)
		}
		if got, want := S256Challenge(v), oauth2.S256ChallengeFromVerifier(v); got != want {
			t.Fatalf("S256Challenge(%q) = %q, x/oauth2 says %q", v, got, want)
		}
	}
}

func TestNewVerifier(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		v, err := NewVerifier()
		if err != nil {
			t.Fatal(err)
		}
		if len(v) != 43 || !ValidVerifier(v) {
			t.Fatalf("NewVerifier() = %q: not a valid 43-character verifier", v)
		}
		if seen[v] {
			t.Fatalf("NewVerifier() repeated %q", v)
		}
		seen[v] = true
	}
}

func TestValidVerifier(t *testing.T) {
	tests := []struct {
		name string
		v    string
		want bool
	}{
		{"rfc vector", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", true},
		{"43 chars", strings.Repeat("a", 43), true},
		{"128 chars", strings.Repeat("Z", 128), true},
		{"all unreserved", "ABCXYZabcxyz0189-._~" + strings.Repeat("0", 23), true},
		{"42 chars", strings.Repeat("a", 42), false},
		{"129 chars", strings.Repeat("a", 129), false},
		{"empty", "", false},
		{"padding", strings.Repeat("a", 42) + "=", false},
		{"plus and slash (std base64)", strings.Repeat("a", 41) + "+/", false},
		{"space", strings.Repeat("a", 42) + " ", false},
		{"non-ascii", strings.Repeat("a", 41) + "é", false},
	}
	for _, tt := range tests {
		if got := ValidVerifier(tt.v); got != tt.want {
			t.Errorf("%s: ValidVerifier(%q) = %v, want %v", tt.name, tt.v, got, tt.want)
		}
	}
}

func TestStateAndNonce(t *testing.T) {
	for name, gen := range map[string]func() (string, error){"NewState": NewState, "NewNonce": NewNonce} {
		seen := make(map[string]bool)
		for range 1000 {
			s, err := gen()
			if err != nil {
				t.Fatal(err)
			}
			raw, err := base64.RawURLEncoding.DecodeString(s)
			if err != nil {
				t.Fatalf("%s() = %q: not unpadded base64url: %v", name, s, err)
			}
			if len(raw)*8 < 128 {
				t.Fatalf("%s() = %q carries %d bits, want at least 128", name, s, len(raw)*8)
			}
			if seen[s] {
				t.Fatalf("%s() repeated %q", name, s)
			}
			seen[s] = true
		}
	}
	s, _ := NewState()
	n, _ := NewNonce()
	if s == n {
		t.Fatal("state and nonce are equal")
	}
}
