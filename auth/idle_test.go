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
			if !errors.As(err, &ce) || !errors.Is(err, ErrInvalidConfig) || Code(err) != "invalid_config" {
				t.Fatalf("err %v, want invalid_config", err)
			}
			if ce.Key != tt.key || !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q (key %q), want key %q saying %q", err, ce.Key, tt.key, tt.message)
			}
		})
	}
}
