package session_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
)

func TestTokensMap(t *testing.T) {
	tk := tokensAt(1, t0.Add(1234*time.Millisecond), 300, 1800)
	m := session.TokensMap(tk)
	if m["access_token"] != "at-1" || m["refresh_token"] != "rt-1" || m["id_token"] != "id-1" {
		t.Errorf("token members: %v", m)
	}
	if got, want := m["expires_at"], float64(t0.Unix())+1.234+300; got != want {
		t.Errorf("expires_at = %v, want %v (epoch s, ms precision)", got, want)
	}
	if got, want := m["refresh_expires_at"], float64(t0.Unix())+1.234+1800; got != want {
		t.Errorf("refresh_expires_at = %v, want %v", got, want)
	}
	noRefresh := tokensAt(2, t0, 300, 0)
	if _, ok := session.TokensMap(noRefresh)["refresh_expires_at"]; ok {
		t.Error("refresh_expires_at without refresh_expires_in")
	}
	if m := session.TokensMap(session.Tokens{ExpiresAt: t0}); m["expires_at"] != float64(t0.Unix()) {
		t.Errorf("no response: %v", m)
	}
}

// TestViewAfterEnd: an ended session hands out no token; the rest stays.
func TestViewAfterEnd(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	before := h.s.View()
	if before["access_token"] != "at-1" {
		t.Fatalf("live view %v", before)
	}
	h.s.End("logout")
	after := h.s.View()
	for _, k := range []string{"access_token", "refresh_token", "id_token"} {
		if after[k] != "" {
			t.Errorf("%s = %v after the end, want \"\"", k, after[k])
		}
	}
	for _, k := range []string{"expires_at", "refresh_expires_at", "token_type", "expires_in"} {
		if b, _ := json.Marshal(after[k]); string(b) != mustJSON(before[k]) {
			t.Errorf("%s = %s after the end, want %s", k, b, mustJSON(before[k]))
		}
	}
}

// TestViewAfterEndAddsNoMember: a member the response did not have is not
// added as "".
func TestViewAfterEndAddsNoMember(t *testing.T) {
	resp := &pkce.TokenResponse{AccessToken: "at", ExpiresIn: 300}
	tk, _ := session.NewTokens(resp, t0, nil)
	h := newHarness(t, tk)
	h.s.End("expired")
	v := h.s.View()
	if v["access_token"] != "" {
		t.Errorf("access_token %v", v["access_token"])
	}
	for _, k := range []string{"refresh_token", "id_token"} {
		if _, ok := v[k]; ok {
			t.Errorf("%s added after the end", k)
		}
	}
}

// TestViewAfterClose: Close is not an end; the tokens stay readable.
func TestViewAfterClose(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	h.s.Close()
	if v := h.s.View(); v["access_token"] != "at-1" {
		t.Errorf("access_token after Close = %v", v["access_token"])
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestIsListenerEvent(t *testing.T) {
	for _, n := range []string{"refreshed", "expiring", "ended", "error", "*"} {
		if !session.IsListenerEvent(n) {
			t.Errorf("%q refused", n)
		}
	}
	for _, n := range []string{"", "refresh", "Ended", "change", "**"} {
		if session.IsListenerEvent(n) {
			t.Errorf("%q accepted", n)
		}
	}
}
