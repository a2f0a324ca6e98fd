package storage

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// LockWait bounds a Lazy store's wait for another tab's hold on a lock (a
// pending login is held for the few storage calls of a Take; longer means the
// holder is stuck, and Exclusive then returns errLockHeld).
const LockWait = 3 * time.Second

// errLockHeld reports that another holder kept a lock for longer than
// LockWait. The holder still owns what the lock guards: a caller must not go
// on without the lock, as it may where locks are unavailable.
var errLockHeld = errors.New("storage: lock held by another tab")

// Lazy is a Store that opens its backing store at each use, so that storage
// that is unavailable (a sandboxed frame, a browser setting) fails the call
// that needs it, with that call's error, not the creation of whatever holds
// the store. With Lock set it is also a Locker: Exclusive runs fn under Lock,
// waiting at most LockWait for it.
type Lazy struct {
	Open func() (Store, error)
	// Lock runs fn holding the named lock (Web Locks in the browser); nil: fn
	// runs at once.
	Lock func(ctx context.Context, name string, fn func(context.Context) error) error
	// TryHold takes the named lock if no one holds it and keeps it for hold
	// (Web Locks' ifAvailable in the browser), reporting whether it did; nil:
	// every claim is won.
	TryHold func(name string, hold time.Duration) (bool, error)
}

func (l Lazy) Get(k string) (string, bool, error) {
	s, err := l.Open()
	if err != nil {
		return "", false, err
	}
	return s.Get(k)
}

func (l Lazy) Set(k, v string) error {
	s, err := l.Open()
	if err != nil {
		return err
	}
	return s.Set(k, v)
}

func (l Lazy) Remove(k string) error {
	s, err := l.Open()
	if err != nil {
		return err
	}
	return s.Remove(k)
}

func (l Lazy) Keys() ([]string, error) {
	s, err := l.Open()
	if err != nil {
		return nil, err
	}
	return s.Keys()
}

// Exclusive runs fn holding the lock name, waiting at most LockWait for it.
// When the wait runs out it returns an error wrapping errLockHeld; any other
// error of the lock (unavailable) is returned as it is, and the caller decides
// whether to go on without the lock.
func (l Lazy) Exclusive(name string, fn func()) error {
	if l.Lock == nil {
		fn()
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), LockWait)
	defer cancel()
	ran := false
	err := l.Lock(ctx, name, func(context.Context) error { fn(); ran = true; return nil })
	if err != nil && !ran && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%w: %s, for over %v", errLockHeld, name, LockWait)
	}
	return err
}

// Claim is TryHold's answer: whether this caller holds name now, for hold.
func (l Lazy) Claim(name string, hold time.Duration) (bool, error) {
	if l.TryHold == nil {
		return true, nil
	}
	return l.TryHold(name, hold)
}
