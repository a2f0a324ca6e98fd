package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestIdleConfig(t *testing.T) {
	const base = `"clientId":"assistant-web","redirectUri":"` + validRedirect + `"`
	ok := []struct {
		name             string
		json             string
		timeout, warning time.Duration
	}{
		{"off by default", ``, 0, 0},
		{"0 is off", `,"idleTimeoutSeconds":0`, 0, 0},
		{"15 minutes, warning 60 s by default", `,"idleTimeoutSeconds":900`, 15 * time.Minute, time.Minute},
		{"short timeout: default warning is half", `,"idleTimeoutSeconds":6`, 6 * time.Second, 3 * time.Second},
		{"explicit warning", `,"idleTimeoutSeconds":900,"idleWarningSeconds":120`, 15 * time.Minute, 2 * time.Minute},
		{"fractions", `,"idleTimeoutSeconds":4.5,"idleWarningSeconds":1.5`, 4500 * time.Millisecond, 1500 * time.Millisecond},
		{"warning without timeout is kept for when it is on", `,"idleWarningSeconds":30`, 0, 0},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(`{` + base + tt.json + `}`))
			if err != nil {
				t.Fatal(err)
			}
			if c.IdleTimeout() != tt.timeout || tt.timeout > 0 && c.IdleWarning() != tt.warning {
				t.Errorf("IdleTimeout %v, IdleWarning %v; want %v, %v", c.IdleTimeout(), c.IdleWarning(), tt.timeout, tt.warning)
			}
		})
	}
	bad := []struct{ name, json, key, message string }{
		{"negative timeout", `,"idleTimeoutSeconds":-1`, "idleTimeoutSeconds", "must be 0 (off, the default) or more"},
		{"timeout over a day", `,"idleTimeoutSeconds":86401`, "idleTimeoutSeconds", "at most 86400"},
		{"timeout a string", `,"idleTimeoutSeconds":"900"`, "idleTimeoutSeconds", "must be a number"},
		{"zero warning", `,"idleTimeoutSeconds":900,"idleWarningSeconds":0`, "idleWarningSeconds", "more than 0"},
		{"negative warning", `,"idleWarningSeconds":-5`, "idleWarningSeconds", "more than 0"},
		{"warning as long as the timeout", `,"idleTimeoutSeconds":60,"idleWarningSeconds":60`, "idleWarningSeconds", "less than idleTimeoutSeconds (60)"},
		{"warning longer", `,"idleTimeoutSeconds":60,"idleWarningSeconds":90`, "idleWarningSeconds", "less than idleTimeoutSeconds"},
		{"misspelt key", `,"idleTimeout":60`, "idleTimeout", "unknown key"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig([]byte(`{` + base + tt.json + `}`))
			var ce *ConfigError
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("err %v, want invalid_config", err)
			}
			if ce.Key != tt.key || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q (key %q), want key %q saying %q", err, ce.Key, tt.key, tt.message)
			}
		})
	}
}

func TestIdleSignOutConfig(t *testing.T) {
	base := `"clientId":"c","redirectUri":"https://app.example/"`
	for in, want := range map[string]string{"": "local", `,"idleSignOut":"local"`: "local", `,"idleSignOut":"provider"`: "provider"} {
		c, err := ParseConfig([]byte(`{` + base + in + `}`))
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if c.IdleSignOut != want || c.EndsProviderSessionWhenIdle() != (want == "provider") {
			t.Errorf("%s: IdleSignOut %q, want %q", in, c.IdleSignOut, want)
		}
	}
	for _, in := range []string{`"Provider"`, `"remote"`, `true`, `""`, `null`} {
		_, err := ParseConfig([]byte(`{` + base + `,"idleSignOut":` + in + `}`))
		var ce *ConfigError
		if in == `null` || in == `""` {
			if err != nil {
				t.Errorf("idleSignOut %s: %v, want the default", in, err)
			}
			continue
		}
		if !errors.As(err, &ce) || ce.Key != "idleSignOut" || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("idleSignOut %s: %v, want invalid_config for idleSignOut", in, err)
		}
	}
}

// TestIdleEnd: the idle end marks the sign-out; with idleSignOut "provider"
// it also gives logout()'s end-session request (a form POST with the ID token
// as id_token_hint, back on redirectUri), with "local" none.
func TestIdleEnd(t *testing.T) {
	for _, mode := range []string{"local", "provider"} {
		h := newHarness(t, `,"idleSignOut":"`+mode+`"`)
		res := h.login(t)
		held, _ := SessionTokens(res.Tokens, h.clock.Now())
		h.clock.Add(time.Minute)
		req := h.client.IdleEnd(held)
		if at, ok := h.client.SignedOut(); !ok || !at.Equal(h.clock.Now()) {
			t.Errorf("%s: mark %v %v, want the end", mode, at, ok)
		}
		if mode == "local" {
			if req != nil {
				t.Errorf("local: end-session request %+v", req)
			}
			continue
		}
		if req == nil || !req.Post() || req.Action != h.realm.issuer+"/protocol/openid-connect/logout" {
			t.Fatalf("provider: request %+v, want a POST to the end-session endpoint", req)
		}
		if req.Form.Get("id_token_hint") != res.Tokens.IDToken || req.Form.Get("post_logout_redirect_uri") != testRedirect ||
			req.Form.Get("client_id") != testClientID {
			t.Errorf("provider: form %v", req.Form)
		}
	}
}
