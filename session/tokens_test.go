package session_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
)

func TestNewTokens(t *testing.T) {
	exp := t0.Add(42 * time.Second)
	jwt := func(at string) (time.Time, bool) {
		if at == "jwt-with-exp" {
			return exp, true
		}
		return time.Time{}, false
	}
	tests := []struct {
		name           string
		resp           *pkce.TokenResponse
		jwt            func(string) (time.Time, bool)
		wantExpires    time.Time
		wantRefreshExp time.Time
		wantOK         bool
	}{
		{"expires_in", &pkce.TokenResponse{AccessToken: "jwt-with-exp", ExpiresIn: 300, RefreshExpiresIn: 1800}, jwt,
			t0.Add(300 * time.Second), t0.Add(1800 * time.Second), true},
		{"expires_in wins over a JWT exp", &pkce.TokenResponse{AccessToken: "jwt-with-exp", ExpiresIn: 60}, jwt,
			t0.Add(60 * time.Second), time.Time{}, true},
		{"JWT exp fallback", &pkce.TokenResponse{AccessToken: "jwt-with-exp"}, jwt, exp, time.Time{}, true},
		{"neither: expiring now", &pkce.TokenResponse{AccessToken: "opaque"}, jwt, t0, time.Time{}, false},
		{"no JWT reader", &pkce.TokenResponse{AccessToken: "jwt-with-exp"}, nil, t0, time.Time{}, false},
		{"negative expires_in", &pkce.TokenResponse{AccessToken: "opaque", ExpiresIn: -5, RefreshExpiresIn: -1}, jwt, t0, time.Time{}, false},
		{"refresh_expires_in 0 = unknown", &pkce.TokenResponse{AccessToken: "a", ExpiresIn: 300}, nil, t0.Add(300 * time.Second), time.Time{}, true},
		{"nil response", nil, jwt, t0, time.Time{}, false},
	}
	for _, tt := range tests {
		// A reading with a monotonic clock: NewTokens must drop it.
		received := time.Now()
		received = t0.Add(received.Sub(received))
		got, ok := session.NewTokens(tt.resp, received, tt.jwt)
		if ok != tt.wantOK || !got.ExpiresAt.Equal(tt.wantExpires) || !got.RefreshExpiresAt.Equal(tt.wantRefreshExp) {
			t.Errorf("%s: got expires %v refresh %v ok %v, want %v %v %v", tt.name,
				got.ExpiresAt, got.RefreshExpiresAt, ok, tt.wantExpires, tt.wantRefreshExp, tt.wantOK)
		}
		if got.Response == nil {
			t.Errorf("%s: nil Response", tt.name)
		}
		if got.ReceivedAt.String() != got.ReceivedAt.Round(0).String() {
			t.Errorf("%s: ReceivedAt keeps a monotonic reading", tt.name)
		}
	}
	huge, ok := session.NewTokens(&pkce.TokenResponse{AccessToken: "a", ExpiresIn: 1 << 62}, t0, nil)
	if !ok || !huge.ExpiresAt.After(t0.Add(50*365*24*time.Hour)) {
		t.Errorf("a huge expires_in gave %v, want far in the future", huge.ExpiresAt)
	}
}

func TestRotation(t *testing.T) {
	tests := []struct {
		name           string
		answer         *pkce.TokenResponse
		wantRT, wantID string
		wantRefreshExp time.Duration // after the refresh; 0 = zero time
	}{
		// Dated from the request, less ExpLoss: 10 s − 1 s.
		{"new refresh and id token replace the old", response(2, 300, 1800), "rt-2", "id-2", 9*time.Second + 1800*time.Second},
		{"a response without keeps the old ones", &pkce.TokenResponse{AccessToken: "at-2", ExpiresIn: 300, TokenType: "Bearer",
			Raw: map[string]json.RawMessage{"access_token": json.RawMessage(`"at-2"`), "expires_in": json.RawMessage(`300`)}},
			"rt-1", "id-1", 1800 * time.Second},
		{"kept, with a new refresh expiry", &pkce.TokenResponse{AccessToken: "at-2", ExpiresIn: 300, RefreshExpiresIn: 900},
			"rt-1", "id-1", 9*time.Second + 900*time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tokensAt(1, t0, 300, 1800))
			h.answer = func(_ context.Context, _ int, cur session.Tokens) (*pkce.TokenResponse, error) {
				return tt.answer, nil
			}
			h.clock.Advance(10 * time.Second)
			got, err := h.s.Refresh(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			r := got.Response
			if r.AccessToken != "at-2" || r.RefreshToken != tt.wantRT || r.IDToken != tt.wantID {
				t.Fatalf("tokens %q %q %q, want at-2 %q %q", r.AccessToken, r.RefreshToken, r.IDToken, tt.wantRT, tt.wantID)
			}
			// The raw response (handed to the Assistant) carries them too.
			var rt, id string
			_ = json.Unmarshal(r.Raw["refresh_token"], &rt)
			_ = json.Unmarshal(r.Raw["id_token"], &id)
			if rt != tt.wantRT || id != tt.wantID {
				t.Fatalf("Raw refresh_token %q id_token %q, want %q %q", rt, id, tt.wantRT, tt.wantID)
			}
			if m := r.Map(); m["refresh_token"] == nil {
				t.Fatal("Map() lost the refresh_token")
			}
			if want := t0.Add(tt.wantRefreshExp); !got.RefreshExpiresAt.Equal(want) {
				t.Fatalf("RefreshExpiresAt %v, want %v", got.RefreshExpiresAt.Sub(t0), tt.wantRefreshExp)
			}
			// The next refresh is sent with the kept (or the new) refresh token.
			var sent string
			h.answer = func(_ context.Context, _ int, cur session.Tokens) (*pkce.TokenResponse, error) {
				sent = cur.Response.RefreshToken
				return response(3, 300, 1800), nil
			}
			if _, err := h.s.Refresh(context.Background()); err != nil {
				t.Fatal(err)
			}
			if sent != tt.wantRT {
				t.Fatalf("next refresh sent %q, want %q", sent, tt.wantRT)
			}
		})
	}
}
