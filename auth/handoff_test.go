package auth

import "testing"

func TestHandoffURL(t *testing.T) {
	const st = "s-123"
	for _, c := range []struct {
		name, typ, url string
		ok             bool
	}{
		{"code", HandoffType, "https://app.example/cb.html?code=c&state=s-123&iss=x", true},
		{"error", HandoffType, "https://app.example/cb.html?error=login_required&state=s-123", true},
		{"fragment", HandoffType, "https://app.example/cb.html#code=c&state=s-123", true},
		{"another login", HandoffType, "https://app.example/cb.html?code=c&state=s-999", false},
		{"no state", HandoffType, "https://app.example/cb.html?code=c", false},
		{"other type", "other", "https://app.example/cb.html?code=c&state=s-123", false},
		{"not a URL", HandoffType, "%zz", false},
		{"repeated state", HandoffType, "https://app.example/cb.html?code=c&state=s-123&state=s-999", false},
	} {
		got, ok := HandoffURL(c.typ, c.url, st)
		if ok != c.ok || (ok && got != c.url) {
			t.Errorf("%s: HandoffURL = %q, %v; want ok=%v", c.name, got, ok, c.ok)
		}
	}
	if _, ok := HandoffURL(HandoffType, "https://app.example/cb.html?code=c&state=", ""); ok {
		t.Error("an empty state matched")
	}
}
