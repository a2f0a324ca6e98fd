package auth

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
	"github.com/golang-jwt/jwt/v5"
)

// reauthRig is a signed-in session's identity and a re-authentication popup
// login for it, played against the fake realm.
func reauthLogin(t *testing.T, h *harness, id Identity, opts string, edit func(jwt.MapClaims)) (*Result, error) {
	t.Helper()
	ao, _, err := ParseReauthOptions([]byte(opts), id)
	if err != nil {
		t.Fatal(err)
	}
	ao.Handoff = true
	a, err := h.client.Authorize(ao)
	if err != nil {
		t.Fatal(err)
	}
	h.realm.mu.Lock()
	h.realm.idClaims = edit
	h.realm.mu.Unlock()
	t.Cleanup(func() { h.realm.mu.Lock(); h.realm.idClaims = nil; h.realm.mu.Unlock() })
	q, _ := url.Parse(a.URL)
	for k, want := range map[string]string{"prompt": "login", "max_age": "0", "login_hint": "dr.jensen"} {
		if got := q.Query().Get(k); got != want {
			t.Errorf("authorize %s = %q, want %q", k, got, want)
		}
	}
	return h.client.HandleCallback(context.Background(), h.realm.authorize(a.URL))
}

func TestSessionIdentity(t *testing.T) {
	h := newHarness(t, "")
	res := h.login(t)
	tok, _ := SessionTokens(res.Tokens, h.clock.Now())
	id := h.client.SessionIdentity(tok, "")
	want := Identity{Issuer: h.realm.issuer, ClientID: testClientID, Subject: testSub, LoginHint: "dr.jensen"}
	if id != want {
		t.Errorf("identity %+v, want %+v", id, want)
	}
	// Without an ID token the access token names the user; without a name, sub.
	noID := *res.Tokens
	noID.IDToken = ""
	if got := h.client.SessionIdentity(session.Tokens{Response: &noID}, ""); got != want {
		t.Errorf("from the access token: %+v", got)
	}
	if got := h.client.SessionIdentity(session.Tokens{}, "s-1"); got.Subject != "s-1" || got.LoginHint != "s-1" {
		t.Errorf("bare: %+v", got)
	}
}

func TestParseReauthOptions(t *testing.T) {
	id := Identity{Subject: "s", LoginHint: "dr"}
	for _, c := range []struct {
		in  string
		ok  bool
		age int64
		acr string
	}{
		{"", true, 0, ""},
		{"null", true, 0, ""},
		{`{}`, true, 0, ""},
		{`{"maxAge":300,"acrValues":["1","2"]}`, true, 300, "1 2"},
		{`{"maxAge":-1}`, false, 0, ""},
		{`{"maxAge":1.5}`, false, 0, ""},
		{`{"maxAge":"0"}`, false, 0, ""},
		{`{"timeoutMs":0}`, false, 0, ""},
		{`{"acrValues":[""]}`, false, 0, ""},
	} {
		o, _, err := ParseReauthOptions([]byte(c.in), id)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v", c.in, err)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%s: %v, want ErrInvalidConfig (code invalid_config)", c.in, err)
			}
			continue
		}
		if o.Prompt != "login" || o.LoginHint != "dr" || o.MaxAge == nil || *o.MaxAge != c.age || string(o.ACRValues) != c.acr {
			t.Errorf("%s: %+v", c.in, o)
		}
	}
	if _, _, err := ParseReauthOptions(nil, Identity{}); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("no user: %v", err)
	}
}

// The same clinician confirms: the callback passes every check and names the
// session's user. Another one: user_mismatch, whichever claim differs.
func TestReauthSameAndOtherUser(t *testing.T) {
	h := newHarness(t, "")
	res := h.login(t)
	tok, _ := SessionTokens(res.Tokens, h.clock.Now())
	id := h.client.SessionIdentity(tok, res.IDToken.Subject)

	got, err := reauthLogin(t, h, id, `{}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := CheckSameUser(id, got); err != nil {
		t.Errorf("same user: %v", err)
	}
	for _, c := range []struct {
		claim string
		edit  func(jwt.MapClaims)
	}{
		{"sub", func(c jwt.MapClaims) { c["sub"] = "someone-else"; c["preferred_username"] = "nurse" }},
	} {
		got, err := reauthLogin(t, h, id, `{}`, c.edit)
		if err != nil {
			t.Fatalf("%s: the callback itself is valid: %v", c.claim, err)
		}
		err = CheckSameUser(id, got)
		if !errors.Is(err, ErrUserMismatch) {
			t.Fatalf("%s differs: %v, want ErrUserMismatch (code user_mismatch)", c.claim, err)
		}
		if me, ok := err.(*UserMismatchError); !ok || me.Claim != c.claim {
			t.Errorf("%s: %#v", c.claim, err)
		}
	}
	// iss: the session's tokens came from another issuer than this callback's.
	other := id
	other.Issuer = "https://elsewhere.example/realms/base"
	if err := CheckSameUser(other, got); !errors.Is(err, ErrUserMismatch) {
		t.Errorf("iss differs: %v", err)
	}
	// azp: the ID token's own checks already refuse another client; the
	// comparison holds all the same.
	other = id
	other.ClientID = "other-client"
	if err := CheckSameUser(other, got); !errors.Is(err, ErrUserMismatch) {
		t.Errorf("azp differs: %v", err)
	}
	if err := CheckSameUser(id, &Result{Tokens: got.Tokens}); !errors.Is(err, token.ErrIDTokenInvalid) {
		t.Errorf("no ID token: %v", err)
	}
}

// Another clinician's tokens: their refresh token is revoked at once, and the
// request ending their provider session is a form POST with their ID token,
// landing on the popup's callback page.
func TestRejectOther(t *testing.T) {
	h := newHarness(t, "")
	res := h.login(t)
	before := len(h.realm.revokeForms)
	req, err := h.client.RejectOther(context.Background(), res, testRedirect, func(err error) { t.Errorf("revoke: %v", err) })
	if err != nil {
		t.Fatal(err)
	}
	h.realm.mu.Lock()
	forms := h.realm.revokeForms[before:]
	h.realm.mu.Unlock()
	if len(forms) != 1 || forms[0].Get("token") != res.Tokens.RefreshToken || forms[0].Get("token_type_hint") != "refresh_token" {
		t.Errorf("revocations %v", forms)
	}
	if req == nil || !req.Post() || req.Form.Get("id_token_hint") != res.Tokens.IDToken ||
		req.Form.Get("post_logout_redirect_uri") != testRedirect || req.Form.Get("client_id") != testClientID ||
		req.Form.Get("state") != SignedOutState {
		t.Errorf("end-session request %+v", req)
	}
}

// dist/callback.js (no wasm) speaks the same reply and knows the signed-out
// landing: its literals are these constants.
func TestCallbackPageKnowsTheReply(t *testing.T) {
	b, err := os.ReadFile("../web/loader/callback.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{HandoffType, HandoffChannel, HandoffReplyType, SignedOutState} {
		if !strings.Contains(string(b), `"`+want+`"`) {
			t.Errorf("callback.js lacks %q", want)
		}
	}
}
