package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
)

// Issue 22 §6: a popup or restore() login keeps its PKCE verifier and nonce in
// the opener's memory; the copy in storage is only the sign that tells the
// page a callback lands on to hand it over (state, client, issuer, time,
// handoff). Neither the verifier nor the nonce is ever written to storage.
func TestHandoffStoresNoSecrets(t *testing.T) {
	h := newHarness(t, "")
	store := storage.NewMemory()
	keys := token.NewKeySets(httpFetcher{c: h.realm.srv.Client()}.Get)
	opener := NewClient(h.client.cfg, h.client.fetch, store, keys, h.clock.Now)
	for _, o := range []AuthorizeOptions{
		{Handoff: true},                     // loginWithPopup
		{Handoff: true, Prompt: "none"},     // restore()'s silent step
		{Handoff: true, MaxAge: new(int64)}, // a step-up popup
	} {
		a, err := opener.Authorize(o)
		if err != nil {
			t.Fatal(err)
		}
		q, _ := url.Parse(a.URL)
		challenge, nonce := q.Query().Get("code_challenge"), q.Query().Get("nonce")
		stored, _ := store.Keys()
		var found bool
		for _, k := range stored {
			raw, _, _ := store.Get(k)
			if !strings.HasSuffix(k, a.State) {
				continue
			}
			found = true
			var m map[string]any
			if err := json.Unmarshal([]byte(raw), &m); err != nil {
				t.Fatalf("stored %q: %v", raw, err)
			}
			for name, v := range m {
				s, _ := v.(string)
				if name == "verifier" || name == "nonce" || s != "" && (s == nonce || pkce.S256Challenge(s) == challenge) {
					t.Errorf("storage holds %s = %v (%s)", name, v, raw)
				}
			}
			if strings.Contains(raw, nonce) {
				t.Errorf("storage holds the nonce: %s", raw)
			}
		}
		if !found {
			t.Fatalf("no stored sign for the login under %v", stored)
		}
		cb := h.realm.authorize(a.URL)
		if !opener.HandedOff(cb) {
			t.Fatal("the callback is not seen as handed off")
		}
		// Another tab of the origin (same storage) that gets the callback
		// hands it over too, and cannot complete it: it has no verifier.
		other := NewClient(h.client.cfg, h.client.fetch, store, keys, h.clock.Now)
		if !other.HandedOff(cb) {
			t.Error("another tab does not see the callback as handed off")
		}
		before := h.realm.tokenRequests()
		if _, err := other.HandleCallback(context.Background(), cb); !errors.Is(err, ErrNoPendingLogin) {
			t.Errorf("another tab completing the callback: %v, want ErrNoPendingLogin (code no_pending_login)", err)
		}
		if n := h.realm.tokenRequests(); n != before {
			t.Errorf("another tab made %d token requests", n-before)
		}
		// The opener completes it from memory.
		if _, err := opener.HandleCallback(context.Background(), cb); err != nil {
			t.Fatalf("the opener's exchange: %v", err)
		}
	}
}
