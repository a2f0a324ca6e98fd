// Package session keeps a signed-in session alive: it holds the current tokens,
// decides when to refresh them (with an injected Clock), makes every concurrent
// request for a refresh share one call of the RefreshFunc (single flight),
// retries temporary failures with exponential backoff and jitter, and ends with a
// reason ("invalid_grant", "refresh_expired", "expired", "id_token_invalid",
// "logout", ...) exactly once.
//
// It is pure Go and knows nothing of JS: the browser bridge gives it a
// RefreshFunc (a fetch to the token endpoint, or a JS callback in bearer mode), a
// Clock, optionally a Coordinator (a cross-tab Web Lock and BroadcastChannel),
// and receives Events.
//
// Timers are only hints. Browsers throttle timers in hidden tabs and freeze them
// across sleep, so every decision is recomputed from wall-clock expiry: by
// AccessToken on every call, and by Check on the page's wake-up signals. Times
// are compared without their monotonic reading (the monotonic clock of a browser
// may stand still while the machine sleeps).
package session
