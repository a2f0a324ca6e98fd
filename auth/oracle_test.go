package auth

// golang.org/x/oauth2 as an oracle: what the client sends must be what
// x/oauth2 sends for the same public-client request (it sends no client
// secret when ClientSecret is empty and AuthStyle is AuthStyleInParams).

import (
	"context"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/storage"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
)

// recordForms makes the realm answer every token request with fresh tokens
// and records the forms.
func recordForms(h *harness) func() []url.Values {
	var mu sync.Mutex
	var forms []url.Values
	h.realm.onToken = func(f url.Values) *tokenReply {
		mu.Lock()
		forms = append(forms, f)
		mu.Unlock()
		return &tokenReply{200, h.realm.tokens("", testSub)}
	}
	return func() []url.Values { mu.Lock(); defer mu.Unlock(); return forms }
}

func oracleConfig(h *harness) *oauth2.Config {
	c := h.client.Config()
	return &oauth2.Config{
		ClientID:    c.ClientID,
		RedirectURL: c.RedirectURI,
		Scopes:      []string{"openid", "profile"},
		Endpoint: oauth2.Endpoint{
			AuthURL:   c.Endpoint("auth"),
			TokenURL:  c.Endpoint("token"),
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

func TestOracleAuthorizeURL(t *testing.T) {
	h := newHarness(t, "")
	raw, err := h.client.AuthorizeURL(AuthorizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := url.Parse(raw)
	state, nonce := got.Query().Get("state"), got.Query().Get("nonce")
	login, ok, _ := (&storage.Pending{Store: h.store, Now: h.clock.Now}).Peek(state)
	if !ok {
		t.Fatal("no pending login")
	}
	want, _ := url.Parse(oracleConfig(h).AuthCodeURL(state, oauth2.S256ChallengeOption(login.Verifier),
		oauth2.SetAuthURLParam("nonce", nonce)))
	if got.Query().Encode() != want.Query().Encode() || got.Path != want.Path || got.Host != want.Host {
		t.Errorf("authorize URL\n got %s\nwant %s (x/oauth2)", got, want)
	}
}

func TestOracleCodeExchangeForm(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	state := param(t, cb, "state")
	login, _, _ := (&storage.Pending{Store: h.store, Now: h.clock.Now}).Peek(state)
	forms := recordForms(h)
	h.realm.idClaims = func(c jwt.MapClaims) { c["nonce"] = login.Nonce }
	if _, err := h.client.HandleCallback(context.Background(), cb); err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, h.realm.srv.Client())
	if _, err := oracleConfig(h).Exchange(ctx, param(t, cb, "code"), oauth2.VerifierOption(login.Verifier)); err != nil {
		t.Fatal(err)
	}
	f := forms()
	if len(f) != 2 {
		t.Fatalf("%d token requests, want 2", len(f))
	}
	if f[0].Encode() != f[1].Encode() {
		t.Errorf("code exchange form\n got %s\nwant %s (x/oauth2)", f[0].Encode(), f[1].Encode())
	}
}

func TestOracleRefreshForm(t *testing.T) {
	h := newHarness(t, "")
	forms := recordForms(h)
	if _, _, err := h.client.Refresh(context.Background(), "rt-abc", ""); err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, h.realm.srv.Client())
	expired := &oauth2.Token{AccessToken: "old", RefreshToken: "rt-abc", Expiry: time.Now().Add(-time.Hour)}
	if _, err := oracleConfig(h).TokenSource(ctx, expired).Token(); err != nil {
		t.Fatal(err)
	}
	f := forms()
	if len(f) != 2 || f[0].Encode() != f[1].Encode() {
		t.Errorf("refresh forms %v: want ours equal to x/oauth2's", f)
	}
}
