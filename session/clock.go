package session

import "github.com/corti-auth/corti-auth/internal/clock"

// Clock is the time source of a Session, and of assistant.Controller: one
// interface for both, defined in internal/clock (package sessiontest has the
// fake). It reads the wall clock and a monotonic clock; a Session judges
// elapsed time by both and lets the earlier deadline win.
type Clock = clock.Clock

// RealClock is the system clock: time.Now, its monotonic reading, and
// time.AfterFunc.
var RealClock Clock = clock.Real
