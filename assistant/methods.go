package assistant

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// The typed methods of the rest of v1, with their arguments read as the
// component reads them (CortiEmbedded.ts in @corti/embedded-web): navigate
// takes a path or {path}, addFacts a list or {facts}, setCredentials
// {password} (refused without one, nothing posted), showDeviceLinkQR the
// session's tokens with their refresh token.

// NavigatePayload reads navigate's argument: a path string, or {path}; the
// path must be a non-empty string. Anything else gives ErrInvalidPayload.
func NavigatePayload(arg json.RawMessage) (json.RawMessage, error) {
	arg = bytes.TrimSpace(arg)
	if s, ok := str(arg); ok {
		if s == "" {
			return nil, fmt.Errorf("%w: navigate takes a path or {path}, got an empty path", ErrInvalidPayload)
		}
		return json.Marshal(map[string]string{"path": s})
	}
	if len(arg) == 0 || arg[0] != '{' || !json.Valid(arg) {
		return nil, fmt.Errorf("%w: navigate takes a path or {path}", ErrInvalidPayload)
	}
	if s, ok := str(member(arg, "path")); !ok || s == "" {
		return nil, fmt.Errorf("%w: navigate takes a path or {path}; path must be a non-empty string", ErrInvalidPayload)
	}
	return arg, nil
}

// NavigateTo sends navigate with NavigatePayload(arg).
func (c *Controller) NavigateTo(ctx context.Context, arg json.RawMessage) (json.RawMessage, error) {
	p, err := NavigatePayload(arg)
	if err != nil {
		return nil, err
	}
	return c.Request(ctx, "navigate", p)
}

// FactsPayload reads addFacts' argument: the list of facts, sent as
// {"facts": list}, or {facts: list}. Anything else gives ErrInvalidPayload.
func FactsPayload(arg json.RawMessage) (json.RawMessage, error) {
	arg = bytes.TrimSpace(arg)
	if len(arg) > 0 && arg[0] == '[' {
		return json.Marshal(map[string]json.RawMessage{"facts": arg})
	}
	facts := bytes.TrimSpace(member(arg, "facts"))
	if len(facts) == 0 || facts[0] != '[' {
		return nil, fmt.Errorf("%w: addFacts takes a list of facts or {facts: [...]}", ErrInvalidPayload)
	}
	return arg, nil
}

// CredentialsPayload reads setCredentials' argument: {password} with a
// non-empty string password (the component refuses an empty one before
// posting). Anything else gives ErrInvalidPayload.
func CredentialsPayload(arg json.RawMessage) (json.RawMessage, error) {
	arg = bytes.TrimSpace(arg)
	if len(arg) == 0 || arg[0] != '{' || !json.Valid(arg) {
		return nil, fmt.Errorf("%w: setCredentials takes {password}", ErrInvalidPayload)
	}
	if s, ok := str(member(arg, "password")); !ok || s == "" {
		return nil, fmt.Errorf("%w: setCredentials takes {password}; the password is required", ErrInvalidPayload)
	}
	return arg, nil
}

// SetCredentials sends setCredentials with CredentialsPayload(arg); the
// response has no payload.
func (c *Controller) SetCredentials(ctx context.Context, arg json.RawMessage) (json.RawMessage, error) {
	p, err := CredentialsPayload(arg)
	if err != nil {
		return nil, err
	}
	return c.Request(ctx, "setCredentials", p)
}

// DeviceLinkStatuses are the statuses a showDeviceLinkQR response may carry
// (ShowDeviceLinkQRResponse in the component's responses.ts).
var DeviceLinkStatuses = []string{"approved", "denied", "expired", "dismissed"}

// DeviceLinkStatus reads a showDeviceLinkQR response's payload.status, and
// reports whether it is one of DeviceLinkStatuses.
func DeviceLinkStatus(payload json.RawMessage) (string, bool) {
	s, _ := str(member(payload, "status"))
	for _, ok := range DeviceLinkStatuses {
		if s == ok {
			return s, true
		}
	}
	return "", false
}

// ShowDeviceLinkQR sends showDeviceLinkQR with the session's fresh tokens, as
// auth sends them (AuthPayload: the component's members only), which must
// include a refresh token (DeviceLinkTokenResponse requires one: else
// ErrInvalidPayload, nothing posted); a service account's token is refused
// with ErrNotUserToken. The refresh token goes to the Assistant only when it
// was mounted with assistantRefreshes (ShareRefreshToken) or share is set (the
// call's shareRefreshToken): else ErrInvalidOptions saying why, nothing
// posted. A refresh token handed over is recorded as held by the Assistant
// (SentRefreshTokens), so that RefreshConflict covers it. It returns the
// response payload, {status} with one of DeviceLinkStatuses; a response
// without such a status is an *Error (code INVALID_RESPONSE).
func (c *Controller) ShowDeviceLinkQR(ctx context.Context, share bool) (json.RawMessage, error) {
	if err := c.stopped(); err != nil {
		return nil, err
	}
	if !share && !c.o.ShareRefreshToken {
		return nil, fmt.Errorf("%w: showDeviceLinkQR hands the session's refresh token to the Assistant (a linked device "+
			"keeps the clinician signed in with it), and this Assistant was mounted without assistantRefreshes: pass "+
			"{ shareRefreshToken: true } to hand it over knowingly (the session then counts the Assistant as a second "+
			"holder of its refresh token)", ErrInvalidOptions)
	}
	resp, expiresAt, profile, err := c.o.Tokens.Fresh(ctx)
	if err != nil {
		return nil, fmt.Errorf("assistant: fresh tokens for showDeviceLinkQR: %w", err)
	}
	if resp == nil || resp.AccessToken == "" {
		return nil, errors.New("assistant: fresh tokens for showDeviceLinkQR: no access token")
	}
	if c.o.IsServiceAccount != nil && c.o.IsServiceAccount(resp.AccessToken) {
		return nil, ErrNotUserToken
	}
	if resp.RefreshToken == "" {
		return nil, fmt.Errorf("%w: showDeviceLinkQR needs the session's refresh token, and the session has none", ErrInvalidPayload)
	}
	payload, err := AuthPayload(resp, expiresAt, profile)
	if err != nil {
		return nil, err
	}
	c.noteSentRefresh(resp.RefreshToken)
	out, err := c.roundTrip(ctx, "showDeviceLinkQR", payload)
	if err != nil {
		return nil, err
	}
	if _, ok := DeviceLinkStatus(out.Payload); ok {
		return out.Payload, nil
	}
	return nil, &Error{Action: "showDeviceLinkQR", Code: "INVALID_RESPONSE",
		Message: fmt.Sprintf("the response has no status among %v", DeviceLinkStatuses), Details: out.Payload}
}

// Display is the iframe's CSS display for show() (true) and hide() (false),
// as the component styles its iframe ("block" / "none").
func Display(visible bool) string {
	if visible {
		return "block"
	}
	return "none"
}
