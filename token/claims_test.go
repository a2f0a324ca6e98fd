package token

import (
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Keycloak-shaped access tokens.
var (
	// userAccessClaims is a user's access token from the code flow.
	userAccessClaims = jwt.MapClaims{
		"exp": 1790000300, "iat": 1790000000, "jti": "onrtac:2b0e6c7a", "iss": "https://auth.eu.corti.app/realms/base",
		"aud": "account", "sub": "0b5f2c4e-58a3-4d7c-b1a8-3a1f0e5c9d21", "typ": "Bearer", "azp": "assistant-web",
		"sid": "8c3f3c1e-2d9e-4b8a-8f0e-1d2c3b4a5f60", "acr": "1", "allowed-origins": []string{"https://app.example-hospital.dk"},
		"realm_access": map[string]any{"roles": []string{"offline_access", "default-roles-base"}},
		"scope":        "openid email profile", "email_verified": true, "name": "Karen Jensen",
		"preferred_username": "dr.jensen", "email": "karen.jensen@example-hospital.dk",
	}
	// serviceAccessClaims is a client-credentials token (Keycloak 24+).
	serviceAccessClaims = jwt.MapClaims{
		"exp": 1790000300, "iat": 1790000000, "jti": "trrtcc:9d1c7e55", "iss": "https://auth.us.corti.app/realms/base",
		"aud": "account", "sub": "5a8e1b2c-3d4f-4a6b-8c9d-0e1f2a3b4c5d", "typ": "Bearer", "azp": "hospital-backend",
		"acr": "1", "realm_access": map[string]any{"roles": []string{"default-roles-base"}},
		"scope": "profile email", "clientHost": "10.1.2.3", "email_verified": false,
		"preferred_username": "service-account-hospital-backend", "clientAddress": "10.1.2.3", "client_id": "hospital-backend",
	}
)

func TestDecodeUnverified(t *testing.T) {
	testKeys(t)
	rs := func(c jwt.MapClaims) string { return sign(t, jwt.SigningMethodRS256, rsaKey, "k1", c) }
	tests := []struct {
		name                  string
		raw                   string
		env, tenant, clientID string
		serviceAccount        bool
	}{
		{"user on auth.eu", rs(userAccessClaims), "eu", "base", "assistant-web", false},
		{"service account on auth.us", rs(serviceAccessClaims), "us", "base", "hospital-backend", true},
		{"service account without profile scope", rs(with(serviceAccessClaims, "preferred_username", nil, "email_verified", nil)),
			"us", "base", "hospital-backend", true},
		{"keycloak.us", rs(with(userAccessClaims, "iss", "https://keycloak.us.corti.app/realms/acme")), "us", "acme", "assistant-web", false},
		{"auth.beta-eu", rs(with(userAccessClaims, "iss", "https://auth.beta-eu.corti.app/realms/base")), "beta-eu", "base", "assistant-web", false},
		{"local Keycloak", rs(with(userAccessClaims, "iss", "http://127.0.0.1:8180/realms/base")), "", "base", "assistant-web", false},
		{"non-realm issuer", rs(with(userAccessClaims, "iss", "https://accounts.example.com")), "", "", "assistant-web", false},
		// Lightweight or scope-less user tokens: sid (or session_state on
		// Keycloak before 22) shows a user session.
		{"user without profile and email", rs(with(userAccessClaims, "name", nil, "email", nil, "preferred_username", nil)),
			"eu", "base", "assistant-web", false},
		{"user with session_state only", rs(with(userAccessClaims, "name", nil, "email", nil, "preferred_username", nil,
			"sid", nil, "session_state", "c1a2")), "eu", "base", "assistant-web", false},
		{"ES256", sign(t, jwt.SigningMethodES256, ecKey, "ec", userAccessClaims), "eu", "base", "assistant-web", false},
		{"unknown alg is fine unverified", "eyJhbGciOiJYWVoiLCJ0eXAiOiJKV1QifQ.eyJpc3MiOiJodHRwczovL2F1dGguZXUuY29ydGkuYXBwL3JlYWxtcy9iYXNlIiwic3ViIjoidSIsInNpZCI6InMifQ.c2ln",
			"eu", "base", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeUnverified(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			if c.Environment != tt.env || c.Tenant != tt.tenant || c.ClientID != tt.clientID || c.IsServiceAccount != tt.serviceAccount {
				t.Errorf("got env %q tenant %q azp %q service %v; want %q %q %q %v",
					c.Environment, c.Tenant, c.ClientID, c.IsServiceAccount, tt.env, tt.tenant, tt.clientID, tt.serviceAccount)
			}
		})
	}
}

func TestDecodeUnverifiedFields(t *testing.T) {
	testKeys(t)
	c, err := DecodeUnverified(sign(t, jwt.SigningMethodRS256, rsaKey, "k1", userAccessClaims))
	if err != nil {
		t.Fatal(err)
	}
	want := Claims{Environment: "eu", Tenant: "base", Issuer: "https://auth.eu.corti.app/realms/base",
		Subject: "0b5f2c4e-58a3-4d7c-b1a8-3a1f0e5c9d21", ClientID: "assistant-web", ExpiresAt: 1790000300,
		IssuedAt: 1790000000, Email: "karen.jensen@example-hospital.dk", Name: "Karen Jensen",
		PreferredUsername: "dr.jensen", Scope: "openid email profile", ACR: "1"}
	got := *c
	got.Raw = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if c.Raw["exp"] != float64(1790000300) || c.Raw["allowed-origins"].([]any)[0] != "https://app.example-hospital.dk" {
		t.Errorf("Raw = %v", c.Raw)
	}
	if exp, ok := c.ExpiresTime(); !ok || !exp.Equal(time.Unix(1790000300, 0)) {
		t.Errorf("ExpiresTime = %v, %v", exp, ok)
	}
	c, err = DecodeUnverified(sign(t, jwt.SigningMethodRS256, rsaKey, "k1", with(userAccessClaims, "exp", nil, "iat", nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := c.ExpiresTime(); ok || c.ExpiresAt != 0 || c.IssuedAt != 0 {
		t.Errorf("token without exp: ExpiresAt %d IssuedAt %d ExpiresTime ok %v", c.ExpiresAt, c.IssuedAt, ok)
	}
}

// seg base64url-encodes s, as a JWT segment.
func seg(s string) string { return b64([]byte(s)) }

func TestDecodeUnverifiedMalformed(t *testing.T) {
	hdr := seg(`{"alg":"RS256","typ":"JWT","kid":"k1"}`)
	tok := func(payload string) string { return hdr + "." + seg(payload) + ".c2ln" }
	valid := tok(`{"sub":"u","iss":"https://auth.eu.corti.app/realms/base"}`)
	tests := []struct{ name, raw string }{
		{"empty", ""},
		{"over 64 KiB", tok(`{"pad":"` + strings.Repeat("x", MaxTokenSize) + `"}`)},
		{"one part", "eyJhbGciOiJSUzI1NiJ9"},
		{"two parts", hdr + "." + seg(`{}`)},
		{"four parts", valid + ".more"},
		{"five parts (JWE)", hdr + "." + seg("k") + "." + seg("iv") + "." + seg("ct") + "." + seg("tag")},
		{"header not base64url", "eyJ*bGciOiJSUzI1NiJ9." + seg(`{}`) + ".c2ln"},
		{"payload not base64url", hdr + ".e30=.c2ln"},
		{"payload in standard base64", hdr + "." + "eyJzdWIiOiI/Pz8ifQ+/" + ".c2ln"},
		{"signature not base64url", hdr + "." + seg(`{}`) + ".c2l*"},
		{"header not JSON", seg(`alg RS256`) + "." + seg(`{}`) + ".c2ln"},
		{"header is an array", seg(`["RS256"]`) + "." + seg(`{}`) + ".c2ln"},
		{"header is null", seg(`null`) + "." + seg(`{}`) + ".c2ln"},
		{"payload not JSON", tok(`sub=u`)},
		{"payload truncated JSON", tok(`{"sub":"u"`)},
		{"payload is an array", tok(`["sub"]`)},
		{"payload is null", tok(`null`)},
		{"payload is a string", tok(`"sub"`)},
		{"payload is a number", tok(`42`)},
		{"exp is a string", tok(`{"exp":"1790000300"}`)},
		{"exp is a bool", tok(`{"exp":true}`)},
		{"exp is null", tok(`{"exp":null}`)},
		{"exp out of range", tok(`{"exp":1e300}`)},
		{"iat is a string", tok(`{"iat":"now"}`)},
		{"nbf is an object", tok(`{"nbf":{}}`)},
		{"iss is a number", tok(`{"iss":1}`)},
		{"sub is an object", tok(`{"sub":{"id":"u"}}`)},
		{"azp is an array", tok(`{"azp":["a"]}`)},
		{"email is a number", tok(`{"email":5}`)},
		{"preferred_username is a bool", tok(`{"preferred_username":false}`)},
		{"scope is an array", tok(`{"scope":["openid"]}`)},
		{"sid is a number", tok(`{"sid":1}`)},
		{"aud is a number", tok(`{"aud":5}`)},
		{"aud holds a number", tok(`{"aud":["a",5]}`)},
		{"aud is null", tok(`{"aud":null}`)},
		{"aud is an object", tok(`{"aud":{"a":1}}`)},
	}
	if _, err := DecodeUnverified(valid); err != nil {
		t.Fatalf("the well-formed base token fails: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeUnverified(tt.raw)
			if !errors.Is(err, ErrInvalidToken) || c != nil {
				t.Errorf("DecodeUnverified = %+v, %v; want ErrInvalidToken", c, err)
			}
		})
	}
}

// junkTokens are inputs just under MaxTokenSize that pass the length check and
// reach the JWT parser, each failing in a different place of it.
func junkTokens() map[string]string {
	b64 := base64.RawURLEncoding.EncodeToString
	header := b64([]byte(`{"alg":"RS256","typ":"JWT"}`))
	fill := func(prefix, unit, suffix string) string {
		n := (MaxTokenSize - len(prefix) - len(suffix)) / len(unit)
		return prefix + strings.Repeat(unit, n) + suffix
	}
	// A payload of b64 bytes decoding to JSON of the given shape, sized to fill the limit.
	payload := func(open, unit, close string) string {
		budget := MaxTokenSize*3/4 - 64 // base64 grows by 4/3; room for the header and the dots
		n := (budget - len(open) - len(close)) / len(unit)
		return header + "." + b64([]byte(open+strings.Repeat(unit, n)+close)) + ".c2ln"
	}
	return map[string]string{
		"dots":                         fill("", "eyJhbGciOiJSUzI1NiJ9.", ""),
		"one long header segment":      fill("", "eyJh", ".e30.c2ln"),
		"header not base64":            fill("", "!", ".e30.c2ln"),
		"payload not base64":           fill(header+".", "*", ".c2ln"),
		"payload deeply nested arrays": payload(`{"a":`, "[", "}"),
		"payload an unclosed string":   payload(`{"a":"`, "x", ""),
		"payload many keys, a bad exp": payload(`{`, `"k":1,`, `"exp":"soon"}`),
		"payload a huge number exp":    payload(`{"exp":`, "9", `}`),
	}
}

// TestDecodeUnverifiedJunk: junk under the size limit is parsed and refused by
// the parser (not by the length check), junk over it by the length check. How
// fast that is, is BenchmarkDecodeUnverifiedJunk's business (make bench).
func TestDecodeUnverifiedJunk(t *testing.T) {
	for name, junk := range junkTokens() {
		t.Run(name, func(t *testing.T) {
			if len(junk) > MaxTokenSize || len(junk) < MaxTokenSize-64 {
				t.Fatalf("%d bytes, want just under %d", len(junk), MaxTokenSize)
			}
			c, err := DecodeUnverified(junk)
			if !errors.Is(err, ErrInvalidToken) || c != nil {
				t.Fatalf("DecodeUnverified = %+v, %v; want ErrInvalidToken", c, err)
			}
			if strings.Contains(err.Error(), "more than") {
				t.Fatalf("refused by the length check (%v): the parser was not reached", err)
			}
		})
	}
	t.Run("over the limit: refused before parsing", func(t *testing.T) {
		// A well-formed token, padded past the limit in its signature part: only the length check refuses it.
		testKeys(t)
		raw := sign(t, jwt.SigningMethodRS256, rsaKey, "k1", userAccessClaims)
		raw += strings.Repeat("A", MaxTokenSize+1-len(raw))
		_, err := DecodeUnverified(raw)
		if !errors.Is(err, ErrInvalidToken) || !strings.Contains(err.Error(), "more than") {
			t.Fatalf("err = %v, want the length check's ErrInvalidToken", err)
		}
	})
}

func BenchmarkDecodeUnverifiedJunk(b *testing.B) {
	for name, junk := range junkTokens() {
		b.Run(strings.ReplaceAll(name, " ", "_"), func(b *testing.B) {
			b.SetBytes(int64(len(junk)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeUnverified(junk); err == nil {
					b.Fatal("junk accepted")
				}
			}
		})
	}
}

func TestParseIssuer(t *testing.T) {
	tests := []struct{ iss, env, tenant string }{
		{"https://auth.eu.corti.app/realms/base", "eu", "base"},
		{"https://auth.us.corti.app/realms/base/", "us", "base"},
		{"https://keycloak.eu.corti.app/realms/acme-clinic", "eu", "acme-clinic"},
		{"https://auth.beta-eu.corti.app/realms/base", "beta-eu", "base"},
		{"https://auth.eu.corti.app/realms/my%20tenant", "eu", "my%20tenant"},
		// Not a Corti issuer, still a Keycloak realm.
		{"http://auth.eu.corti.app/realms/base", "", "base"},
		{"https://api.eu.corti.app/realms/base", "", "base"},
		{"https://auth.eu.corti.app.evil.example/realms/base", "", "base"},
		{"https://evil.example/auth.eu.corti.app/realms/base", "", "base"},
		{"https://auth.e.u.corti.app/realms/base", "", "base"},
		{"http://127.0.0.1:8180/realms/base", "", "base"},
		{"http://localhost:8080/auth/realms/master/", "", "master"},
		// Not a realm issuer.
		{"", "", ""},
		{"https://accounts.example.com", "", ""},
		{"https://auth.eu.corti.app/realms/", "", ""},
		{"https://auth.eu.corti.app/realms/base/protocol/openid-connect", "", ""},
		{"https://auth.eu.corti.app/realms//", "", ""},
		{"ftp://auth.eu.corti.app/realms/base", "", ""},
		{"https:///realms/base", "", ""},
		{"auth.eu.corti.app/realms/base", "", ""},
	}
	for _, tt := range tests {
		env, tenant := ParseIssuer(tt.iss)
		if env != tt.env || tenant != tt.tenant {
			t.Errorf("ParseIssuer(%q) = %q, %q; want %q, %q", tt.iss, env, tenant, tt.env, tt.tenant)
		}
	}
}

func BenchmarkDecodeUnverified(b *testing.B) {
	testKeys(b)
	raw := sign(b, jwt.SigningMethodRS256, rsaKey, "k1", userAccessClaims)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeUnverified(raw); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseIssuerMatchesThePatterns checks the hand-written matcher against the
// regular expressions it replaces (kept here, in a test, out of the wasm).
func TestParseIssuerMatchesThePatterns(t *testing.T) {
	corti := regexp.MustCompile(`^https://(?:keycloak|auth)\.([^./]+)\.corti\.app/realms/([^/]+)/?$`)
	realm := regexp.MustCompile(`^https?://[^/]+/(?:.*/)?realms/([^/]+)/?$`)
	oracle := func(iss string) (string, string) {
		if m := corti.FindStringSubmatch(iss); m != nil {
			return m[1], m[2]
		}
		if m := realm.FindStringSubmatch(iss); m != nil {
			return "", m[1]
		}
		return "", ""
	}
	parts := []string{"https://", "http://", "auth.", "keycloak.", "eu", "beta-eu", ".", ".corti.app", "/realms/", "realms/",
		"base", "/", "//", "auth", "x\n", "?q", "#f", "evil.com", ":8080", "", " "}
	rng := rand.New(rand.NewPCG(1, 2))
	cases := []string{"https://auth.eu.corti.app/realms/base", "https://keycloak.beta-eu.corti.app/realms/t/", "http://127.0.0.1:8180/realms/base",
		"https://kc.example.com/auth/realms/x", "https://auth.e.u.corti.app/realms/b", "https://h/realms/", "https:///realms/a", "https://h/x\n/realms/a"}
	for i := 0; i < 200000; i++ {
		var b strings.Builder
		for n := rng.IntN(9); n >= 0; n-- {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		cases = append(cases, b.String())
	}
	for _, iss := range cases {
		we, wt := oracle(iss)
		if ge, gt := ParseIssuer(iss); ge != we || gt != wt {
			t.Fatalf("ParseIssuer(%q) = %q, %q; the patterns give %q, %q", iss, ge, gt, we, wt)
		}
	}
}
