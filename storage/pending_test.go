package storage_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/corti-auth/corti-auth/storage"
)

// flaky fails the methods named in fail with a plain error (not wrapping
// ErrUnavailable), as a careless Store implementation might.
type flaky struct {
	storage.Store
	fail string
}

func (f flaky) Get(k string) (string, bool, error) {
	if strings.Contains(f.fail, "get") {
		return "", false, errors.New("disk on fire")
	}
	return f.Store.Get(k)
}

func (f flaky) Remove(k string) error {
	if strings.Contains(f.fail, "remove") {
		return errors.New("disk on fire")
	}
	return f.Store.Remove(k)
}

func (f flaky) Keys() ([]string, error) {
	if strings.Contains(f.fail, "keys") {
		return nil, errors.New("disk on fire")
	}
	return f.Store.Keys()
}

func TestPendingStoreFailures(t *testing.T) {
	login := storage.PendingLogin{State: "s", Verifier: "v"}
	saved := func() storage.Store {
		m := storage.NewMemory()
		if err := (&storage.Pending{Store: m}).Save(login); err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		name  string
		store storage.Store
		op    func(p *storage.Pending) error
	}{
		{"save, failing store", storage.Failing{}, func(p *storage.Pending) error { return p.Save(login) }},
		{"take, failing store", storage.Failing{}, func(p *storage.Pending) error { _, err := p.Take("s"); return err }},
		{"peek, failing store", storage.Failing{}, func(p *storage.Pending) error { _, _, err := p.Peek("s"); return err }},
		{"sweep, failing store", storage.Failing{}, func(p *storage.Pending) error { _, err := p.Sweep(); return err }},
		{"save, keys fail", flaky{storage.NewMemory(), "keys"}, func(p *storage.Pending) error { return p.Save(login) }},
		{"take, get fails", flaky{saved(), "get"}, func(p *storage.Pending) error { _, err := p.Take("s"); return err }},
		{"sweep, get fails", flaky{saved(), "get"}, func(p *storage.Pending) error { _, err := p.Sweep(); return err }},
	}
	for _, tt := range tests {
		err := tt.op(&storage.Pending{Store: tt.store})
		if !errors.Is(err, storage.ErrUnavailable) || !strings.HasPrefix(err.Error(), "storage: ") {
			t.Errorf("%s: %v, want an error wrapping ErrUnavailable", tt.name, err)
		}
	}
}

// A login that cannot be deleted is not handed out: its code could be replayed.
func TestPendingTakeWhenRemoveFails(t *testing.T) {
	m := storage.NewMemory()
	if err := (&storage.Pending{Store: m}).Save(storage.PendingLogin{State: "s", Verifier: "v"}); err != nil {
		t.Fatal(err)
	}
	l, err := (&storage.Pending{Store: flaky{m, "remove"}}).Take("s")
	if !errors.Is(err, storage.ErrUnavailable) || l.Verifier != "" {
		t.Fatalf("Take = %+v, %v; want no login and ErrUnavailable", l, err)
	}
}

// lockingStore is a Store shared by several "tabs" with a Locker over one
// lock per name, like Web Locks. The locks are channels, not sync.Mutex: a
// goroutine waiting for one is durably blocked in a synctest bubble, so the
// bubble's clock moves on while a tab waits at the lock.
type lockingStore struct {
	storage.Store
	mu    sync.Mutex
	locks map[string]chan struct{}
	fail  bool // Exclusive refuses (the lock cannot be had)
}

func (s *lockingStore) Exclusive(name string, fn func()) error {
	if s.fail {
		return errors.New("no lock")
	}
	s.mu.Lock()
	if s.locks == nil {
		s.locks = map[string]chan struct{}{}
	}
	l := s.locks[name]
	if l == nil {
		l = make(chan struct{}, 1)
		s.locks[name] = l
	}
	s.mu.Unlock()
	l <- struct{}{}
	defer func() { <-l }()
	fn()
	return nil
}

// rendezvousStore makes the Gets of one key meet: each waits (up to wait) for
// the other tab's Get, so that without a lock both read the entry before
// either removes it — the race of two tabs handling one callback, made certain.
// It runs in a synctest bubble (TestPendingTakeTwoTabsOneCallback): wait is
// virtual time, which passes only once every goroutine of the test is blocked —
// "nobody came" then means the other tab is held at the lock, not that a
// loaded machine was slow to schedule it.
type rendezvousStore struct {
	storage.Store
	wait    time.Duration
	arrived chan struct{}
}

func (s *rendezvousStore) Get(key string) (string, bool, error) {
	v, ok, err := s.Store.Get(key)
	select {
	case s.arrived <- struct{}{}: // the other Get is waiting: wake it
	case <-time.After(s.wait): // nobody came (the other tab is held at the lock)
	}
	return v, ok, err
}

