// Package sessiontest provides a deterministic clock for testing code that uses
// package session (or anything else that takes a Now/AfterFunc clock).
package sessiontest

import (
	"sync"
	"time"
)

// Clock is a fake clock: time moves only when Advance or Jump is called, and
// timers fire only inside Advance, in the order they are due (ties in the order
// they were created), each in Advance's goroutine with Now() at its due time.
// It implements session.Clock.
type Clock struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers []*timer
}

type timer struct {
	when time.Time
	seq  uint64
	f    func()
}

// NewClock returns a Clock reading start.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc registers f to run once the clock has advanced by d (at the next
// Advance when d <= 0). stop removes it and reports whether it had not fired.
func (c *Clock) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &timer{when: c.now.Add(max(d, 0)), seq: c.seq, f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		return c.remove(t)
	}
}

func (c *Clock) remove(t *timer) bool {
	for i, x := range c.timers {
		if x == t {
			last := len(c.timers) - 1
			c.timers[i] = c.timers[last]
			c.timers[last] = nil
			c.timers = c.timers[:last]
			return true
		}
	}
	return false
}

// Advance moves the clock forward by d, firing every timer that falls due on
// the way — including timers created by the callbacks — in order. A callback
// may call the clock.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	for c.fireNext(target) {
	}
}

// fireNext fires the earliest timer due at or before target, or moves the clock
// to target and reports false.
func (c *Clock) fireNext(target time.Time) bool {
	c.mu.Lock()
	var next *timer
	for _, t := range c.timers {
		if !t.when.After(target) && (next == nil || t.when.Before(next.when) || t.when.Equal(next.when) && t.seq < next.seq) {
			next = t
		}
	}
	if next == nil {
		if target.After(c.now) {
			c.now = target
		}
		c.mu.Unlock()
		return false
	}
	c.remove(next)
	if next.when.After(c.now) {
		c.now = next.when
	}
	c.mu.Unlock()
	next.f()
	return true
}

// AdvanceToNext moves the clock to the earliest pending timer and fires it (and
// any other due at that instant). It reports false when no timer is pending.
func (c *Clock) AdvanceToNext() bool {
	at, ok := c.Next()
	if !ok {
		return false
	}
	c.mu.Lock()
	d := at.Sub(c.now)
	c.mu.Unlock()
	c.Advance(max(d, 0))
	return true
}

// Jump moves the clock forward by d without firing anything: a machine asleep,
// or a frozen background tab. Overdue timers fire at the next Advance.
func (c *Clock) Jump(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Next returns when the earliest pending timer is due.
func (c *Clock) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var at time.Time
	for _, t := range c.timers {
		if at.IsZero() || t.when.Before(at) {
			at = t.when
		}
	}
	return at, !at.IsZero()
}

// Pending returns the number of timers not yet fired nor stopped.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}
