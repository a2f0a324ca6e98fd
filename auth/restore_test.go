package auth

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
)

func TestPlanRestore(t *testing.T) {
	f, tr := false, true
	ms := func(v float64) *float64 { return &v }
	for _, c := range []struct {
		name  string
		o     RestoreOptions
		share bool
		steps []RestoreStep
		limit time.Duration
	}{
		{"defaults", RestoreOptions{}, false, []RestoreStep{StepSilent}, 5 * time.Second},
		{"shared", RestoreOptions{}, true, []RestoreStep{StepSibling, StepSilent}, 5 * time.Second},
		{"silent off", RestoreOptions{Silent: &f}, true, []RestoreStep{StepSibling}, 5 * time.Second},
		{"silent off, alone", RestoreOptions{Silent: &f}, false, nil, 5 * time.Second},
		{"silent true", RestoreOptions{Silent: &tr}, false, []RestoreStep{StepSilent}, 5 * time.Second},
		{"redirect last", RestoreOptions{Redirect: true}, true, []RestoreStep{StepSibling, StepSilent, StepRedirect}, 5 * time.Second},
		{"redirect only", RestoreOptions{Redirect: true, Silent: &f}, false, []RestoreStep{StepRedirect}, 5 * time.Second},
		{"timeout", RestoreOptions{TimeoutMs: ms(1500)}, false, []RestoreStep{StepSilent}, 1500 * time.Millisecond},
		{"timeout fraction", RestoreOptions{TimeoutMs: ms(1.5)}, false, []RestoreStep{StepSilent}, 1500 * time.Microsecond},
	} {
		p, err := PlanRestore(c.o, c.share, false)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !reflect.DeepEqual(p.Steps, c.steps) || p.Timeout != c.limit {
			t.Errorf("%s: got %v %v, want %v %v", c.name, p.Steps, p.Timeout, c.steps, c.limit)
		}
	}
	for _, v := range []float64{0, -1, 0.5, 300001, 1e300} {
		_, err := PlanRestore(RestoreOptions{TimeoutMs: &v}, false, false)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != "timeoutMs" || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("timeoutMs %v: got %v, want invalid_config for timeoutMs", v, err)
		}
	}
}

func TestParseRestoreOptions(t *testing.T) {
	f := false
	five := 5.0
	for _, c := range []struct {
		in   string
		want RestoreOptions
	}{
		{"", RestoreOptions{}},
		{"null", RestoreOptions{}},
		{"{}", RestoreOptions{}},
		{`{"silent":false,"redirect":true,"timeoutMs":5}`, RestoreOptions{Silent: &f, Redirect: true, TimeoutMs: &five}},
	} {
		got, err := ParseRestoreOptions([]byte(c.in))
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %+v, %v", c.in, got, err)
		}
	}
	for _, in := range []string{`{"silnet":false}`, `{"redirect":"yes"}`, `{"timeoutMs":"5000"}`, `[1]`, `"x"`} {
		_, err := ParseRestoreOptions([]byte(in))
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: got %v, want invalid_config", in, err)
		}
	}
}

