package token

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// fuzzKey reads a fixed test key: the fuzz workers are separate processes,
// and the tokens seeded in one must verify in all.
func fuzzKey(f *testing.F, name string) any {
	f.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		f.Fatalf("%s: no PEM block", name)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		f.Fatal(err)
	}
	return key
}

// signingInput returns header.payload of a JWT, via the jwt package.
func signingInput(raw string) (string, bool) {
	_, parts, err := jwt.NewParser().ParseUnverified(raw, jwt.MapClaims{})
	if parts == nil || err != nil && !errors.Is(err, jwt.ErrTokenUnverifiable) {
		return "", false
	}
	return parts[0] + "." + parts[1], true
}

func FuzzVerifyIDToken(f *testing.F) {
	rsaK := fuzzKey(f, "fuzz-rsa.pem").(*rsa.PrivateKey)
	ecK := fuzzKey(f, "fuzz-ec.pem").(*ecdsa.PrivateKey)
	body := jwksBody(f,
		testJWK{kid: "rsa-rs", alg: "RS256", pub: &rsaK.PublicKey},
		testJWK{kid: "rsa-ps", alg: "PS256", pub: &rsaK.PublicKey},
		testJWK{kid: "ec", alg: "ES256", pub: &ecK.PublicKey},
	)
	// signed holds header.payload of every token this test signed with the
	// test keys; header and payload encodings are deterministic (sorted JSON).
	signed := map[string]bool{}
	add := func(method jwt.SigningMethod, key any, kid string, claims jwt.MapClaims) {
		raw := sign(f, method, key, kid, claims)
		in, _ := signingInput(raw)
		signed[in] = true
		f.Add(raw)
	}
	base := idClaims()
	valid := sign(f, jwt.SigningMethodRS256, rsaK, "rsa-rs", base)
	add(jwt.SigningMethodRS256, rsaK, "rsa-rs", base)
	add(jwt.SigningMethodPS256, rsaK, "rsa-ps", base)
	add(jwt.SigningMethodES256, ecK, "ec", base)
	add(jwt.SigningMethodRS256, rsaK, "rsa-rs", with(base, "aud", []string{testClientID, "account"}))
	add(jwt.SigningMethodRS256, rsaK, "rsa-rs", with(base, "aud", []string{testClientID, "account"}, "azp", nil))
	add(jwt.SigningMethodRS256, rsaK, "rsa-rs", with(base, "exp", testNow.Add(-time.Hour).Unix()))
	add(jwt.SigningMethodRS256, rsaK, "rsa-rs", with(base, "nonce", "other"))
	add(jwt.SigningMethodRS256, rsaK, "", base)
	add(jwt.SigningMethodES256, ecK, "rsa-rs", base)
	f.Add(sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "rsa-rs", base))
	f.Add(sign(f, jwt.SigningMethodHS256, []byte("secret"), "rsa-rs", base))
	f.Add("eyJhbGciOiJSUzI1NiJ9.e30.")
	f.Add("")

	ks := NewKeySet("https://jwks.example/certs", newFakeFetcher(body).fetch)
	ks.now = func() time.Time { return testNow }
	v := &IDTokenVerifier{Issuer: testIssuer, ClientID: testClientID, Keys: ks, Now: func() time.Time { return testNow }}
	if _, err := v.Verify(context.Background(), valid, testNonce); err != nil {
		f.Fatalf("the valid seed does not verify: %v", err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := v.Verify(context.Background(), raw, testNonce)
		if err != nil {
			var ie *IDTokenError
			if !errors.As(err, &ie) || !errors.Is(err, ErrIDTokenInvalid) || tok != nil {
				t.Fatalf("Verify error %v (%T) with token %v", err, err, tok)
			}
			return
		}
		if in, ok := signingInput(raw); !ok || !signed[in] {
			t.Fatalf("Verify accepted a token the test never signed: %q", raw)
		}
		if tok.Subject == "" || tok.Nonce != testNonce || !strings.Contains(strings.Join(tok.Audience, " "), testClientID) {
			t.Fatalf("accepted token with claims %+v", tok)
		}
	})
}

func FuzzDecodeUnverified(f *testing.F) {
	rsaK := fuzzKey(f, "fuzz-rsa.pem").(*rsa.PrivateKey)
	ecK := fuzzKey(f, "fuzz-ec.pem").(*ecdsa.PrivateKey)
	f.Add(sign(f, jwt.SigningMethodRS256, rsaK, "k1", userAccessClaims))
	f.Add(sign(f, jwt.SigningMethodRS256, rsaK, "k1", serviceAccessClaims))
	f.Add(sign(f, jwt.SigningMethodES256, ecK, "ec", idClaims()))
	f.Add(sign(f, jwt.SigningMethodRS256, rsaK, "k1", with(userAccessClaims, "iss", "http://127.0.0.1:8180/realms/base")))
	f.Add(sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "", jwt.MapClaims{"exp": 1e300}))
	f.Add("eyJhbGciOiJSUzI1NiJ9.bnVsbA.c2ln") // payload null
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOls1XX0.c2ln")
	f.Add("")
	f.Add("...")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := DecodeUnverified(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidToken) || c != nil {
				t.Fatalf("DecodeUnverified error %v with claims %v", err, c)
			}
			return
		}
		if len(raw) > MaxTokenSize || c.Raw == nil {
			t.Fatalf("accepted %d bytes, Raw %v", len(raw), c.Raw)
		}
		if env, tenant := ParseIssuer(c.Issuer); env != c.Environment || tenant != c.Tenant {
			t.Fatalf("Environment/Tenant %q/%q disagree with ParseIssuer(%q)", c.Environment, c.Tenant, c.Issuer)
		}
		if exp, ok := c.ExpiresTime(); ok != (c.ExpiresAt != 0) || ok && exp.Unix() != c.ExpiresAt {
			t.Fatalf("ExpiresTime %v %v for ExpiresAt %d", exp, ok, c.ExpiresAt)
		}
	})
}

func FuzzParseIssuer(f *testing.F) {
	for _, s := range []string{
		"https://auth.eu.corti.app/realms/base", "https://keycloak.us.corti.app/realms/acme/",
		"https://auth.beta-eu.corti.app/realms/base", "http://127.0.0.1:8180/realms/base",
		"http://localhost:8080/auth/realms/master", "https://accounts.example.com", "https://auth.eu.corti.app/realms/",
		"https://auth.eu.corti.app.evil.example/realms/base", "https:///realms/x", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, iss string) {
		env, tenant := ParseIssuer(iss)
		if tenant == "" {
			if env != "" {
				t.Fatalf("environment %q without tenant", env)
			}
			return
		}
		if strings.Contains(tenant, "/") ||
			!strings.HasSuffix(iss, "/realms/"+tenant) && !strings.HasSuffix(iss, "/realms/"+tenant+"/") {
			t.Fatalf("ParseIssuer(%q) tenant %q", iss, tenant)
		}
		if !strings.HasPrefix(iss, "http://") && !strings.HasPrefix(iss, "https://") {
			t.Fatalf("ParseIssuer(%q) accepted a non-HTTP issuer", iss)
		}
		if env != "" {
			want := "https://auth." + env + ".corti.app/realms/" + tenant
			alt := "https://keycloak." + env + ".corti.app/realms/" + tenant
			if strings.ContainsAny(env, "./") || strings.TrimSuffix(iss, "/") != want && strings.TrimSuffix(iss, "/") != alt {
				t.Fatalf("ParseIssuer(%q) = %q, %q", iss, env, tenant)
			}
		}
	})
}
