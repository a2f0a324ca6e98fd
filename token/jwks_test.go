package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"math/big"
	"testing"
	"time"
)

func TestParseJWKS(t *testing.T) {
	testKeys(t)
	n := b64(rsaKey.N.Bytes())
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	x, y := make([]byte, 32), make([]byte, 32)
	ecKey.X.FillBytes(x)
	ecKey.Y.FillBytes(y)
	offCurveY := new(big.Int).Add(ecKey.Y, big.NewInt(1)).FillBytes(make([]byte, 32))
	rsaJWK := func(extra string) string { return fmt.Sprintf(`{"kty":"RSA","kid":"k","n":%q,"e":"AQAB"%s}`, n, extra) }

	tests := []struct {
		name     string
		body     string
		wantKeys int // -1: ErrJWKS
	}{
		{"Keycloak-shaped", string(standardJWKS(t)), 3},
		{"RSA without use or alg", `{"keys":[` + rsaJWK("") + `]}`, 1},
		{"use enc is skipped", `{"keys":[` + rsaJWK(`,"use":"enc"`) + `,` + rsaJWK(`,"use":"sig"`) + `]}`, 1},
		{"key_ops without verify is skipped", `{"keys":[` + rsaJWK(`,"key_ops":["encrypt"]`) + `,` + rsaJWK(`,"key_ops":["verify"]`) + `]}`, 1},
		{"unknown kty is skipped", `{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},` + rsaJWK("") + `]}`, 1},
		{"oct alone", `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`, -1},
		{"P-384 alone", fmt.Sprintf(`{"keys":[{"kty":"EC","crv":"P-384","x":%q,"y":%q}]}`,
			b64(p384.X.Bytes()), b64(p384.Y.Bytes())), -1},
		{"P-256 off the curve", fmt.Sprintf(`{"keys":[{"kty":"EC","crv":"P-256","x":%q,"y":%q}]}`, b64(x), b64(offCurveY)), -1},
		{"P-256 short coordinate", fmt.Sprintf(`{"keys":[{"kty":"EC","crv":"P-256","x":%q,"y":%q}]}`, b64(x[1:]), b64(y)), -1},
		{"RSA 1024 bits", fmt.Sprintf(`{"keys":[{"kty":"RSA","n":%q,"e":"AQAB"}]}`, b64(small.N.Bytes())), -1},
		{"RSA even exponent", fmt.Sprintf(`{"keys":[{"kty":"RSA","n":%q,"e":"AQAA"}]}`, n), -1},
		{"RSA exponent 1", fmt.Sprintf(`{"keys":[{"kty":"RSA","n":%q,"e":"AQ"}]}`, n), -1},
		{"RSA n not base64url", `{"keys":[{"kty":"RSA","n":"***","e":"AQAB"}]}`, -1},
		{"kid of the wrong type is skipped", `{"keys":[{"kty":"RSA","kid":7,"n":"x","e":"AQAB"},` + rsaJWK("") + `]}`, 1},
		{"no keys member", `{"kid":"k"}`, -1},
		{"keys is not an array", `{"keys":{}}`, -1},
		{"not JSON", `<!doctype html>`, -1},
		{"empty", ``, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := parseJWKS([]byte(tt.body))
			if tt.wantKeys < 0 {
				if !errors.Is(err, ErrJWKS) {
					t.Errorf("parseJWKS = %d keys, %v; want ErrJWKS", len(keys), err)
				}
				return
			}
			if err != nil || len(keys) != tt.wantKeys {
				t.Errorf("parseJWKS = %d keys, %v; want %d", len(keys), err, tt.wantKeys)
			}
		})
	}
}

