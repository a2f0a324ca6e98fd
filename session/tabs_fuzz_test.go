package session

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/token"
)

type fixedClock time.Time

func (c fixedClock) Now() time.Time                            { return time.Time(c) }
func (fixedClock) Mono() time.Duration                         { return 0 }
func (fixedClock) AfterFunc(time.Duration, func()) func() bool { return func() bool { return false } }

// FuzzDecodeTabMessage: the tab channel's decoder takes any bytes a script of
// the origin can post. It never panics; what it accepts re-encodes to the same
// message; and what checkSibling accepts of it has an expiry its access
// token's exp allows.
func FuzzDecodeTabMessage(f *testing.F) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	b64 := base64.RawURLEncoding
	jwt := func(claims string) string {
		return b64.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + b64.EncodeToString([]byte(claims)) + ".c2ln"
	}
	at := jwt(`{"iss":"https://auth.eu.corti.app/realms/base","azp":"demo","sub":"u1","iat":1772355600,"exp":1772355900}`)
	resp, _ := pkce.ParseTokenResponse([]byte(`{"access_token":"` + at + `","token_type":"Bearer","expires_in":300,"refresh_token":"rt","refresh_expires_in":1800}`))
	tok, _ := NewTokens(resp, now, nil)
	for _, m := range []message{
		{kind: msgHello},
		{kind: msgTokens, sid: "0123456789abcdef", tokens: tok},
		{kind: msgSignIn, sid: "s-2", tokens: tok},
		{kind: msgEnd, sid: "s-2", reason: "logout"},
		{kind: msgActivity, sid: "s-2", sub: "u1"},
		{kind: msgActivity, sid: "0123456789abcdef", sub: "f:3c2a7a0e-6d8b-4b7e-9a55-1a2b3c4d5e6f:dr.who"},
	} {
		f.Add(encodeMessage(m))
	}
	for _, s := range []string{
		``, `null`, `[]`, `{"t":"end"}`, `{"t":"tokens","sid":"x","tokens":null}`,
		`{"t":"tokens","sid":"x","tokens":{"response":{"access_token":"a"},"receivedAt":-1,"expiresAt":1e300}}`,
		`{"t":"signin","sid":"` + string(make([]byte, 65)) + `","tokens":{}}`,
		`{"t":"end","sid":"a","reason":"LOGOUT"}`,
		`{"t":"activity","sub":"u1"}`, `{"t":"activity","sid":"a","sub":""}`, `{"t":"activity","sid":"a","sub":1}`,
		`{"t":"activity","sid":"a","sub":"` + string(make([]byte, 256)) + `"}`, "{\"t\":\"activity\",\"sid\":\"a\",\"sub\":\"\xff\xfe\"}",
	} {
		f.Add([]byte(s))
	}
	cfg := TabsConfig{Clock: fixedClock(now), VerifyIDToken: func(context.Context, string) (*token.IDToken, error) {
		return nil, errors.New("refused")
	}}
	want := identity{iss: "https://auth.eu.corti.app/realms/base", azp: "demo", sub: "u1"}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := decodeMessage(data)
		if err != nil {
			return
		}
		m2, err := decodeMessage(encodeMessage(m))
		if err != nil {
			t.Fatalf("re-encoded %q: %v", encodeMessage(m), err)
		}
		if m2.kind != m.kind || m2.sid != m.sid || m2.reason != m.reason || m2.sub != m.sub {
			t.Fatalf("round trip %+v → %+v", m, m2)
		}
		if m.kind == msgActivity && (m.sub == "" || len(m.sub) > maxSub || !validSID(m.sid)) {
			t.Fatalf("accepted activity %+v", m)
		}
		if m.kind != msgTokens && m.kind != msgSignIn {
			return
		}
		t1, t2 := m.tokens, m2.tokens
		if t1.AccessToken() != t2.AccessToken() || !t1.ExpiresAt.Equal(t2.ExpiresAt) || !t1.ReceivedAt.Equal(t2.ReceivedAt) || !t1.RefreshExpiresAt.Equal(t2.RefreshExpiresAt) {
			t.Fatalf("tokens changed in a round trip")
		}
		b1, _ := json.Marshal(t1.Response)
		b2, _ := json.Marshal(t2.Response)
		if string(b1) != string(b2) {
			t.Fatalf("response %s → %s", b1, b2)
		}
		if _, err := cfg.checkSibling(context.Background(), t1, want, false, ""); err == nil {
			c, _ := token.DecodeUnverified(t1.AccessToken())
			if t1.Lifetime() > time.Duration(c.ExpiresAt-c.IssuedAt)*time.Second+expRounding || t1.ReceivedAt.After(now.Add(siblingSkew)) {
				t.Fatalf("accepted tokens valid for %v, received %v; exp−iat %d s", t1.Lifetime(), t1.ReceivedAt, c.ExpiresAt-c.IssuedAt)
			}
		}
	})
}
