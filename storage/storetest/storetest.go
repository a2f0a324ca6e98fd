// Package storetest is the conformance suite every storage.Store passes: the
// memory store natively, the browser stores under GOOS=js. It checks the Web
// Storage semantics the pending-login code relies on, then that code itself.
package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/storage"
)

// Run runs the suite; newStore returns a new, empty store for each subtest.
func Run(t *testing.T, newStore func(t *testing.T) storage.Store) {
	t.Run("GetMissing", func(t *testing.T) {
		s := newStore(t)
		v, ok, err := s.Get("corti-auth:missing")
		if err != nil || ok || v != "" {
			t.Fatalf("Get(missing) = %q, %v, %v; want \"\", false, nil", v, ok, err)
		}
	})
	t.Run("SetGetOverwrite", func(t *testing.T) {
		s := newStore(t)
		set(t, s, "k", "one")
		wantGet(t, s, "k", "one")
		set(t, s, "k", "two")
		wantGet(t, s, "k", "two")
		set(t, s, "k", "")
		wantGet(t, s, "k", "") // an empty value exists
	})
	t.Run("Values", func(t *testing.T) {
		s := newStore(t)
		values := map[string]string{
			"unicode":   "Ærø · 診療 · 🩺 · \u202e",
			"json":      `{"state":"a\"b","n":[1,null]}`,
			"nul":       "a\x00b",
			"newlines":  "line1\nline2\r\n",
			"large":     strings.Repeat("0123456789abcdef", 64<<10/16), // 64 KiB
			"キー 🔑":      "unicode key",
			"":          "empty key",
			"null":      "null",
			"undefined": "undefined",
		}
		for k, v := range values {
			set(t, s, k, v)
		}
		for k, v := range values {
			wantGet(t, s, k, v)
		}
		wantKeys(t, s, keysOf(values)...)
	})
	t.Run("RemoveAndKeys", func(t *testing.T) {
		s := newStore(t)
		wantKeys(t, s)
		set(t, s, "a", "1")
		set(t, s, "b", "2")
		set(t, s, "c", "3")
		wantKeys(t, s, "a", "b", "c")
		if err := s.Remove("b"); err != nil {
			t.Fatalf("Remove(b): %v", err)
		}
		if err := s.Remove("never-set"); err != nil {
			t.Fatalf("Remove(missing) = %v, want nil", err)
		}
		wantKeys(t, s, "a", "c")
		if _, ok, _ := s.Get("b"); ok {
			t.Fatal("Get(b) found a removed key")
		}
	})
	runPending(t, newStore)
}

