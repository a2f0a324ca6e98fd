package pkce

import (
	"errors"
	"strings"
	"testing"
)

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "::1": true, "localhost": true, "LOCALHOST": true, "LocalHost": true,
		"localhost.": false, "LOCALHOST.": false, "sub.localhost": false, "localhost.example.com": false,
		"127.0.0.2": false, "127.1": false, "0:0:0:0:0:0:0:1": false, "[::1]": false,
		"127.0.0.1.nip.io": false, "": false, "0.0.0.0": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// urlPolicyCases are the cases of the one URL policy; auth's and assistant's
// tests run the loopback ones through their own entry points too.
var urlPolicyCases = []struct {
	raw    string
	ok     bool   // ParseURL accepts it
	reason string // else the error says this
}{
	{"https://auth.eu.corti.app/realms/base", true, ""},
	{"https://auth.eu.corti.app/auth?ui_locales=da", true, ""},
	{"HTTPS://Auth.EU.corti.app", true, ""},
	{"http://127.0.0.1:8180", true, ""},
	{"http://localhost:8180/cb", true, ""},
	{"http://LOCALHOST:8180", true, ""},
	{"HTTP://LocalHost", true, ""},
	{"http://[::1]:8180", true, ""},
	{"http://localhost.:8180", false, "only https"},
	{"http://sub.localhost", false, "only https"},
	{"http://localhost.evil.example", false, "only https"},
	{"http://127.0.0.1.nip.io/cb", false, "use https"},
	{"http://127.0.0.2", false, "only https"},
	{"http://[0:0:0:0:0:0:0:1]", false, "only https"},
	{"http://auth.example.com", false, "only https"},
	{"", false, "is empty"},
	{"/realms/base", false, "not an absolute URL"},
	{"//auth.example.com", false, "not an absolute URL"},
	{"https:auth.example.com", false, "not an absolute URL"},
	{"https://", false, "not an absolute URL"},
	{"javascript:alert(1)", false, "not an absolute URL"},
	{"ftp://auth.example.com", false, "not an http(s) URL"},
	{"com.example.app://cb", false, "not an http(s) URL"},
	{"https://u:p@auth.example.com", false, "user info"},
	{"http://evil.example@127.0.0.1", false, "user info"},
	{"https://auth.example.com/#x", false, "fragment"},
	{"https://auth.example.com#", false, "fragment"},
	{"https://auth.example.com/\n", false, "not a URL"},
}

func TestParseURL(t *testing.T) {
	for _, tt := range urlPolicyCases {
		u, err := ParseURL(tt.raw)
		if tt.ok {
			if err != nil || u == nil {
				t.Errorf("ParseURL(%q) = %v, %v; want it accepted", tt.raw, u, err)
			}
			continue
		}
		var ue *URLError
		if !errors.As(err, &ue) || u != nil {
			t.Errorf("ParseURL(%q) = %v, %v; want a *URLError", tt.raw, u, err)
			continue
		}
		if ue.URL != tt.raw || !strings.Contains(err.Error(), tt.reason) {
			t.Errorf("ParseURL(%q) error %q, want it to name the URL and say %q", tt.raw, err, tt.reason)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	for _, tt := range urlPolicyCases {
		_, err := ParseBaseURL(tt.raw)
		_, plain := ParseURL(tt.raw)
		if (err == nil) != (plain == nil) && !strings.Contains(tt.raw, "?") {
			t.Errorf("ParseBaseURL(%q) = %v but ParseURL gives %v", tt.raw, err, plain)
		}
	}
	for _, raw := range []string{"https://auth.example.com?", "https://auth.example.com/?realm=x", "http://localhost:8180?"} {
		if _, err := ParseBaseURL(raw); err == nil || !strings.Contains(err.Error(), "no query") {
			t.Errorf("ParseBaseURL(%q) = %v, want a refused query", raw, err)
		}
	}
}
