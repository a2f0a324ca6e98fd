package token

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestCheckAuthentication(t *testing.T) {
	testKeys(t)
	base := idClaims() // auth_time testNow-3s, acr "1"
	age := func(s int64) *int64 { return &s }
	tests := []struct {
		name      string
		claims    jwt.MapClaims
		maxAge    *int64
		acrValues string
		wantCheck string // "" means accepted
	}{
		{"nothing asked", with(base, "auth_time", nil, "acr", nil), nil, "", ""},
		{"max_age 0, fresh login", base, age(0), "", ""},
		{"max_age 0, 59 s ago (leeway)", with(base, "auth_time", testNow.Add(-59*time.Second).Unix()), age(0), "", ""},
		{"max_age 0, 61 s ago", with(base, "auth_time", testNow.Add(-61*time.Second).Unix()), age(0), "", CheckAuthTime},
		{"max_age 300, 5 min ago", with(base, "auth_time", testNow.Add(-5*time.Minute).Unix()), age(300), "", ""},
		{"max_age 300, an hour ago", with(base, "auth_time", testNow.Add(-time.Hour).Unix()), age(300), "", CheckAuthTime},
		{"max_age, no auth_time", with(base, "auth_time", nil), age(300), "", CheckAuthTime},
		{"auth_time in the future", with(base, "auth_time", testNow.Add(2*time.Minute).Unix()), age(300), "", CheckAuthTime},
		{"acr one of acr_values", base, nil, "0 1", ""},
		{"acr not requested", with(base, "acr", "0"), nil, "1", CheckACR},
		{"acr absent", with(base, "acr", nil), nil, "1", CheckACR},
		{"both, acr fails", with(base, "acr", "0"), age(0), "1", CheckACR},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newTestVerifier(newFakeFetcher(standardJWKS(t)), &clock{now: testNow})
			id, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-rs", tt.claims), testNonce)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			err = v.CheckAuthentication(id, tt.maxAge, tt.acrValues)
			if tt.wantCheck == "" {
				if err != nil {
					t.Fatalf("CheckAuthentication: %v", err)
				}
				return
			}
			var ie *IDTokenError
			if !errors.As(err, &ie) || ie.Check != tt.wantCheck || !errors.Is(err, ErrIDTokenInvalid) {
				t.Fatalf("CheckAuthentication = %v; want *IDTokenError %q", err, tt.wantCheck)
			}
		})
	}
}

func TestVerifyReadsAuthTimeAndACR(t *testing.T) {
	testKeys(t)
	v := newTestVerifier(newFakeFetcher(standardJWKS(t)), &clock{now: testNow})
	id, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-rs", idClaims()), testNonce)
	if err != nil {
		t.Fatal(err)
	}
	if id.AuthTime.Unix() != testNow.Unix()-3 || id.ACR != "1" {
		t.Errorf("AuthTime %v, ACR %q; want %v and \"1\"", id.AuthTime, id.ACR, testNow.Add(-3*time.Second))
	}
	for _, c := range []jwt.MapClaims{with(idClaims(), "auth_time", "yesterday"), with(idClaims(), "acr", 1)} {
		_, err := v.Verify(context.Background(), sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-rs", c), testNonce)
		var ie *IDTokenError
		if !errors.As(err, &ie) || ie.Check != CheckMalformed {
			t.Errorf("a mistyped auth_time/acr: %v, want check malformed", err)
		}
	}
	d, err := DecodeUnverified(sign(t, jwt.SigningMethodRS256, rsaKey, "rsa-rs", idClaims()))
	if err != nil {
		t.Fatal(err)
	}
	if d.AuthTime != testNow.Unix()-3 || d.ACR != "1" {
		t.Errorf("DecodeUnverified: AuthTime %d, ACR %q", d.AuthTime, d.ACR)
	}
}
