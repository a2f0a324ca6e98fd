package auth

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/token"
	"github.com/golang-jwt/jwt/v5"
)

// TestStepUp: maxAge and acrValues go out as max_age and acr_values, wait in
// the pending login, and the callback checks the ID token's auth_time and acr
// against them (OIDC Core §3.1.3.7 items 12-13).
func TestStepUp(t *testing.T) {
	age := func(s int64) *int64 { return &s }
	tests := []struct {
		name  string
		opts  AuthorizeOptions
		edit  func(c jwt.MapClaims, h *harness)
		check string // "" means the login succeeds
	}{
		{"maxAge 0, fresh auth_time", AuthorizeOptions{MaxAge: age(0)}, nil, ""},
		{"maxAge 0, auth_time 10 min old", AuthorizeOptions{MaxAge: age(0)}, func(c jwt.MapClaims, h *harness) {
			c["auth_time"] = h.clock.Now().Add(-10 * time.Minute).Unix()
		}, token.CheckAuthTime},
		{"maxAge 900, auth_time 10 min old", AuthorizeOptions{MaxAge: age(900)}, func(c jwt.MapClaims, h *harness) {
			c["auth_time"] = h.clock.Now().Add(-10 * time.Minute).Unix()
		}, ""},
		{"maxAge, no auth_time", AuthorizeOptions{MaxAge: age(300)}, func(c jwt.MapClaims, _ *harness) {
			delete(c, "auth_time")
		}, token.CheckAuthTime},
		{"no maxAge, no auth_time", AuthorizeOptions{}, func(c jwt.MapClaims, h *harness) {
			c["auth_time"] = h.clock.Now().Add(-10 * time.Hour).Unix()
		}, ""},
		{"acr requested and given", AuthorizeOptions{ACRValues: "silver gold"}, func(c jwt.MapClaims, _ *harness) {
			c["acr"] = "gold"
		}, ""},
		{"acr requested, another given", AuthorizeOptions{ACRValues: "gold"}, func(c jwt.MapClaims, _ *harness) {
			c["acr"] = "1"
		}, token.CheckACR},
		{"acr requested, none given", AuthorizeOptions{ACRValues: "gold"}, nil, token.CheckACR},
		{"max_age in extraParams is checked too", AuthorizeOptions{ExtraParams: map[string]string{"max_age": "0"}},
			func(c jwt.MapClaims, h *harness) { c["auth_time"] = h.clock.Now().Add(-10 * time.Minute).Unix() }, token.CheckAuthTime},
		{"acr_values in extraParams is checked too", AuthorizeOptions{ExtraParams: map[string]string{"acr_values": "gold"}},
			nil, token.CheckACR},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			if tt.edit != nil {
				h.realm.idClaims = func(c jwt.MapClaims) { tt.edit(c, h) }
			}
			authURL, err := h.client.AuthorizeURL(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			wantAge := tt.opts.ExtraParams["max_age"]
			if tt.opts.MaxAge != nil {
				wantAge = strconv.FormatInt(*tt.opts.MaxAge, 10)
			}
			if got := param(t, authURL, "max_age"); got != wantAge {
				t.Errorf("max_age = %q, want %q", got, wantAge)
			}
			wantACR := string(tt.opts.ACRValues)
			if wantACR == "" {
				wantACR = tt.opts.ExtraParams["acr_values"]
			}
			if got := param(t, authURL, "acr_values"); got != wantACR {
				t.Errorf("acr_values = %q, want %q", got, wantACR)
			}
			cb := h.realm.authorize(authURL)
			res, err := h.client.HandleCallback(context.Background(), cb)
			if tt.check == "" {
				if err != nil {
					t.Fatalf("HandleCallback: %v", err)
				}
				if res.IDToken.AuthTime.IsZero() {
					t.Error("IDToken.AuthTime not read")
				}
				return
			}
			var ie *token.IDTokenError
			if !errors.As(err, &ie) || ie.Check != tt.check || !errors.Is(err, token.ErrIDTokenInvalid) {
				t.Fatalf("HandleCallback = %v, want id_token_invalid check %q", err, tt.check)
			}
			if n := h.pendingCount(t); n != 0 {
				t.Errorf("%d pending login(s) left", n)
			}
		})
	}
}

func TestAuthorizeOptionsStepUpJSON(t *testing.T) {
	tests := []struct {
		js      string
		maxAge  string // "" for nil
		acr     string
		wantErr bool
	}{
		{`{"maxAge": 0, "acrValues": "gold  silver"}`, "0", "gold silver", false},
		{`{"maxAge": 300, "acrValues": ["gold", "silver"]}`, "300", "gold silver", false},
		{`{}`, "", "", false},
		{`{"acrValues": ["two words"]}`, "", "", true},
		{`{"acrValues": 7}`, "", "", true},
		{`{"maxAge": 1.5}`, "", "", true},
	}
	for _, tt := range tests {
		var o AuthorizeOptions
		err := json.Unmarshal([]byte(tt.js), &o)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err %v, want error %v", tt.js, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		got := ""
		if o.MaxAge != nil {
			got = strconv.FormatInt(*o.MaxAge, 10)
		}
		if got != tt.maxAge || string(o.ACRValues) != tt.acr {
			t.Errorf("%s: maxAge %q acrValues %q, want %q %q", tt.js, got, o.ACRValues, tt.maxAge, tt.acr)
		}
	}
	h := newHarness(t, "")
	neg := int64(-5)
	if _, err := h.client.AuthorizeURL(AuthorizeOptions{MaxAge: &neg}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("maxAge -5: %v, want invalid_config", err)
	}
	if _, err := h.client.AuthorizeURL(AuthorizeOptions{ExtraParams: map[string]string{"max_age": "soon"}}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("extraParams max_age soon: %v, want invalid_config", err)
	}
	if n := h.pendingCount(t); n != 0 {
		t.Errorf("a refused request left %d pending login(s)", n)
	}
}
