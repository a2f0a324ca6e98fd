package storage_test

import (
	"errors"
	"strings"
	"testing"

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
