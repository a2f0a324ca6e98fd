package session

import "time"

// Clock abstracts time for tests (see package sessiontest for a fake one).
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d; stop cancels it and
	// reports whether it did (as time.Timer.Stop). f must not be called from
	// inside AfterFunc itself.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// RealClock is the system clock: time.Now and time.AfterFunc.
var RealClock Clock = realClock{}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}