func TestSilentOutcome(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want RestoreOutcome
	}{
		{"session", nil, RestoreDone},
		{"login_required", &pkce.OAuthError{ErrorCode: "login_required"}, RestoreNext},
		{"interaction_required", &pkce.OAuthError{ErrorCode: "interaction_required"}, RestoreNext},
		{"consent_required", &pkce.OAuthError{ErrorCode: "consent_required"}, RestoreNext},
		{"account_selection_required", &pkce.OAuthError{ErrorCode: "account_selection_required"}, RestoreNext},
		{"wrapped", fmt.Errorf("x: %w", &pkce.OAuthError{ErrorCode: "login_required"}), RestoreNext},
		{"redacted", redactCallback(&pkce.OAuthError{ErrorCode: "login_required", Description: "state abcdefghij"}, "https://a.example/?state=abcdefghij&error=login_required"), RestoreNext},
		{"access_denied", &pkce.OAuthError{ErrorCode: "access_denied"}, RestoreFail},
		{"token endpoint login_required", &pkce.OAuthError{ErrorCode: "login_required", Status: 400}, RestoreFail},
		{"invalid_grant", &pkce.OAuthError{ErrorCode: "invalid_grant", Status: 400}, RestoreFail},
		{"state mismatch", ErrStateMismatch, RestoreFail},
		{"iss mismatch", ErrIssMismatch, RestoreFail},
		{"id token", &token.IDTokenError{Check: token.CheckNonce, Err: errors.New("nonce")}, RestoreFail},
	} {
		if got := SilentOutcome(c.err); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

func TestSilentOrigin(t *testing.T) {
	o, err := SilentOrigin("https://app.example-hospital.dk/corti/callback.html", "https://app.example-hospital.dk")
	if err != nil || o != "https://app.example-hospital.dk" {
		t.Errorf("same origin: %q, %v", o, err)
	}
	for _, c := range [][2]string{
		{"https://other.example-hospital.dk/callback.html", "https://app.example-hospital.dk"},
		{"http://app.example-hospital.dk/callback.html", "https://app.example-hospital.dk"},
		{"https://app.example-hospital.dk:8443/callback.html", "https://app.example-hospital.dk"},
		{"https://app.example-hospital.dk/callback.html", "null"}, // an opaque origin
		{"", "https://app.example-hospital.dk"},
	} {
		_, err := SilentOrigin(c[0], c[1])
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != "silentRedirectUri" {
			t.Errorf("%v: got %v, want invalid_config for silentRedirectUri", c, err)
		}
	}
}

func TestSilentCSPBlock(t *testing.T) {
	const frame = "http://127.0.0.1:8180/realms/base/protocol/openid-connect/auth?prompt=none&state=s"
	const self = "http://localhost:8182"
	for _, c := range []struct {
		name, dir, blocked string
		ok                 bool
		says               string
	}{
		{"frame-src, whole URL", "frame-src", frame, true, "add http://127.0.0.1:8180 to frame-src"},
		{"frame-src, origin only", "frame-src", "http://127.0.0.1:8180", true, "add http://127.0.0.1:8180 to frame-src"},
		{"child-src", "child-src", frame, true, "(child-src)"},
		{"default-src", "default-src", frame, true, "(default-src)"},
		{"the callback page", "frame-src", self + "/dist/callback.html", true, "add 'self' to frame-src"},
		{"another frame", "frame-src", "https://assistant.eu.corti.app/embedded", false, ""},
		{"a script", "script-src-elem", frame, false, ""},
		{"connect-src", "connect-src", frame, false, ""},
		{"inline", "frame-src", "inline", false, ""},
		{"empty", "frame-src", "", false, ""},
	} {
		msg, ok := SilentCSPBlock(c.dir, c.blocked, frame, self)
		if ok != c.ok || !strings.Contains(msg, c.says) {
			t.Errorf("%s: got %q, %v; want ok=%v mentioning %q", c.name, msg, ok, c.ok, c.says)
		}
	}
}

func TestStartSilentAndAbandon(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"clientId":"c","redirectUri":"` + validRedirect + `","silentRedirectUri":"https://app.example-hospital.dk/callback.html"}`))
	if err != nil {
		t.Fatal(err)
	}
	st := storage.NewMemory()
	c := NewClient(cfg, nil, st, token.NewKeySets(nil), nil)
	a, err := c.StartSilent()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(a.URL)
	q := u.Query()
	if q.Get("prompt") != "none" || q.Get("redirect_uri") != "https://app.example-hospital.dk/callback.html" || q.Get("state") != a.State {
		t.Errorf("silent authorize URL %s", a.URL)
	}
	if q.Get("nonce") == "" || q.Get("code_challenge") == "" {
		t.Errorf("silent login without nonce or PKCE: %s", a.URL)
	}
	b, err := c.StartRedirectRestore()
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := url.Parse(b.URL); u.Query().Get("prompt") != "none" || u.Query().Get("redirect_uri") != validRedirect {
		t.Errorf("redirect authorize URL %s", b.URL)
	}
	if b.State == a.State {
		t.Error("two logins share a state")
	}
	c.Abandon(a.State)
	c.Abandon(a.State) // twice: nothing there, no harm
	keys, _ := st.Keys()
	if len(keys) != 1 || keys[0] != storage.PendingPrefix+b.State {
		t.Errorf("after Abandon: %v, want only the redirect step's pending login", keys)
	}
	// A late callback of the abandoned login is refused.
	_, err = c.HandleCallback(t.Context(), "https://app.example-hospital.dk/callback.html?code=late&state="+a.State+"&iss="+url.QueryEscape(cfg.Issuer()))
	if !errors.Is(err, ErrStateMismatch) && !errors.Is(err, ErrNoPendingLogin) {
		t.Errorf("late callback: %v", err)
	}
}
