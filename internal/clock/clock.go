// Package clock is the time source of a session.Session and of an
// assistant.Controller: one interface for both (session.Clock and
// assistant.Clock are this Clock; package sessiontest has the fake), so that
// neither package imports the other for it.
package clock

import "time"

// Clock reads two clocks: the wall clock, which expiries from a provider are
// dated on and which the user or NTP may set back or forward at any moment; and
// a monotonic clock, which is never set (in a browser performance.now(), which
// may stand still while the machine sleeps). A Session judges elapsed time by
// both and lets the earlier deadline win.
type Clock interface {
	// Now reads the wall clock.
	Now() time.Time
	// Mono reads the monotonic clock: the time elapsed since an arbitrary
	// origin, fixed for the Clock's lifetime.
	Mono() time.Duration
	// AfterFunc calls f in its own goroutine after d has passed on the
	// monotonic clock; stop cancels it and reports whether it did (as
	// time.Timer.Stop). f must not be called from inside AfterFunc itself.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// Real is the system clock: time.Now, its monotonic reading, and
// time.AfterFunc.
var Real Clock = system{}

// monoOrigin is the origin of system's Mono: time.Since reads the monotonic
// clock Go keeps in every time.Now (in a browser, performance.now()).
var monoOrigin = time.Now()

type system struct{}

func (system) Now() time.Time { return time.Now() }

func (system) Mono() time.Duration { return time.Since(monoOrigin) }

func (system) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}
