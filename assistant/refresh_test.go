package assistant

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
)

func TestForAuth(t *testing.T) {
	resp, err := pkce.ParseTokenResponse([]byte(`{"access_token":"at","token_type":"Bearer","expires_in":60,"refresh_token":"rt","refresh_expires_in":1800,"id_token":"id","scope":"openid"}`))
	if err != nil {
		t.Fatal(err)
	}
	keys := func(share bool) map[string]any {
		b, err := AuthPayload(ForAuth(resp, share), time.Unix(100, 0), Profile{})
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	host := keys(false)
	for _, k := range []string{"refresh_token", "refresh_expires_in"} {
		if _, ok := host[k]; ok {
			t.Errorf("host-only auth has %s: %v", k, host)
		}
	}
	for _, k := range []string{"access_token", "token_type", "expires_in", "id_token", "scope", "expires_at"} {
		if _, ok := host[k]; !ok {
			t.Errorf("host-only auth lacks %s: %v", k, host)
		}
	}
	shared := keys(true)
	if shared["refresh_token"] != "rt" || shared["refresh_expires_in"] != float64(1800) {
		t.Errorf("shared auth: %v", shared)
	}
	if resp.RefreshToken != "rt" || string(resp.Raw["refresh_token"]) != `"rt"` {
		t.Error("ForAuth changed its argument")
	}
	if ForAuth(nil, false) != nil {
		t.Error("ForAuth(nil) is not nil")
	}
}

func TestRefreshConflict(t *testing.T) {
	grant := &pkce.OAuthError{ErrorCode: "invalid_grant", Status: 400}
	other := &pkce.OAuthError{ErrorCode: "invalid_client", Status: 401}
	for _, tc := range []struct {
		name    string
		err     error
		refused string
		shared  []string
		want    bool
	}{
		{"invalid_grant for a shared token", grant, "rt2", []string{"rt1", "rt2"}, true},
		{"invalid_grant for a token never shared", grant, "rt3", []string{"rt1", "rt2"}, false},
		{"nothing shared (the default)", grant, "rt1", nil, false},
		{"another OAuth error", other, "rt1", []string{"rt1"}, false},
		{"a network error", errors.New("offline"), "rt1", []string{"rt1"}, false},
		{"no refresh token", grant, "", []string{""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := RefreshConflict(tc.err, tc.refused, tc.shared)
			if got := errors.Is(err, ErrRefreshConflict); got != tc.want {
				t.Fatalf("RefreshConflict = %v, want conflict %v", err, tc.want)
			}
			var oe *pkce.OAuthError
			if err != nil && errors.As(err, &oe) {
				t.Fatal("the conflict wraps the OAuth error: its code would be oauth_error")
			}
		})
	}
}

// prewarm, before the frame is ready, posts nothing and leaves the session's
// tokens alone (the first auth still gets the first token); once ready it does
// nothing at all.
func TestPrewarmIsInvisible(t *testing.T) {
	var warm []string
	h := newHarness(t, func(o *Options, f *fakeIframe) {
		f.noReady = true
		o.IsServiceAccount = func(at string) bool { warm = append(warm, at); return false }
	})
	h.c.prewarm()
	if reqs := h.f.requests(); len(reqs) != 0 {
		t.Fatalf("prewarm posted %+v", reqs)
	}
	h.tokens.mu.Lock()
	n := h.tokens.n
	h.tokens.mu.Unlock()
	if n != 0 || len(warm) != 0 {
		t.Fatalf("prewarm used the session's tokens (%d Fresh calls) or the check's hook (%q)", n, warm)
	}
}
