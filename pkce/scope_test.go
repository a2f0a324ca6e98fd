package pkce

import "testing"

func TestNormalizeScope(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "openid profile"},
		{"   ", "openid profile"},
		{"openid", "openid"},
		{"profile email", "openid profile email"},
		{"email openid", "email openid"},
		{"openid  profile\temail", "openid profile email"},
		{"openid profile openid profile", "openid profile"},
		{"offline_access", "openid offline_access"},
		{" openid ", "openid"},
	}
	for _, tt := range tests {
		if got := NormalizeScope(tt.in); got != tt.want {
			t.Errorf("NormalizeScope(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
