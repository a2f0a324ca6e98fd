package auth

import (
	"context"
	"errors"
	"testing"

	"github.com/corti-auth/corti-auth/token"
)

// TestTakePendingComparesFirst: two clients (say eu and us) on one page share
// one store. The callback of one handed to the other must leave the right
// client's pending login in place, so that its own HandleCallback still works.
func TestTakePendingComparesFirst(t *testing.T) {
	h := newHarness(t, "")
	other := newFakeRealm(t, h.clock)
	f := httpFetcher{c: other.srv.Client()}
	us := NewClient(other.config(t, ""), f, h.store, token.NewKeySets(f.Get), h.clock.Now)

	_, cb := h.startLogin(t) // the eu client's login
	if _, err := us.HandleCallback(context.Background(), cb); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("the other client's callback: %v, want ErrStateMismatch", err)
	}
	if n := h.pendingCount(t); n != 1 {
		t.Fatalf("the wrong client's HandleCallback consumed the pending login: %d left", n)
	}
	if _, err := h.client.HandleCallback(context.Background(), cb); err != nil {
		t.Fatalf("the right client's HandleCallback afterwards: %v", err)
	}
}

// TestHandleCallbackRequiresIss: Keycloak (since 23) and the local provider
// always send iss (RFC 9207), so a callback without it is refused (RFC 9207
// §2.4) — unless the config's requireIss is false, the escape hatch for a
// provider that does not send it.
func TestHandleCallbackRequiresIss(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	if _, err := h.client.HandleCallback(context.Background(), withParam(t, cb, "iss", "")); !errors.Is(err, ErrIssMismatch) {
		t.Errorf("a callback without iss: %v, want ErrIssMismatch", err)
	}
	if n := h.realm.tokenRequests(); n != 0 {
		t.Errorf("%d token requests for a callback without iss", n)
	}
	// An error response without iss is refused too: it may come from anywhere.
	_, cb = h.startLogin(t)
	errCB := testRedirect + "?error=access_denied&state=" + param(t, cb, "state")
	if _, err := h.client.HandleCallback(context.Background(), errCB); !errors.Is(err, ErrIssMismatch) {
		t.Errorf("an error callback without iss: %v, want ErrIssMismatch", err)
	}

	h = newHarness(t, `,"requireIss":false`)
	_, cb = h.startLogin(t)
	if _, err := h.client.HandleCallback(context.Background(), withParam(t, cb, "iss", "")); err != nil {
		t.Errorf("requireIss false, a callback without iss: %v", err)
	}
	_, cb = h.startLogin(t)
	if _, err := h.client.HandleCallback(context.Background(), withParam(t, cb, "iss", "https://evil.example/realms/base")); !errors.Is(err, ErrIssMismatch) {
		t.Errorf("requireIss false still compares a present iss: %v", err)
	}
}
