package assistant

import (
	"time"

	"github.com/corti-auth/corti-auth/pkce"
)

// prewarm runs, while the frame is still loading, the code the first auth
// runs once the frame is ready — the service-account check, the payload, the
// request's encoding and the parsing of the messages that follow — on a
// made-up token response (nothing is posted, every result is dropped, the
// session's tokens are not touched). In a browser, V8 compiles each wasm function at
// its first call; on a page that mounted the Assistant early (before the
// session existed) this moves that first run off the path between
// embedded.ready and the Assistant signed in. It does nothing once the frame
// is ready.
func (c *Controller) prewarm() {
	select {
	case <-c.ready:
		return
	default:
	}
	// A token response of the shape the session hands over, with a JWT that
	// decodes (unsigned: it is never sent, nor verified).
	jwt := "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9." + // {"alg":"RS256","typ":"JWT"}
		"eyJzdWIiOiJ3YXJtIiwicHJlZmVycmVkX3VzZXJuYW1lIjoid2FybSIsImV4cCI6NDEwMjQ0NDgwMH0." + // {"sub":"warm","preferred_username":"warm","exp":4102444800}
		"c2ln"
	resp, err := pkce.ParseTokenResponse([]byte(`{"access_token":"` + jwt + `","token_type":"Bearer","expires_in":300,` +
		`"refresh_token":"r","refresh_expires_in":1800,"id_token":"` + jwt + `","scope":"openid","session_state":"s","not-before-policy":0}`))
	if err != nil {
		return
	}
	_ = IsServiceAccount(resp.AccessToken) // the function the bridge hands over as Options.IsServiceAccount
	payload, err := AuthPayload(ForAuth(resp, c.o.ShareRefreshToken), time.Now().Add(time.Minute), Profile{"n", "e", "s"})
	if err != nil {
		return
	}
	_, _ = EncodeRequest("auth", "warm", payload)
	_ = MissingForAuth(resp)
	for _, sample := range []string{
		`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"embedded.ready","confidential":false,"payload":{"version":"v1"}}`,
		`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"auth","requestId":"r","success":true,"payload":{"user":{"id":"u","email":"e"}}}`,
	} {
		if m, err := ParseMessage([]byte(sample)); err == nil {
			_ = parseUser(m.Payload)
		}
	}
}
