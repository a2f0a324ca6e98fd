package token

import (
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestDecodedKeysAreTheContract: decodeToken()'s keys are exactly the members
// of the DecodedToken interface in web/types/corti-auth.d.ts.
func TestDecodedKeysAreTheContract(t *testing.T) {
	dts, err := os.ReadFile("../web/types/corti-auth.d.ts")
	if err != nil {
		t.Fatal(err)
	}
	body := regexp.MustCompile(`(?s)export interface DecodedToken \{(.*?)\n\}`).FindSubmatch(dts)
	if body == nil {
		t.Fatal("no DecodedToken interface in corti-auth.d.ts")
	}
	var want []string
	for _, m := range regexp.MustCompile(`(?m)^  (\w+)\??:`).FindAllSubmatch(body[1], -1) {
		want = append(want, string(m[1]))
	}
	var got []string
	for k := range (&Claims{}).Decoded() {
		got = append(got, k)
	}
	sort.Strings(want)
	sort.Strings(got)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Decoded() keys %v\nDecodedToken members %v", got, want)
	}
}

// TestDecodedValues: each key carries its own field (every field set to a
// distinct value, so a swapped pair shows).
func TestDecodedValues(t *testing.T) {
	raw := map[string]any{"sub": "s"}
	c := &Claims{
		Environment: "eu", Tenant: "base", Issuer: "https://auth.eu.corti.app/realms/base", Subject: "sub-1",
		ClientID: "app", ExpiresAt: 300, IssuedAt: 100, Email: "a@b.dk", Name: "Dr A", PreferredUsername: "dra",
		Scope: "openid", AuthTime: 90, ACR: "1", IsServiceAccount: true, Raw: raw,
	}
	d := c.Decoded()
	for k, want := range map[string]any{
		"environment": "eu", "tenant": "base", "issuer": "https://auth.eu.corti.app/realms/base", "subject": "sub-1",
		"clientId": "app", "expiresAt": int64(300), "issuedAt": int64(100), "email": "a@b.dk", "name": "Dr A",
		"preferredUsername": "dra", "scope": "openid", "authTime": int64(90), "acr": "1", "isServiceAccount": true,
	} {
		if d[k] != want {
			t.Errorf("%s = %#v, want %#v", k, d[k], want)
		}
	}
	if r, ok := d["claims"].(map[string]any); !ok || !strings.EqualFold(r["sub"].(string), "s") {
		t.Errorf("claims = %#v, want the raw claims", d["claims"])
	}
}
