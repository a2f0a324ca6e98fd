package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
)

// A re-authentication's tokens replace the current ones whatever their expiry
// (a fresh login may expire no later than a refresh just made): "refreshed",
// re-planned, published to the sibling tabs; an error after the end.
func TestReauthenticated(t *testing.T) {
	coord := &fakeCoord{}
	h := newHarness(t, tokensAt(1, t0, 300, 1800), func(c *session.Config, _ *session.Tokens) { c.Coordinator = coord })
	fresh := tokensAt(2, t0, 300, 1800) // same expiry: Adopt would ignore it
	if err := h.s.Reauthenticated(fresh); err != nil {
		t.Fatal(err)
	}
	if got := h.s.Current().Response.AccessToken; got != "at-2" {
		t.Fatalf("current %q, want the re-authentication's", got)
	}
	if e := h.waitFor(session.EventRefreshed); e.Tokens.Response.AccessToken != "at-2" {
		t.Fatalf("refreshed with %q", e.Tokens.Response.AccessToken)
	}
	coord.mu.Lock()
	pubs := len(coord.pubs)
	coord.mu.Unlock()
	if pubs != 1 {
		t.Errorf("published %d times, want once", pubs)
	}
	if got := h.s.PlannedAt(); !got.Equal(t0.Add(180 * time.Second)) {
		t.Errorf("planned at %v", got.Sub(t0))
	}
	h.s.End(session.ReasonLogout)
	if err := h.s.Reauthenticated(tokensAt(3, t0, 300, 1800)); err == nil || h.s.Current().Response.AccessToken != "at-2" {
		t.Errorf("after the end: %v, current %q", err, h.s.Current().Response.AccessToken)
	}
}

// A refresh in flight when the re-authentication's tokens arrive does not
// overwrite them with the old grant's.
func TestReauthenticatedSupersedesFlight(t *testing.T) {
	h := newHarness(t, tokensAt(1, t0, 300, 1800))
	release := make(chan struct{})
	started := make(chan struct{})
	h.answer = func(ctx context.Context, n int, cur session.Tokens) (*pkce.TokenResponse, error) {
		close(started)
		<-release
		return response(100+n, 300, 1800), nil
	}
	done := make(chan session.Tokens, 1)
	go func() { tt, _ := h.s.Refresh(context.Background()); done <- tt }()
	<-started
	if err := h.s.Reauthenticated(tokensAt(2, t0, 300, 1800)); err != nil {
		t.Fatal(err)
	}
	close(release)
	got := <-done
	if got.Response.AccessToken != "at-2" || h.s.Current().Response.AccessToken != "at-2" {
		t.Fatalf("Refresh gave %q, current %q: want the re-authentication's tokens to stand",
			got.Response.AccessToken, h.s.Current().Response.AccessToken)
	}
}
