package auth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/token"
)

func TestCleanCallbackURL(t *testing.T) {
	long := strings.Repeat("x", 70<<10)
	for _, tt := range []struct{ in, want string }{
		{"https://app.example/cb?code=C0DE-value&state=S7ATE-value&iss=https%3A%2F%2Fauth&session_state=s", "https://app.example/cb"},
		{"https://app.example/cb?tab=2&code=C0DE-value&state=S7ATE-value#/patients/7", "https://app.example/cb?tab=2#/patients/7"},
		{"https://app.example/cb#code=C0DE-value&state=S7ATE-value", "https://app.example/cb"},
		{"https://app.example/cb?error=access_denied&error_description=no&state=S", "https://app.example/cb"},
		{"https://app.example/cb?q=1", "https://app.example/cb?q=1"},
		// net/url refuses these; the address bar holds them all the same.
		{"https://app.example/cb?code=C0DE-value&state=S7ATE-value#/route/50%zz", "https://app.example/cb#/route/50%zz"},
		{"https://app.example/cb?%63ode=C0DE-value&st%zzate=x&state=S7ATE-value#/r/%zz", "https://app.example/cb?st%zzate=x#/r/%zz"},
		{"https://app.example/cb?code=C0DE-value&state=S7ATE-value&pad=" + long, "https://app.example/cb?pad=" + long},
	} {
		if got := CleanCallbackURL(tt.in); got != tt.want {
			t.Errorf("CleanCallbackURL(%.120q)\n = %.120q\nwant %.120q", tt.in, got, tt.want)
		}
	}
}

// orderFetcher records, for each request, whether the address was cleaned by then.
type orderFetcher struct {
	Fetcher
	mu      sync.Mutex
	cleaned *bool
	seen    []string
}

func (f *orderFetcher) note(u string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	state := "dirty"
	if *f.cleaned {
		state = "clean"
	}
	f.seen = append(f.seen, state+" "+u[strings.LastIndex(u, "/")+1:])
}

func (f *orderFetcher) PostForm(ctx context.Context, u string, form url.Values) (int, []byte, error) {
	f.note(u)
	return f.Fetcher.PostForm(ctx, u, form)
}

func (f *orderFetcher) Get(ctx context.Context, u string) (int, []byte, error) {
	f.note(u)
	return f.Fetcher.Get(ctx, u)
}

// TestHandleCallbackAtCleansFirst: the address bar loses code and state
// before the token request and the JWKS fetch start (RFC 9700 §4.2.4).
func TestHandleCallbackAtCleansFirst(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	cleaned := false
	var shown []string
	base := httpFetcher{c: h.realm.srv.Client()}
	f := &orderFetcher{Fetcher: base, cleaned: &cleaned}
	c := NewClient(h.realm.config(t, ""), f, h.store, token.NewKeySets(f.Get), h.clock.Now)
	res, err := c.HandleCallbackAt(context.Background(), cb, cb, func(u string) { shown = append(shown, u); cleaned = true })
	if err != nil {
		t.Fatal(err)
	}
	if res.IDToken == nil {
		t.Fatal("no ID token")
	}
	if len(shown) != 1 || shown[0] != testRedirect {
		t.Errorf("address bar set to %q, want [%q]", shown, testRedirect)
	}
	if len(f.seen) < 2 {
		t.Fatalf("requests %v, want the token request and the JWKS fetch", f.seen)
	}
	for _, s := range f.seen {
		if !strings.HasPrefix(s, "clean ") {
			t.Errorf("request %q started before the address bar was cleaned (%v)", s, f.seen)
		}
	}
}

func TestHandleCallbackAtOtherURL(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	called := false
	if _, err := h.client.HandleCallbackAt(context.Background(), cb, "https://app.example-hospital.dk/other", func(string) { called = true }); err != nil {
		t.Fatal(err)
	}
	if called {
		t.Error("the address bar was changed for a URL that is not the page's")
	}
}

// TestHandleCallbackAtUnparseable: a callback URL net/url refuses gives an
// error that carries neither code nor state, and the address bar is cleaned.
func TestHandleCallbackAtUnparseable(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	u, _ := url.Parse(cb)
	code, state := u.Query().Get("code"), u.Query().Get("state")
	bad := cb + "#/route/50%zz"
	var shown []string
	_, err := h.client.HandleCallbackAt(context.Background(), bad, bad, func(u string) { shown = append(shown, u) })
	if !errors.Is(err, pkce.ErrInvalidCallback) {
		t.Fatalf("got %v, want pkce.ErrInvalidCallback", err)
	}
	if msg := err.Error(); strings.Contains(msg, code) || strings.Contains(msg, state) {
		t.Errorf("the error message carries the code or the state: %s", msg)
	}
	if len(shown) != 1 || shown[0] != testRedirect+"#/route/50%zz" {
		t.Errorf("address bar set to %q", shown)
	}
	if h.realm.tokenRequests() != 0 {
		t.Error("a token request was made")
	}
}

func TestRedactCallback(t *testing.T) {
	raw := "https://app.example/cb?code=abc%2Fdef-ghij&state=st-123456789#x"
	err := redactCallback(errors.New("failed for abc/def-ghij, abc%2Fdef-ghij and st-123456789"), raw)
	if got := err.Error(); got != "failed for [redacted], [redacted] and [redacted]" {
		t.Errorf("redacted: %q", got)
	}
	base := errors.New("nothing secret")
	if redactCallback(base, raw) != base {
		t.Error("an error without secrets is changed")
	}
	wrapped := redactCallback(&ConfigError{Key: "k", Reason: "abc/def-ghij"}, raw)
	var ce *ConfigError
	if !errors.As(wrapped, &ce) || !errors.Is(wrapped, ErrInvalidConfig) {
		t.Error("the redacted error lost its chain")
	}
	// A short value is not hunted for through the message.
	if got := redactCallback(errors.New("a code a"), "https://x/?code=a").Error(); got != "a code a" {
		t.Errorf("short code redacted: %q", got)
	}
}
