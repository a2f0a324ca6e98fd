package assistant

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

// IsActivity reports whether the Assistant event named event counts as the
// user's activity for idle sign-out.
func IsActivity(event string) bool { return activityEvents[event] }
