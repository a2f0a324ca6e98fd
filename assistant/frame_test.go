package assistant

import (
	"errors"
	"testing"
)

func TestNewFrame(t *testing.T) {
	tests := []struct {
		base, src, origin string
	}{
		{"https://assistant.eu.corti.app", "https://assistant.eu.corti.app/embedded", "https://assistant.eu.corti.app"},
		{"https://assistant.us.corti.app/", "https://assistant.us.corti.app/embedded", "https://assistant.us.corti.app"},
		{"https://assistantmd.eu.corti.app", "https://assistantmd.eu.corti.app/embedded", "https://assistantmd.eu.corti.app"},
		{"https://proxy.example.org/corti/assistant/", "https://proxy.example.org/corti/assistant/embedded", "https://proxy.example.org"},
		{"https://proxy.example.org:8443/p", "https://proxy.example.org:8443/p/embedded", "https://proxy.example.org:8443"},
		{"https://Assistant.EU.Corti.App:443", "https://assistant.eu.corti.app/embedded", "https://assistant.eu.corti.app"},
		{"HTTPS://assistant.eu.corti.app", "https://assistant.eu.corti.app/embedded", "https://assistant.eu.corti.app"},
		{"  https://assistant.eu.corti.app  ", "https://assistant.eu.corti.app/embedded", "https://assistant.eu.corti.app"},
		{"http://127.0.0.1:8181", "http://127.0.0.1:8181/embedded", "http://127.0.0.1:8181"},
		{"http://127.0.0.1:08181/", "http://127.0.0.1:8181/embedded", "http://127.0.0.1:8181"},
		{"http://localhost:8181/dev", "http://localhost:8181/dev/embedded", "http://localhost:8181"},
		{"http://LOCALHOST:80", "http://localhost/embedded", "http://localhost"},
		{"http://[::1]:8181", "http://[::1]:8181/embedded", "http://[::1]:8181"},
		{"https://xn--bcher-kva.example", "https://xn--bcher-kva.example/embedded", "https://xn--bcher-kva.example"},
	}
	for _, tt := range tests {
		f, err := NewFrame(tt.base)
		if err != nil {
			t.Errorf("NewFrame(%q): %v", tt.base, err)
			continue
		}
		if f.Src != tt.src || f.Origin != tt.origin {
			t.Errorf("NewFrame(%q) = src %q origin %q, want %q %q", tt.base, f.Src, f.Origin, tt.src, tt.origin)
		}
		// The component's getIframeAllowPolicy: these five, in this order, each to the Assistant origin.
		wantAllow := "microphone " + tt.origin + "; camera " + tt.origin + "; device-capture " + tt.origin +
			"; display-capture " + tt.origin + "; clipboard-write " + tt.origin
		if f.Allow != wantAllow {
			t.Errorf("NewFrame(%q).Allow = %q, want %q", tt.base, f.Allow, wantAllow)
		}
		if f.Sandbox != "allow-forms allow-modals allow-scripts allow-same-origin" || f.Title != "Corti Assistant" {
			t.Errorf("NewFrame(%q) sandbox %q title %q", tt.base, f.Sandbox, f.Title)
		}
		// Issue 22 §4: the Assistant learns this page's origin, never its address (an early mount loads before
		// handleCallback() cleans the code and state out of it; a page-wide unsafe-url policy would send them).
		if f.ReferrerPolicy != "origin" {
			t.Errorf("NewFrame(%q).ReferrerPolicy = %q, want origin", tt.base, f.ReferrerPolicy)
		}
	}
}

func TestNewFrameRefuses(t *testing.T) {
	for _, base := range []string{
		"",
		"   ",
		"assistant.eu.corti.app",
		"//assistant.eu.corti.app",
		"/embedded",
		"ftp://assistant.eu.corti.app",
		"javascript:alert(1)",
		"data:text/html,<script>",
		"https:assistant.eu.corti.app",
		"https://",
		"https:///path",
		"http://assistant.eu.corti.app",
		"http://127.0.0.2:8181",
		"http://localhost.evil.example",
		"http://10.0.0.1",
		"https://user:pass@assistant.eu.corti.app",
		"https://user@assistant.eu.corti.app",
		"http://evil.example@127.0.0.1",
		"https://assistant.eu.corti.app?x=1",
		"https://assistant.eu.corti.app/?",
		"https://assistant.eu.corti.app#frag",
		"https://assistant.eu.corti.app/#",
		"https://assistant.eu.corti.app:",
		"https://assistant.eu.corti.app:0",
		"https://assistant.eu.corti.app:65536",
		"https://assistant.eu.corti.app:http",
		"https://bücher.example",
		"https://assistant.eu.corti.app\n/x",
		"https://assistant.eu%2ecorti.app",
	} {
		f, err := NewFrame(base)
		if !errors.Is(err, ErrInvalidBaseURL) {
			t.Errorf("NewFrame(%q) = %+v, %v; want ErrInvalidBaseURL", base, f, err)
		}
		if f != (Frame{}) {
			t.Errorf("NewFrame(%q) returned a frame with its error", base)
		}
	}
}

func TestDefaultBaseURL(t *testing.T) {
	for env, want := range map[string]string{
		"eu":   "https://assistant.eu.corti.app",
		"us":   "https://assistant.us.corti.app",
		" US ": "https://assistant.us.corti.app",
	} {
		if got := DefaultBaseURL(env); got != want {
			t.Errorf("DefaultBaseURL(%q) = %q, want %q", env, got, want)
		}
		if _, err := NewFrame(DefaultBaseURL(env)); err != nil {
			t.Errorf("NewFrame(DefaultBaseURL(%q)): %v", env, err)
		}
	}
	if _, err := NewFrame(DefaultBaseURL("eu/evil?")); !errors.Is(err, ErrInvalidBaseURL) {
		t.Errorf("a malformed environment gave a usable base URL")
	}
}
