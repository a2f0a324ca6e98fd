package storage

import (
	"context"
	"time"
)

// LockWait bounds a Lazy store's wait for another tab's hold on a lock (a
// pending login is held for the few storage calls of a Take; longer means
// something is stuck, and the caller then goes on without the lock).
const LockWait = 3 * time.Second

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

// Exclusive runs fn holding the lock name, waiting at most LockWait for it;
// the lock's error (not acquired in time, unavailable) is returned, and the
// caller decides whether to go on without it.
func (l Lazy) Exclusive(name string, fn func()) error {
	if l.Lock == nil {
		fn()
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), LockWait)
	defer cancel()
	return l.Lock(ctx, name, func(context.Context) error { fn(); return nil })
}