func TestPendingTakeTwoTabsOneCallback(t *testing.T) {
	login := storage.PendingLogin{State: "s", Verifier: "v", Nonce: "n", RedirectURI: "https://app/cb", ClientID: "c"}
	run := func(t *testing.T, store func() storage.Store) (wins int) {
		synctest.Test(t, func(t *testing.T) {
			s := store() // made in the bubble: its channels belong to it
			tabA, tabB := &storage.Pending{Store: s}, &storage.Pending{Store: s}
			if err := tabA.Save(login); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			var mu sync.Mutex
			for _, p := range []*storage.Pending{tabA, tabB} {
				wg.Go(func() {
					_, err := p.Take("s")
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						wins++
					case !errors.Is(err, storage.ErrNoPending):
						t.Errorf("Take = %v, want the login or ErrNoPending", err)
					}
				})
			}
			wg.Wait()
		})
		return wins
	}
	const wait = 200 * time.Millisecond
	t.Run("without a lock both tabs get it", func(t *testing.T) {
		// The race this guards against, shown: the test's store really interleaves.
		s := func() storage.Store {
			return &rendezvousStore{Store: storage.NewMemory(), wait: wait, arrived: make(chan struct{})}
		}
		if wins := run(t, s); wins != 2 {
			t.Fatalf("%d tabs got the login without a lock; the rendezvous store does not interleave", wins)
		}
	})
	t.Run("with a lock one tab gets it", func(t *testing.T) {
		s := func() storage.Store {
			return &lockingStore{Store: &rendezvousStore{Store: storage.NewMemory(), wait: wait, arrived: make(chan struct{})}}
		}
		if wins := run(t, s); wins != 1 {
			t.Fatalf("%d tabs got the login, want 1", wins)
		}
	})
	t.Run("a lock that cannot be had: Take goes on", func(t *testing.T) {
		s := &lockingStore{Store: storage.NewMemory(), fail: true}
		p := &storage.Pending{Store: s}
		if err := p.Save(login); err != nil {
			t.Fatal(err)
		}
		if got, err := p.Take("s"); err != nil || got.Verifier != "v" {
			t.Fatalf("Take = %+v, %v; want the login", got, err)
		}
	})
}

// A handed-off login's stored sign holds no verifier, nonce, redirect URI or
// step-up parameters, and reads back as a sign (issue 22 §6).
func TestHandoffSign(t *testing.T) {
	s := storage.NewMemory()
	p := &storage.Pending{Store: s}
	age := int64(0)
	l := storage.PendingLogin{State: "st", Verifier: "the-verifier", Nonce: "the-nonce", RedirectURI: "https://app.example/cb",
		ClientID: "c", Issuer: "https://auth.example/realms/base", MaxAge: &age, ACRValues: "gold", Handoff: true}
	if err := p.Save(storage.HandoffSign(l)); err != nil {
		t.Fatal(err)
	}
	raw, _, _ := s.Get(storage.PendingPrefix + "st")
	for _, secret := range []string{"verifier", "the-verifier", "nonce", "the-nonce", "redirect_uri", "max_age", "gold"} {
		if strings.Contains(raw, secret) {
			t.Errorf("stored sign %s holds %q", raw, secret)
		}
	}
	got, ok, err := p.Peek("st")
	if err != nil || !ok || !got.IsSign() || got.ClientID != "c" || got.Issuer != l.Issuer {
		t.Fatalf("Peek = %+v, %v, %v", got, ok, err)
	}
	if l.IsSign() {
		t.Error("the login itself reads as a sign")
	}
	// Without the handoff mark, an entry without a verifier is corrupt.
	if err := p.Save(storage.PendingLogin{State: "x", ClientID: "c"}); err == nil {
		t.Error("saved a login without a verifier")
	}
	_ = s.Set(storage.PendingPrefix+"y", `{"state":"y","client_id":"c","created_at":1}`)
	if _, ok, _ := p.Peek("y"); ok {
		t.Error("an entry without a verifier nor handoff read back")
	}
}

