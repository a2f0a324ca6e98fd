package session

import (
	"slices"
	"time"
)

// TokensMap is a token response as the page reads it (session.tokens, the
// "refreshed" event): every member of the raw response, plus expires_at, and
// refresh_expires_at when known, in epoch seconds.
func TokensMap(t Tokens) map[string]any {
	m := map[string]any{}
	if t.Response != nil {
		m = t.Response.Map()
	}
	m["expires_at"] = Epoch(t.ExpiresAt)
	if !t.RefreshExpiresAt.IsZero() {
		m["refresh_expires_at"] = Epoch(t.RefreshExpiresAt)
	}
	return m
}

// Epoch is t in epoch seconds with millisecond precision: the session decides
// on the exact instant, so a page computing the time left must see it too.
func Epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// endedBlanks are the members an ended session no longer hands out.
var endedBlanks = []string{"access_token", "refresh_token", "id_token"}

// View is session.tokens: TokensMap of the current tokens. Once the session
// has ended (logout, a refresh refused, expiry, a sibling tab's logout) the
// token strings read "": an ended session hands out no token, so a script on
// the page cannot pick up an access token that outlives the logout. Claims,
// expiry and scope stay. (A session that was only closed keeps them.)
func (s *Session) View() map[string]any {
	m := TokensMap(s.Current())
	// Read after the tokens: an end that comes between the two still blanks them.
	if ended, _ := s.Ended(); ended {
		for _, k := range endedBlanks {
			if _, ok := m[k]; ok {
				m[k] = ""
			}
		}
	}
	return m
}

// ListenerEvents are the event names session.on takes: the four events, and
// "*" for all of them.
var ListenerEvents = []string{string(EventRefreshed), string(EventExpiring), string(EventEnded), string(EventError), "idle", "active", "*"}

// IsListenerEvent reports whether session.on takes name.
func IsListenerEvent(name string) bool { return slices.Contains(ListenerEvents, name) }
