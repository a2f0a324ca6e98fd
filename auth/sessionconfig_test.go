package auth

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
	"github.com/golang-jwt/jwt/v5"
)

func TestSubject(t *testing.T) {
	id := unsignedJWT(t, jwt.MapClaims{"sub": "from-id-token"})
	tok := func(idToken string) session.Tokens {
		return session.Tokens{Response: &pkce.TokenResponse{AccessToken: "at", IDToken: idToken}}
	}
	for _, tt := range []struct {
		name  string
		t     session.Tokens
		known string
		want  string
	}{
		{"known wins", tok(id), "verified-sub", "verified-sub"},
		{"read from the id_token", tok(id), "", "from-id-token"},
		{"no id_token", tok(""), "", ""},
		{"an id_token that does not decode", tok("not.a.jwt"), "", ""},
		{"no response", session.Tokens{}, "", ""},
	} {
		if got := Subject(tt.t, tt.known); got != tt.want {
			t.Errorf("%s: Subject = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestSessionTokens(t *testing.T) {
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	exp := at.Add(7 * time.Minute)
	jwtAT := unsignedJWT(t, jwt.MapClaims{"exp": exp.Unix()})
	tk, err := SessionTokens(&pkce.TokenResponse{AccessToken: "opaque", ExpiresIn: 300}, at)
	if err != nil || !tk.ExpiresAt.Equal(at.Add(300*time.Second)) {
		t.Errorf("expires_in: %v, %v", tk.ExpiresAt, err)
	}
	tk, err = SessionTokens(&pkce.TokenResponse{AccessToken: jwtAT}, at)
	if err != nil || !tk.ExpiresAt.Equal(exp) {
		t.Errorf("JWT exp fallback: %v, %v; want %v", tk.ExpiresAt, err, exp)
	}
	tk, err = SessionTokens(&pkce.TokenResponse{AccessToken: "opaque"}, at)
	if !errors.Is(err, ErrInvalidConfig) || !tk.ExpiresAt.Equal(at) {
		t.Errorf("no expiry: %v, %v; want expiring now and a warning", tk.ExpiresAt, err)
	}
}

// TestSessionConfigRefresh: the refresh a session gets — the bearer callback
// when there is one, else the refresh_token grant when there is a refresh
// token, else none — and the subject it is pinned to.
func TestSessionConfigRefresh(t *testing.T) {
	h := newHarness(t, `,"refreshBufferSeconds":30`)
	res := h.login(t)
	tokens, err := SessionTokens(res.Tokens, h.clock.Now())
	if err != nil {
		t.Fatal(err)
	}

	cfg := h.client.SessionConfig(tokens, SessionOptions{})
	if cfg.Buffer != 30*time.Second || cfg.JWTExpiry == nil {
		t.Errorf("buffer %v, JWTExpiry set %v", cfg.Buffer, cfg.JWTExpiry != nil)
	}
	before := h.realm.tokenRequests()
	resp, err := cfg.Refresh(context.Background(), tokens)
	if err != nil || resp.AccessToken == "" || h.realm.tokenRequests() != before+1 {
		t.Fatalf("built-in refresh: %v, %d token requests", err, h.realm.tokenRequests()-before)
	}
	if got := h.realm.lastTokenForm().Get("refresh_token"); got != res.Tokens.RefreshToken {
		t.Errorf("refreshed with %q, want the current refresh token", got)
	}

	// The subject is pinned: a refreshed ID token for someone else is refused,
	// whether the subject was given (a login) or read from the tokens (restore).
	h.realm.idClaims = func(c jwt.MapClaims) { c["sub"] = "another-user" }
	for _, known := range []string{res.IDToken.Subject, ""} {
		cfg := h.client.SessionConfig(tokens, SessionOptions{Subject: known})
		var ie *token.IDTokenError
		if _, err := cfg.Refresh(context.Background(), tokens); !errors.As(err, &ie) || ie.Check != token.CheckSubject {
			t.Errorf("subject %q: refresh for another sub = %v, want check %q", known, err, token.CheckSubject)
		}
	}
	h.realm.idClaims = nil

	// Bearer mode: the callback, never the token endpoint, even with a refresh token.
	calls := 0
	bearer := &Bearer{Call: func(_ context.Context, cur *pkce.TokenResponse) ([]byte, error) {
		calls++
		if cur.RefreshToken != res.Tokens.RefreshToken {
			t.Errorf("the callback got refresh token %q", cur.RefreshToken)
		}
		return []byte(`{"access_token":"from-backend","expires_in":60}`), nil
	}}
	before = h.realm.tokenRequests()
	cfg = h.client.SessionConfig(tokens, SessionOptions{Bearer: bearer})
	resp, err = cfg.Refresh(context.Background(), tokens)
	if err != nil || resp.AccessToken != "from-backend" || calls != 1 || h.realm.tokenRequests() != before {
		t.Errorf("bearer refresh: %+v, %v, %d calls, %d token requests", resp, err, calls, h.realm.tokenRequests()-before)
	}

	// Nothing to refresh with.
	bare := session.Tokens{Response: &pkce.TokenResponse{AccessToken: "at"}}
	if cfg := h.client.SessionConfig(bare, SessionOptions{}); cfg.Refresh != nil {
		t.Error("a session without refresh token nor callback got a RefreshFunc")
	}
	if cfg := h.client.SessionConfig(bare, SessionOptions{Bearer: &Bearer{}}); cfg.Refresh != nil {
		t.Error("a Bearer without Call counts as a refresh")
	}
}

func TestSessionConfigPassesCoordinatorAndEvents(t *testing.T) {
	h := newHarness(t, "")
	var got []session.EventName
	co := &stubCoordinator{}
	cfg := h.client.SessionConfig(session.Tokens{}, SessionOptions{Coordinator: co, OnEvent: func(e session.Event) { got = append(got, e.Name) }})
	if cfg.Coordinator != co || cfg.OnEvent == nil {
		t.Fatal("Coordinator or OnEvent not passed on")
	}
	cfg.OnEvent(session.Event{Name: session.EventEnded})
	if len(got) != 1 {
		t.Error("OnEvent is not the one given")
	}
}

type stubCoordinator struct{ ends []string }

func (c *stubCoordinator) WithLock(ctx context.Context, f func(context.Context) error) error {
	return f(ctx)
}
func (c *stubCoordinator) Publish(session.Tokens)   {}
func (c *stubCoordinator) PublishEnd(reason string) { c.ends = append(c.ends, reason) }