// A context that holds the pending login's lock for longer than LockWait (a tab
// stuck mid-Take, or taking the login) keeps it: the tabs that waited report
// no pending login rather than racing each other for it without the lock — the
// race that had both exchange the code (CI: login [firefox], two tabs, one
// callback, the test's third tab holding the lock past LockWait).
func TestPendingTakeLockHeldPastTheWait(t *testing.T) {
	login := storage.PendingLogin{State: "s", Verifier: "v", Nonce: "n", RedirectURI: "https://app/cb", ClientID: "c"}
	synctest.Test(t, func(t *testing.T) {
		lock := make(chan struct{}, 1)
		lock <- struct{}{} // the holder has it, and does not let go during the test
		defer func() { <-lock }()
		base := &rendezvousStore{Store: storage.NewMemory(), wait: 200 * time.Millisecond, arrived: make(chan struct{})}
		s := storage.Lazy{
			Open: func() (storage.Store, error) { return base, nil },
			Lock: func(ctx context.Context, _ string, fn func(context.Context) error) error {
				select {
				case lock <- struct{}{}:
					defer func() { <-lock }()
					return fn(ctx)
				case <-ctx.Done():
					return ctx.Err()
				}
			},
		}
		if err := (&storage.Pending{Store: s}).Save(login); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() { _, errs[i] = (&storage.Pending{Store: s}).Take("s") })
		}
		wg.Wait()
		for i, err := range errs {
			if !errors.Is(err, storage.ErrNoPending) {
				t.Errorf("tab %d: Take = %v, want ErrNoPending (the lock's holder takes the login)", i, err)
			}
		}
		if waited := time.Since(start); waited != storage.LockWait {
			t.Errorf("the tabs waited %v, want LockWait (%v)", waited, storage.LockWait)
		}
		if _, ok, _ := base.Store.Get(storage.PendingPrefix + "s"); !ok {
			t.Error("the pending login was removed by a tab without the lock")
		}
	})
}

// laggingStore is one tab's view of a store shared with another tab, in which
// a removal made by the other tab reaches this one late: Firefox commits a
// tab's localStorage writes at the end of its task, and Chromium passes them
// to another renderer a moment later — after the Web Lock may have passed to
// this tab. Its Remove is seen by its own Get at once, by the other view's
// never (within the test).
type laggingStore struct {
	shared storage.Store // the entries as saved
	gone   map[string]bool
}

func (s *laggingStore) Get(k string) (string, bool, error) {
	if s.gone[k] {
		return "", false, nil
	}
	return s.shared.Get(k)
}
func (s *laggingStore) Set(k, v string) error   { return s.shared.Set(k, v) }
func (s *laggingStore) Remove(k string) error   { s.gone[k] = true; return nil }
func (s *laggingStore) Keys() ([]string, error) { return s.shared.Keys() }

// Two tabs handle one callback, one after the other under the pending
// login's lock, but the second still reads the entry the first removed (CI:
// login [firefox], both tabs exchanged the code). The claim, decided by the
// lock manager rather than by storage, lets only the first have the login —
// and a tab taking the same state again sees its own removal and claims
// nothing.
func TestPendingTakeRemovalSeenLate(t *testing.T) {
	login := storage.PendingLogin{State: "s", Verifier: "v", Nonce: "n", RedirectURI: "https://app/cb", ClientID: "c"}
	shared := storage.NewMemory()
	held := map[string]time.Duration{} // the lock manager's claims: name → hold
	var claims []string
	tab := func() *storage.Pending {
		view := &laggingStore{shared: shared, gone: map[string]bool{}}
		return &storage.Pending{Store: storage.Lazy{
			Open: func() (storage.Store, error) { return view, nil },
			Lock: func(ctx context.Context, _ string, fn func(context.Context) error) error { return fn(ctx) },
			TryHold: func(name string, hold time.Duration) (bool, error) {
				claims = append(claims, name)
				if _, ok := held[name]; ok {
					return false, nil
				}
				held[name] = hold
				return true, nil
			},
		}}
	}
	tab1, tab2 := tab(), tab()
	if err := tab1.Save(login); err != nil {
		t.Fatal(err)
	}
	if got, err := tab1.Take("s"); err != nil || got.Verifier != "v" {
		t.Fatalf("tab 1: Take = %+v, %v; want the login", got, err)
	}
	if _, err := tab2.Take("s"); !errors.Is(err, storage.ErrNoPending) {
		t.Fatalf("tab 2, reading the removed entry late: Take = %v, want ErrNoPending", err)
	}
	if _, err := tab1.Take("s"); !errors.Is(err, storage.ErrNoPending) {
		t.Fatalf("tab 1 again: Take = %v, want ErrNoPending", err)
	}
	if len(claims) != 2 || claims[0] != storage.TakenPrefix+"s" {
		t.Errorf("claims %q: want tab 1's and tab 2's, of %q (tab 1's second Take sees its own removal)", claims, storage.TakenPrefix+"s")
	}
	if h := held[storage.TakenPrefix+"s"]; h != storage.ClaimHold || h <= 0 {
		t.Errorf("the claim is held %v, want ClaimHold (%v)", h, storage.ClaimHold)
	}
}
