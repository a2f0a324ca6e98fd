package assistant

import "time"

// activityEvents are the Assistant's events that a clinician's own action
// causes (navigating, opening or creating an interaction, dictating, editing
// or syncing a document): activity for idle sign-out. embedded.ready and
// embedded.authenticated are not: they follow every token refresh, and an API
// call is not activity. error.triggered is not either.
var activityEvents = map[string]bool{
	"embedded.navigated":          true,
	"embedded.interactionCreated": true,
	"interaction.loaded":          true,
	"recording.started":           true,
	"recording.stopped":           true,
	"document.generated":          true,
	"document.updated":            true,
	"document.synced":             true,
}

// IsActivity reports whether the Assistant event named event is one a
// clinician's own action can cause; it counts as activity for idle sign-out
// only when no request of the page caused it (see CausedWithin and
// Options.OnActivity).
func IsActivity(event string) bool { return activityEvents[event] }

// CausedWithin is how long after a request of the page (posted, answered, or
// given up) the Assistant's events are taken as caused by it rather than by a
// clinician: an EHR page that pushes patient context (navigate,
// createInteraction, addFacts, …) every few seconds must not keep an
// unattended workstation signed in through the events that answer it.
const CausedWithin = time.Second

// noteRequestLocked records that a request was posted or ended now. c.mu is held.
func (c *Controller) noteRequestLocked() {
	c.requestAt, c.requested = c.o.Clock.Mono(), true
}

// clinicianEvent reports whether the event named event counts as a
// clinician's own action inside the Assistant (OnActivity): it is one of
// IsActivity's, no request of the page (auth included) is in flight, and none
// was posted or ended within CausedWithin, by the monotonic clock.
func (c *Controller) clinicianEvent(event string) bool {
	if !IsActivity(event) {
		return false
	}
	now := c.o.Clock.Mono()
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending) == 0 && (!c.requested || now-c.requestAt >= CausedWithin)
}
