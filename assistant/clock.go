package assistant

import (
	"time"

	"github.com/corti-auth/corti-auth/session"
)

// Clock is the time source of a Controller: session.Clock, one interface for
// the session and the Assistant (sessiontest.Clock is the fake of both).
type Clock = session.Clock

// realClock is session.RealClock.
type realClock struct{}

func (realClock) Now() time.Time { return session.RealClock.Now() }

func (realClock) Mono() time.Duration { return session.RealClock.Mono() }

func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return session.RealClock.AfterFunc(d, f)
}