func runPending(t *testing.T, newStore func(t *testing.T) storage.Store) {
	login := func(state string, created time.Time) storage.PendingLogin {
		return storage.PendingLogin{
			State: state, Verifier: "v-" + state, Nonce: "n-" + state,
			RedirectURI: "https://app.example.com/cb", ClientID: "web",
			Issuer: "https://auth.eu.corti.app/realms/base", CreatedAt: created,
		}
	}
	t0 := time.Date(2025, 3, 1, 9, 30, 0, 123e6, time.UTC)

	t.Run("PendingSaveTakeOnce", func(t *testing.T) {
		c := &clock{t: t0}
		p := &storage.Pending{Store: newStore(t), Now: c.now}
		want := login("s1", time.Time{}) // zero CreatedAt: set from the clock
		if err := p.Save(want); err != nil {
			t.Fatalf("Save: %v", err)
		}
		want.CreatedAt = t0
		if got, ok, err := p.Peek("s1"); err != nil || !ok || !got.CreatedAt.Equal(t0) {
			t.Fatalf("Peek = %+v, %v, %v", got, ok, err)
		}
		got, err := p.Take("s1")
		if err != nil {
			t.Fatalf("Take: %v", err)
		}
		if !got.CreatedAt.Equal(want.CreatedAt) {
			t.Errorf("CreatedAt = %v, want %v (millisecond precision)", got.CreatedAt, want.CreatedAt)
		}
		got.CreatedAt = want.CreatedAt
		if got != want {
			t.Errorf("Take = %+v, want %+v", got, want)
		}
		if _, err := p.Take("s1"); !errors.Is(err, storage.ErrNoPending) {
			t.Errorf("second Take = %v, want ErrNoPending (a replayed callback finds nothing)", err)
		}
		if keys, _ := p.Store.Keys(); len(keys) != 0 {
			t.Errorf("store still holds %q after Take", keys)
		}
	})
	t.Run("PendingUnknownState", func(t *testing.T) {
		p := &storage.Pending{Store: newStore(t)}
		if err := p.Save(login("mine", time.Time{})); err != nil {
			t.Fatal(err)
		}
		for _, state := range []string{"forged", "", "MINE"} {
			if _, err := p.Take(state); !errors.Is(err, storage.ErrNoPending) {
				t.Errorf("Take(%q) = %v, want ErrNoPending", state, err)
			}
		}
		if _, ok, _ := p.Peek("mine"); !ok {
			t.Error("a failed Take of another state removed the pending login")
		}
	})
	t.Run("PendingExpired", func(t *testing.T) {
		c := &clock{t: t0}
		p := &storage.Pending{Store: newStore(t), Now: c.now, TTL: 5 * time.Minute}
		if err := p.Save(login("old", time.Time{})); err != nil {
			t.Fatal(err)
		}
		c.advance(5 * time.Minute) // exactly the TTL: still valid
		if _, ok, _ := p.Peek("old"); !ok {
			t.Fatal("login expired at exactly the TTL")
		}
		c.advance(time.Millisecond)
		if _, ok, _ := p.Peek("old"); ok {
			t.Error("Peek found an expired login")
		}
		if _, err := p.Take("old"); !errors.Is(err, storage.ErrExpired) {
			t.Fatalf("Take = %v, want ErrExpired", err)
		}
		if _, err := p.Take("old"); !errors.Is(err, storage.ErrNoPending) {
			t.Errorf("Take after expiry = %v, want ErrNoPending (the expired entry is deleted)", err)
		}
	})
	t.Run("PendingDefaultTTL", func(t *testing.T) {
		c := &clock{t: t0}
		p := &storage.Pending{Store: newStore(t), Now: c.now}
		if err := p.Save(login("s", time.Time{})); err != nil {
			t.Fatal(err)
		}
		c.advance(storage.PendingTTL + time.Second)
		if _, err := p.Take("s"); !errors.Is(err, storage.ErrExpired) {
			t.Fatalf("Take after %v = %v, want ErrExpired", storage.PendingTTL, err)
		}
	})
	t.Run("PendingSweepAtSave", func(t *testing.T) {
		c := &clock{t: t0}
		s := newStore(t)
		p := &storage.Pending{Store: s, Now: c.now}
		set(t, s, "app:theme", "dark") // not ours: never touched
		if err := p.Save(login("stale", t0.Add(-storage.PendingTTL-time.Minute))); err != nil {
			t.Fatal(err)
		}
		if err := p.Save(login("future", t0.Add(storage.PendingTTL+time.Minute))); err != nil { // clock set back
			t.Fatal(err)
		}
		if err := p.Save(login("fresh", t0.Add(-time.Minute))); err != nil {
			t.Fatal(err)
		}
		// This Pending's own stale entries went at once: each Save after one swept.
		wantKeys(t, s, "app:theme", storage.PendingPrefix+"fresh")
		// Entries somebody else wrote go at the next sweep, at most SweepInterval later.
		set(t, s, storage.PendingPrefix+"corrupt", "{not json")
		set(t, s, storage.PendingPrefix+"wrong-state", `{"state":"other","verifier":"v","created_at":1}`)
		c.advance(storage.SweepInterval)
		// Saving "new" sweeps everything stale and keeps the fresh login.
		if err := p.Save(login("new", time.Time{})); err != nil {
			t.Fatal(err)
		}
		wantKeys(t, s, "app:theme", storage.PendingPrefix+"fresh", storage.PendingPrefix+"new")
		if n, err := p.Sweep(); err != nil || n != 0 {
			t.Errorf("Sweep of a clean store = %d, %v; want 0, nil", n, err)
		}
		c.advance(storage.PendingTTL)
		if n, err := p.Sweep(); err != nil || n != 1 {
			t.Errorf("Sweep after the TTL = %d, %v; want 1 (fresh, created a minute early)", n, err)
		}
	})
	t.Run("PendingSweepThrottled", func(t *testing.T) {
		c := &clock{t: t0}
		s := &countingStore{Store: newStore(t)}
		p := &storage.Pending{Store: s, Now: c.now, TTL: 30 * time.Second}
		// Back-to-back logins: one sweep (the first Save), not one per Save.
		for i := range 50 {
			if err := p.Save(login(fmt.Sprint("b", i), time.Time{})); err != nil {
				t.Fatal(err)
			}
		}
		if s.keys != 1 {
			t.Errorf("50 Saves listed the store %d times, want 1", s.keys)
		}
		// Another tab's corrupt entry waits for the next sweep.
		set(t, s.Store, storage.PendingPrefix+"corrupt", "{not json")
		c.advance(29 * time.Second)
		if err := p.Save(login("early", time.Time{})); err != nil {
			t.Fatal(err)
		}
		if s.keys != 1 {
			t.Errorf("a Save before anything could be stale swept (%d listings)", s.keys)
		}
		// The TTL (30 s, shorter than SweepInterval) of the first saved entries
		// passes: the next Save sweeps them and the corrupt one.
		c.advance(2 * time.Second)
		if err := p.Save(login("late", time.Time{})); err != nil {
			t.Fatal(err)
		}
		if s.keys != 2 {
			t.Errorf("listings = %d, want 2 (a sweep when own entries went stale)", s.keys)
		}
		wantKeys(t, s.Store, storage.PendingPrefix+"early", storage.PendingPrefix+"late")
		// A clock set back sweeps at once.
		c.advance(-time.Hour)
		if err := p.Save(login("back", time.Time{})); err != nil {
			t.Fatal(err)
		}
		if s.keys != 3 {
			t.Errorf("listings = %d, want 3 (the clock went back)", s.keys)
		}
		// Sweep itself always sweeps.
		if _, err := p.Sweep(); err != nil || s.keys != 4 {
			t.Errorf("Sweep = %v, listings %d; want a full sweep", err, s.keys)
		}
	})
	t.Run("PendingCorrupt", func(t *testing.T) {
		s := newStore(t)
		p := &storage.Pending{Store: s}
		for state, raw := range map[string]string{
			"notjson":    "{not json",
			"array":      "[]",
			"noverifier": `{"state":"noverifier","created_at":1740821400000}`,
			"notime":     `{"state":"notime","verifier":"v"}`,
			"swapped":    `{"state":"other","verifier":"v","created_at":1740821400000}`,
		} {
			set(t, s, storage.PendingPrefix+state, raw)
			_, err := p.Take(state)
			if !errors.Is(err, storage.ErrNoPending) || !strings.Contains(err.Error(), "corrupt") {
				t.Errorf("Take(%s) = %v, want ErrNoPending naming a corrupt entry", state, err)
			}
			if _, ok, _ := s.Get(storage.PendingPrefix + state); ok {
				t.Errorf("corrupt entry %s not deleted", state)
			}
		}
	})
	t.Run("PendingTwoTabs", func(t *testing.T) {
		s := newStore(t)
		tabA := &storage.Pending{Store: s}
		tabB := &storage.Pending{Store: s}
		a, b := login("tab-a", time.Time{}), login("tab-b", time.Time{})
		if err := tabA.Save(a); err != nil {
			t.Fatal(err)
		}
		if err := tabB.Save(b); err != nil {
			t.Fatal(err)
		}
		// The callbacks come back in the other order, each to its own tab.
		gotB, err := tabB.Take("tab-b")
		if err != nil || gotB.Verifier != b.Verifier {
			t.Fatalf("tab B Take = %+v, %v", gotB, err)
		}
		gotA, err := tabA.Take("tab-a")
		if err != nil || gotA.Verifier != a.Verifier {
			t.Fatalf("tab A Take = %+v, %v; tab B's login overwrote it", gotA, err)
		}
	})
	t.Run("PendingConcurrentSaves", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				p := &storage.Pending{Store: s}
				if err := p.Save(login(fmt.Sprint("c", i), time.Time{})); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		p := &storage.Pending{Store: s}
		for i := range 20 {
			if _, err := p.Take(fmt.Sprint("c", i)); err != nil {
				t.Errorf("Take(c%d) = %v", i, err)
			}
		}
	})
	t.Run("PendingInvalid", func(t *testing.T) {
		p := &storage.Pending{Store: newStore(t)}
		for _, l := range []storage.PendingLogin{{Verifier: "v"}, {State: "s"}} {
			if err := p.Save(l); err == nil {
				t.Errorf("Save(%+v) accepted a login without state or verifier", l)
			}
		}
	})
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func set(t *testing.T, s storage.Store, k, v string) {
	t.Helper()
	if err := s.Set(k, v); err != nil {
		t.Fatalf("Set(%q): %v", k, err)
	}
}

func wantGet(t *testing.T, s storage.Store, k, want string) {
	t.Helper()
	got, ok, err := s.Get(k)
	if err != nil || !ok || got != want {
		if len(got) > 80 {
			got = got[:80] + "…"
		}
		t.Fatalf("Get(%q) = %q, %v, %v; want the stored value (%d bytes)", k, got, ok, err, len(want))
	}
}

func wantKeys(t *testing.T, s storage.Store, want ...string) {
	t.Helper()
	got, err := s.Keys()
	if err != nil {
		t.Fatalf("Keys: %v", err)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("Keys() = %q, want %q", got, want)
	}
}

func keysOf(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// countingStore counts Keys calls: each is a sweep of the whole store.
type countingStore struct {
	storage.Store
	keys int
}

func (c *countingStore) Keys() ([]string, error) {
	c.keys++
	return c.Store.Keys()
}
