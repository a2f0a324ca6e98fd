package auth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
)

// hookFetcher calls before ahead of each POST.
type hookFetcher struct {
	Fetcher
	before func(u string, form url.Values)
}

func (f hookFetcher) PostForm(ctx context.Context, u string, form url.Values) (int, []byte, error) {
	f.before(u, form)
	return f.Fetcher.PostForm(ctx, u, form)
}

type logoutRig struct {
	h      *harness
	client *Client
	s      *session.Session
	co     *stubCoordinator
	tokens session.Tokens

	mu      sync.Mutex
	revokes []string // "ended" or "live": the session's state at each revocation
	events  []session.Event
}

func newLogoutRig(t *testing.T) *logoutRig {
	r := &logoutRig{h: newHarness(t, ""), co: &stubCoordinator{}}
	res := r.h.login(t)
	f := httpFetcher{c: r.h.realm.srv.Client()}
	r.client = NewClient(r.h.realm.config(t, ""), hookFetcher{Fetcher: f, before: func(u string, form url.Values) {
		if !strings.HasSuffix(u, "/revoke") {
			return
		}
		state := "live"
		if ended, _ := r.s.Ended(); ended {
			state = "ended"
		}
		r.mu.Lock()
		r.revokes = append(r.revokes, state+" "+form.Get("token"))
		r.mu.Unlock()
	}}, r.h.store, token.NewKeySets(f.Get), r.h.clock.Now)
	r.tokens, _ = SessionTokens(res.Tokens, r.h.clock.Now())
	cfg := r.client.SessionConfig(r.tokens, SessionOptions{Coordinator: r.co, OnEvent: func(e session.Event) {
		r.mu.Lock()
		r.events = append(r.events, e)
		r.mu.Unlock()
	}})
	r.s = session.New(cfg, r.tokens)
	t.Cleanup(r.s.Close)
	return r
}

// TestLogout: revoke (while the session is still live) → end "logout" (here
// and published to the siblings) → the end-session request.
func TestLogout(t *testing.T) {
	r := newLogoutRig(t)
	var revokeErrs []error
	req, err := r.client.Logout(context.Background(), r.s, LogoutOptions{
		RedirectURI: "https://app.example-hospital.dk/bye", Navigate: true,
		RevokeFailed: func(err error) { revokeErrs = append(revokeErrs, err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	rt := r.tokens.Response.RefreshToken
	if len(r.revokes) != 1 || r.revokes[0] != "live "+rt {
		t.Errorf("revocations %v, want one of the refresh token while the session was live", r.revokes)
	}
	if len(revokeErrs) != 0 {
		t.Errorf("revocation errors %v", revokeErrs)
	}
	if ended, reason := r.s.Ended(); !ended || reason != session.ReasonLogout {
		t.Errorf("ended %v %q, want logout", ended, reason)
	}
	if len(r.co.ends) != 1 || r.co.ends[0] != session.ReasonLogout {
		t.Errorf("published ends %v, want [logout]", r.co.ends)
	}
	// A form POST: the ID token in the body, in no URL.
	if req == nil || !req.Post() || req.URL != "" {
		t.Fatalf("end-session request %+v, want a form POST", req)
	}
	if want := r.h.realm.issuer + "/protocol/openid-connect/logout"; req.Action != want {
		t.Errorf("action %q, want %q", req.Action, want)
	}
	want := url.Values{"id_token_hint": {r.tokens.Response.IDToken}, "client_id": {testClientID}, "post_logout_redirect_uri": {"https://app.example-hospital.dk/bye"}}
	if req.Form.Encode() != want.Encode() {
		t.Errorf("form %v, want %v", req.Form, want)
	}
	if strings.Contains(req.Action, r.tokens.Response.IDToken) {
		t.Error("the ID token is in the action URL")
	}
}

// TestLogoutWithoutIDToken: nothing to hide, a GET navigation.
func TestLogoutWithoutIDToken(t *testing.T) {
	r := newLogoutRig(t)
	resp := r.tokens.Response.Clone()
	resp.IDToken = ""
	tk, _ := SessionTokens(resp, r.h.clock.Now())
	s := session.New(session.Config{}, tk)
	r.s = s
	req, err := r.client.Logout(context.Background(), s, LogoutOptions{Navigate: true, RedirectURI: "https://app.example-hospital.dk/bye"})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := r.client.EndSessionURL("", "https://app.example-hospital.dk/bye")
	if req == nil || req.Post() || req.URL != want {
		t.Errorf("end-session request %+v, want a GET of %s", req, want)
	}
}

func TestLogoutWithoutNavigation(t *testing.T) {
	r := newLogoutRig(t)
	req, err := r.client.Logout(context.Background(), r.s, LogoutOptions{})
	if err != nil || req != nil {
		t.Errorf("Logout without navigation = %+v, %v; want nil, nil", req, err)
	}
	if ended, _ := r.s.Ended(); !ended || len(r.revokes) != 1 {
		t.Errorf("ended %v, %d revocations", ended, len(r.revokes))
	}
}

// TestLogoutRevocationFails: reported, not a blocker.
func TestLogoutRevocationFails(t *testing.T) {
	r := newLogoutRig(t)
	r.h.realm.srv.Close()
	var revokeErrs []error
	req, err := r.client.Logout(context.Background(), r.s, LogoutOptions{Navigate: true, RevokeFailed: func(err error) { revokeErrs = append(revokeErrs, err) }})
	if err != nil || req == nil || !req.Post() {
		t.Errorf("Logout with the provider down = %+v, %v; want the end-session request", req, err)
	}
	if len(revokeErrs) != 1 {
		t.Errorf("revocation errors %v, want one", revokeErrs)
	}
	if ended, _ := r.s.Ended(); !ended {
		t.Error("the session did not end")
	}
	// And nil RevokeFailed is allowed.
	r2 := newLogoutRig(t)
	r2.h.realm.srv.Close()
	if _, err := r2.client.Logout(context.Background(), r2.s, LogoutOptions{}); err != nil {
		t.Error(err)
	}
}

func TestLogoutBadRedirect(t *testing.T) {
	r := newLogoutRig(t)
	_, err := r.client.Logout(context.Background(), r.s, LogoutOptions{RedirectURI: "http://app.example.com/bye", Navigate: true})
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "redirectUri" {
		t.Errorf("bad redirect: %v, want a ConfigError for redirectUri", err)
	}
	if ended, _ := r.s.Ended(); !ended {
		t.Error("the session must end all the same")
	}
}

func TestLogoutWithoutRefreshToken(t *testing.T) {
	r := newLogoutRig(t)
	resp := r.tokens.Response.Clone()
	resp.RefreshToken = ""
	tk, _ := SessionTokens(resp, r.h.clock.Now())
	s := session.New(session.Config{}, tk)
	r.s = s
	if _, err := r.client.Logout(context.Background(), s, LogoutOptions{}); err != nil {
		t.Fatal(err)
	}
	if len(r.revokes) != 0 {
		t.Errorf("revocations %v without a refresh token", r.revokes)
	}
}
