package storage

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLazyOpensAtEachUse(t *testing.T) {
	mem := NewMemory()
	opens := 0
	l := Lazy{Open: func() (Store, error) { opens++; return mem, nil }}
	if err := l.Set("k", "v"); err != nil {
		t.Fatal(err)
	}
	if v, ok, err := l.Get("k"); err != nil || !ok || v != "v" {
		t.Fatalf("Get = %q %v %v", v, ok, err)
	}
	if keys, err := l.Keys(); err != nil || len(keys) != 1 || keys[0] != "k" {
		t.Fatalf("Keys = %v %v", keys, err)
	}
	if err := l.Remove("k"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := mem.Get("k"); ok {
		t.Fatal("Remove did not reach the store")
	}
	if opens != 4 {
		t.Fatalf("opened %d times, want once per call (4)", opens)
	}
}

func TestLazyUnavailableFailsEachCall(t *testing.T) {
	unavailable := errors.New("storage unavailable")
	l := Lazy{Open: func() (Store, error) { return nil, unavailable }}
	if _, _, err := l.Get("k"); !errors.Is(err, unavailable) {
		t.Errorf("Get: %v", err)
	}
	if err := l.Set("k", "v"); !errors.Is(err, unavailable) {
		t.Errorf("Set: %v", err)
	}
	if err := l.Remove("k"); !errors.Is(err, unavailable) {
		t.Errorf("Remove: %v", err)
	}
	if _, err := l.Keys(); !errors.Is(err, unavailable) {
		t.Errorf("Keys: %v", err)
	}
}

func TestLazyExclusive(t *testing.T) {
	// No lock: fn runs at once.
	ran := false
	if err := (Lazy{}).Exclusive("x", func() { ran = true }); err != nil || !ran {
		t.Fatalf("without Lock: err %v, ran %v", err, ran)
	}
	// With a lock: fn runs inside it, and the wait is bounded by LockWait.
	var name string
	var deadline time.Duration
	inside := false
	l := Lazy{Lock: func(ctx context.Context, n string, fn func(context.Context) error) error {
		name = n
		d, ok := ctx.Deadline()
		if !ok {
			t.Fatal("the lock's context has no deadline")
		}
		deadline = time.Until(d)
		inside = true
		defer func() { inside = false }()
		return fn(ctx)
	}}
	called := false
	if err := l.Exclusive("corti-auth:pending", func() { called = inside }); err != nil {
		t.Fatal(err)
	}
	if !called || name != "corti-auth:pending" {
		t.Fatalf("fn ran inside the lock: %v, name %q", called, name)
	}
	if deadline <= 0 || deadline > LockWait {
		t.Fatalf("lock wait %v, want within (0, %v]", deadline, LockWait)
	}
	// The lock's error is the caller's to judge.
	busy := errors.New("not acquired in time")
	if err := (Lazy{Lock: func(context.Context, string, func(context.Context) error) error { return busy }}).Exclusive("x", func() {}); !errors.Is(err, busy) {
		t.Fatalf("Exclusive = %v, want the lock's error", err)
	}
}

func TestLazyClaim(t *testing.T) {
	if won, err := (Lazy{}).Claim("x", time.Second); !won || err != nil {
		t.Fatalf("without TryHold: %v, %v; want every claim won", won, err)
	}
	var gotName string
	var gotHold time.Duration
	l := Lazy{TryHold: func(name string, hold time.Duration) (bool, error) { gotName, gotHold = name, hold; return false, nil }}
	if won, err := l.Claim("corti-auth:taken:s", 5*time.Second); won || err != nil || gotName != "corti-auth:taken:s" || gotHold != 5*time.Second {
		t.Fatalf("Claim = %v, %v; TryHold got %q, %v", won, err, gotName, gotHold)
	}
}

var _ interface {
	Store
	Locker
	Claimer
} = Lazy{}
