package assistant

import (
	"testing"

	"github.com/corti-auth/corti-auth/pkce"
)

// TestNewFrameFollowsURLPolicy: NewFrame refuses whatever pkce's one URL policy
// refuses for a base URL, and accepts the loopback hosts it accepts.
func TestNewFrameFollowsURLPolicy(t *testing.T) {
	for _, raw := range []string{
		"http://127.0.0.1:8181", "http://localhost:8181", "http://LOCALHOST:8181", "HTTP://LocalHost:8181",
		"http://[::1]:8181", "http://localhost.:8181", "http://127.0.0.2:8181", "http://sub.localhost:8181",
		"http://localhost.example.com", "https://assistant.example.com", "https://u@assistant.example.com",
		"ftp://assistant.example.com", "https://assistant.example.com#", "https://assistant.example.com?",
	} {
		_, want := pkce.ParseBaseURL(raw)
		if _, err := NewFrame(raw); (err == nil) != (want == nil) {
			t.Errorf("NewFrame(%q) = %v; the URL policy says %v", raw, err, want)
		}
	}
}
