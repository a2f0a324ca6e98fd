package assistant

import "github.com/corti-auth/corti-auth/internal/clock"

// Clock is the time source of a Controller: the same interface as
// session.Clock, from internal/clock (sessiontest.Clock is the fake of both).
type Clock = clock.Clock

// realClock is the system clock, a Controller's Clock when its Options give
// none.
var realClock = clock.Real
