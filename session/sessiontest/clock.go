// Package sessiontest provides a deterministic clock for testing code that takes
// a session.Clock (package session, package assistant).
package sessiontest

import (
	"sync"
	"time"
)

// Clock is a fake session.Clock that models the wall clock and the monotonic
// clock separately. Time moves only when Advance, Jump or SetWall is called.
// Timers run on the monotonic clock and fire only inside Advance, in the order
// they are due (ties in the order they were created), each in Advance's
// goroutine with the clocks at its due time.
type Clock struct {
	mu     sync.Mutex
	start  time.Time     // the wall reading at mono 0, before any SetWall
	mono   time.Duration // the monotonic reading
	offset time.Duration // what SetWall added to the wall clock
	seq    uint64
	timers []*timer
}

type timer struct {
	when time.Duration // on the monotonic clock
	seq  uint64
	f    func()
}

// NewClock returns a Clock whose wall clock reads start and whose monotonic
// clock reads 0.
func NewClock(start time.Time) *Clock { return &Clock{start: start.Round(0)} }

// Now returns the fake wall time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wallLocked()
}

func (c *Clock) wallLocked() time.Time { return c.start.Add(c.mono + c.offset) }

// Mono returns the fake monotonic reading.
func (c *Clock) Mono() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mono
}

// AfterFunc registers f to run once the monotonic clock has advanced by d (at
// the next Advance when d <= 0). stop removes it and reports whether it had not
// fired.
func (c *Clock) AfterFunc(d time.Duration, f func()) (stop func() bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &timer{when: c.mono + max(d, 0), seq: c.seq, f: f}
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

// Advance moves both clocks forward by d, firing every timer that falls due on
// the way — including timers created by the callbacks — in order. A callback
// may call the clock.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.mono + max(d, 0)
	c.mu.Unlock()
	for c.fireNext(target) {
	}
}

// fireNext fires the earliest timer due at or before target, or moves the clock
// to target and reports false.
func (c *Clock) fireNext(target time.Duration) bool {
	c.mu.Lock()
	var next *timer
	for _, t := range c.timers {
		if t.when <= target && (next == nil || t.when < next.when || t.when == next.when && t.seq < next.seq) {
			next = t
		}
	}
	if next == nil {
		c.mono = max(c.mono, target)
		c.mu.Unlock()
		return false
	}
	c.remove(next)
	c.mono = max(c.mono, next.when)
	c.mu.Unlock()
	next.f()
	return true
}

// AdvanceToNext moves the clocks to the earliest pending timer and fires it
// (and any other due at that instant). It reports false when no timer is
// pending.
func (c *Clock) AdvanceToNext() bool {
	c.mu.Lock()
	at, ok := c.nextLocked()
	d := at - c.mono
	c.mu.Unlock()
	if !ok {
		return false
	}
	c.Advance(max(d, 0))
	return true
}

// Jump moves both clocks forward by d without firing anything: a frozen
// background tab, or a machine asleep whose monotonic clock kept counting.
// Overdue timers fire at the next Advance.
func (c *Clock) Jump(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mono += max(d, 0)
}

// SetWall sets the wall clock by d (back when negative) and leaves the
// monotonic clock and the timers alone: the user or NTP changing the time, or,
// with d > 0, a machine asleep whose monotonic clock stood still.
func (c *Clock) SetWall(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Next returns the wall time at which the earliest pending timer is due, as
// the wall clock reads now.
func (c *Clock) Next() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.nextLocked()
	if !ok {
		return time.Time{}, false
	}
	return c.wallLocked().Add(at - c.mono), true
}

// NextIn returns how long (on the monotonic clock) until the earliest pending
// timer is due.
func (c *Clock) NextIn() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	at, ok := c.nextLocked()
	return at - c.mono, ok
}

func (c *Clock) nextLocked() (time.Duration, bool) {
	if len(c.timers) == 0 {
		return 0, false
	}
	at := c.timers[0].when
	for _, t := range c.timers[1:] {
		at = min(at, t.when)
	}
	return at, true
}

// Pending returns the number of timers not yet fired nor stopped.
func (c *Clock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}