func TestKeySetKey(t *testing.T) {
	testKeys(t)
	ks := NewKeySet("https://auth.eu.corti.app/realms/base/protocol/openid-connect/certs", newFakeFetcher(standardJWKS(t)).fetch)
	ctx := context.Background()
	tests := []struct {
		kid, alg string
		want     any   // the public key
		wantErr  error // errUnknownKey or errKeyAlg
	}{
		{"rsa-rs", "RS256", &rsaKey.PublicKey, nil},
		{"rsa-ps", "PS256", &rsaKey.PublicKey, nil},
		{"ec", "ES256", &ecKey.PublicKey, nil},
		{"rsa-rs", "PS256", nil, errKeyAlg}, // the JWK says alg RS256
		{"ec", "RS256", nil, errKeyAlg},
		{"rsa-rs", "ES256", nil, errKeyAlg},
		{"rsa-rs", "HS256", nil, errKeyAlg},
		{"rsa-rs", "none", nil, errKeyAlg},
		{"enc-1", "RS256", nil, errUnknownKey}, // an encryption key never verifies
		{"", "RS256", nil, errUnknownKey},      // several keys: kid required
		{"nope", "RS256", nil, errUnknownKey},
	}
	for _, tt := range tests {
		key, err := ks.Key(ctx, tt.kid, tt.alg)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) || key != nil {
				t.Errorf("Key(%q, %q) = %v, %v; want %v", tt.kid, tt.alg, key, err, tt.wantErr)
			}
			continue
		}
		type equaler interface {
			Equal(crypto.PublicKey) bool
		}
		if err != nil || !key.(equaler).Equal(tt.want) {
			t.Errorf("Key(%q, %q) = %v, %v; want the test key", tt.kid, tt.alg, key, err)
		}
	}
}

func TestKeySetWaiterContext(t *testing.T) {
	testKeys(t)
	f := newFakeFetcher(standardJWKS(t))
	f.delay = 100 * time.Millisecond
	ks := NewKeySet("https://jwks.example/certs", f.fetch)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := ks.Key(ctx, "ec", "ES256"); !errors.Is(err, ErrJWKS) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Key with a short context = %v; want ErrJWKS wrapping DeadlineExceeded", err)
	}
	// The fetch the first caller started goes on and serves the next one.
	if _, err := ks.Key(context.Background(), "ec", "ES256"); err != nil {
		t.Fatal(err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("%d fetches, want 1", n)
	}
}

func TestKeySetFetcherPanics(t *testing.T) {
	ks := NewKeySet("https://jwks.example/certs", func(context.Context, string) (int, []byte, error) {
		panic("JavaScript error: fetch is not defined")
	})
	if _, err := ks.Key(context.Background(), "k", "RS256"); !errors.Is(err, ErrJWKS) {
		t.Errorf("Key = %v, want ErrJWKS", err)
	}
	if _, err := NewKeySet("https://jwks.example/certs", nil).Key(context.Background(), "k", "RS256"); !errors.Is(err, ErrJWKS) {
		t.Errorf("Key without Fetcher = %v, want ErrJWKS", err)
	}
}

func TestKeySets(t *testing.T) {
	f := newFakeFetcher(nil)
	s := NewKeySets(f.fetch)
	eu := s.For("https://auth.eu.corti.app/realms/base")
	if s.For("https://auth.eu.corti.app/realms/base") != eu {
		t.Error("For returned a second KeySet for the same issuer")
	}
	if s.For("https://auth.us.corti.app/realms/base") == eu {
		t.Error("two issuers share a KeySet")
	}
	for iss, want := range map[string]string{
		"https://auth.eu.corti.app/realms/base": "https://auth.eu.corti.app/realms/base/protocol/openid-connect/certs",
		"http://127.0.0.1:8180/realms/base/":    "http://127.0.0.1:8180/realms/base/protocol/openid-connect/certs",
	} {
		if got := s.For(iss).URL(); got != want {
			t.Errorf("For(%q).URL() = %q, want %q", iss, got, want)
		}
	}
	if f.calls.Load() != 0 {
		t.Error("For fetched eagerly")
	}
}
