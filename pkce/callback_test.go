package pkce

import (
	"errors"
	"strings"
	"testing"
)

func TestParseCallback(t *testing.T) {
	tests := []struct {
		name string
		url  string
		want Callback
	}{
		{"query", "https://app.example.com/cb?code=abc&state=xyz",
			Callback{Code: "abc", State: "xyz"}},
		{"keycloak session_state and iss",
			"https://app.example.com/cb?state=f3a1&session_state=5b8c-77&iss=https%3A%2F%2Fauth.eu.corti.app%2Frealms%2Fbase&code=9e1d.5b8c.b1a2",
			Callback{Code: "9e1d.5b8c.b1a2", State: "f3a1", SessionState: "5b8c-77", Iss: "https://auth.eu.corti.app/realms/base"}},
		{"error with description",
			"https://app.example.com/cb?error=access_denied&error_description=User+denied%20consent&error_uri=https%3A%2F%2Fx%2Fe&state=xyz",
			Callback{Error: "access_denied", ErrorDescription: "User denied consent", ErrorURI: "https://x/e", State: "xyz"}},
		{"fragment", "https://app.example.com/cb#state=xyz&code=abc&session_state=s",
			Callback{Code: "abc", State: "xyz", SessionState: "s"}},
		{"fragment with other query", "https://app.example.com/cb?tab=2#code=abc&state=xyz",
			Callback{Code: "abc", State: "xyz"}},
		{"query wins when both carry state", "https://app.example.com/cb?code=q&state=qs#code=f&state=fs",
			Callback{Code: "q", State: "qs"}},
		{"the part with state wins", "https://app.example.com/cb?code=q#code=f&state=fs",
			Callback{Code: "f", State: "fs"}},
		{"spa route fragment ignored", "https://app.example.com/?code=abc&state=xyz#/dashboard",
			Callback{Code: "abc", State: "xyz"}},
		{"identical repeat tolerated", "https://app.example.com/cb?code=abc&state=xyz&state=xyz",
			Callback{Code: "abc", State: "xyz"}},
		{"other repeated params are not ours", "https://app.example.com/cb?code=abc&state=xyz&tab=1&tab=2",
			Callback{Code: "abc", State: "xyz"}},
		{"no response", "https://app.example.com/home?tab=1", Callback{}},
		{"relative", "/cb?code=abc&state=xyz", Callback{Code: "abc", State: "xyz"}},
	}
	for _, tt := range tests {
		got, err := ParseCallback(tt.url)
		if err != nil || got != tt.want {
			t.Errorf("%s: ParseCallback(%q) = %+v, %v; want %+v", tt.name, tt.url, got, err, tt.want)
		}
	}
}

func TestParseCallbackRefused(t *testing.T) {
	tests := []struct{ name, url string }{
		{"state twice", "https://app.example.com/cb?code=abc&state=one&state=two"},
		{"code twice", "https://app.example.com/cb?code=abc&code=def&state=s"},
		{"error twice in fragment", "https://app.example.com/cb#error=a&error=b&state=s"},
		{"bad escape", "https://app.example.com/cb?code=%zz&state=s"},
		{"bad escape in fragment", "https://app.example.com/cb#code=abc&state=s&error_description=%zz"},
		{"control character", "https://app.example.com/cb?code=a\x7f&state=s\x00"},
		{"bad host", "https://[::1/cb?code=a&state=s"},
		{"too long", "https://app.example.com/cb?code=a&state=s&pad=" + strings.Repeat("x", 64<<10)},
	}
	for _, tt := range tests {
		got, err := ParseCallback(tt.url)
		if !errors.Is(err, ErrInvalidCallback) {
			t.Errorf("%s: ParseCallback = %+v, %v; want ErrInvalidCallback", tt.name, got, err)
		}
		if IsCallback(tt.url) {
			t.Errorf("%s: IsCallback = true for a refused URL", tt.name)
		}
	}
}

func TestIsCallback(t *testing.T) {
	tests := []struct {
		url  string
		want bool
	}{
		{"https://app.example.com/cb?code=abc&state=xyz", true},
		{"https://app.example.com/cb?error=login_required&state=xyz", true},
		{"https://app.example.com/cb#code=abc&state=xyz", true},
		{"https://app.example.com/cb?code=abc", false},        // no state: not ours
		{"https://app.example.com/cb?state=xyz", false},       // neither code nor error
		{"https://app.example.com/cb?code=&state=xyz", false}, // empty code
		{"https://app.example.com/", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := IsCallback(tt.url); got != tt.want {
			t.Errorf("IsCallback(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
}

func TestCallbackErr(t *testing.T) {
	if err := (Callback{Code: "abc", State: "s"}).Err(); err != nil {
		t.Fatalf("Err() = %v for a successful callback", err)
	}
	err := Callback{Error: "access_denied", ErrorDescription: "User denied", ErrorURI: "https://x", State: "s"}.Err()
	var oe *OAuthError
	if !errors.As(err, &oe) {
		t.Fatalf("Err() = %T, want *OAuthError", err)
	}
	if *oe != (OAuthError{ErrorCode: "access_denied", Description: "User denied", URI: "https://x"}) {
		t.Errorf("Err() = %+v", *oe)
	}
	if got, want := err.Error(), "pkce: oauth error access_denied: User denied"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if oe.Temporary() {
		t.Error("access_denied reported temporary")
	}
}

func TestStripCallback(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://app.example.com/cb?code=abc&state=xyz", "https://app.example.com/cb"},
		{"https://app.example.com/cb?tab=2&code=abc&state=xyz&session_state=s&iss=https%3A%2F%2Fi", "https://app.example.com/cb?tab=2"},
		{"https://app.example.com/cb?error=access_denied&error_description=no&error_uri=u&state=s&x=%2F", "https://app.example.com/cb?x=%2F"},
		{"https://app.example.com/cb?a=1#code=abc&state=xyz", "https://app.example.com/cb?a=1"},
		{"https://app.example.com/?code=abc&state=xyz#/dashboard", "https://app.example.com/#/dashboard"},
		{"https://app.example.com/cb?a=1&a=2&codex=3&state%5B%5D=4", "https://app.example.com/cb?a=1&a=2&codex=3&state%5B%5D=4"},
		{"https://app.example.com/p/a%20th?c%6fde=abc", "https://app.example.com/p/a%20th"}, // escaped name
		{"https://app.example.com/", "https://app.example.com/"},
		{"https://app.example.com/?", "https://app.example.com/"},
	}
	for _, tt := range tests {
		got, err := StripCallback(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("StripCallback(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if IsCallback(got) {
			t.Errorf("StripCallback(%q) = %q is still a callback", tt.in, got)
		}
	}
	if _, err := StripCallback("https://[::1/cb?code=a"); !errors.Is(err, ErrInvalidCallback) {
		t.Errorf("StripCallback of a bad URL: %v, want ErrInvalidCallback", err)
	}
}
