package pkce

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// TokenResponse is a token endpoint answer (RFC 6749 §5.1) with Keycloak's extra
// fields. Raw keeps every member exactly as received, unknown ones included, so
// the response can be handed on (to the Corti Assistant) as Keycloak sent it.
type TokenResponse struct {
	AccessToken      string
	TokenType        string
	ExpiresIn        int64 // seconds; 0 when absent
	RefreshToken     string
	RefreshExpiresIn int64 // seconds; 0 when absent or "no refresh" (Keycloak)
	IDToken          string
	Scope            string
	SessionState     string
	NotBeforePolicy  int64
	Raw              map[string]json.RawMessage
}

// maxTokenResponse bounds the body ParseTokenResponse accepts.
const maxTokenResponse = 1 << 20

// ParseTokenResponse decodes a successful (2xx) token endpoint body. It returns
// an error wrapping ErrBadResponse when the body is not a JSON object or has no
// access_token, when a known member has the wrong type, or when token_type is
// present and not Bearer (in any case). Numbers sent as
// numeric strings are accepted.
func ParseTokenResponse(body []byte) (*TokenResponse, error) {
	if len(body) > maxTokenResponse {
		return nil, fmt.Errorf("%w: body of %d bytes", ErrBadResponse, len(body))
	}
	var raw map[string]json.RawMessage
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&raw); err != nil || raw == nil {
		return nil, fmt.Errorf("%w: not a JSON object", ErrBadResponse)
	}
	if len(bytes.TrimSpace(body[d.InputOffset():])) != 0 {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrBadResponse)
	}
	t := &TokenResponse{Raw: raw}
	var err error
	str := func(k string, dst *string) {
		if v, ok := raw[k]; ok && err == nil && string(v) != "null" {
			if e := json.Unmarshal(v, dst); e != nil {
				err = fmt.Errorf("%w: %s is not a string", ErrBadResponse, k)
			}
		}
	}
	num := func(k string, dst *int64) {
		if v, ok := raw[k]; ok && err == nil && string(v) != "null" {
			n, e := parseNumber(v)
			if e != nil {
				err = fmt.Errorf("%w: %s is not a number", ErrBadResponse, k)
			}
			*dst = n
		}
	}
	str("access_token", &t.AccessToken)
	str("token_type", &t.TokenType)
	num("expires_in", &t.ExpiresIn)
	str("refresh_token", &t.RefreshToken)
	num("refresh_expires_in", &t.RefreshExpiresIn)
	str("id_token", &t.IDToken)
	str("scope", &t.Scope)
	str("session_state", &t.SessionState)
	num("not-before-policy", &t.NotBeforePolicy)
	if err != nil {
		return nil, err
	}
	if t.AccessToken == "" {
		return nil, fmt.Errorf("%w: no access_token", ErrBadResponse)
	}
	// RFC 6749 §7.1: a client must not use a token of a type it does not
	// understand. This module sends tokens as Bearer (RFC 6750), whose name is
	// case-insensitive; a response without token_type (a bearer-mode callback
	// that leaves it out) is read as Bearer.
	if v, ok := raw["token_type"]; ok && string(v) != "null" && !strings.EqualFold(t.TokenType, "Bearer") {
		return nil, fmt.Errorf("%w: token_type %q, only Bearer is supported", ErrBadResponse, t.TokenType)
	}
	return t, nil
}

func parseNumber(v json.RawMessage) (int64, error) {
	s := string(v)
	if len(s) > 1 && s[0] == '"' {
		if err := json.Unmarshal(v, &s); err != nil {
			return 0, err
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != f || f > 1<<53 || f < -(1<<53) {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return int64(f), nil
}

// ParseTokenEndpointResponse interprets a token endpoint answer: a 2xx status is
// parsed with ParseTokenResponse; any other status gives an *OAuthError carrying
// the status and, when the body is an RFC 6749 §5.2 error object, its members.
func ParseTokenEndpointResponse(status int, body []byte) (*TokenResponse, error) {
	if status >= 200 && status < 300 {
		return ParseTokenResponse(body)
	}
	e := &OAuthError{Status: status}
	var o struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		URI         string `json:"error_uri"`
	}
	if len(body) <= maxTokenResponse && json.Unmarshal(body, &o) == nil {
		e.ErrorCode, e.Description, e.URI = o.Error, o.Description, o.URI
	}
	return nil, e
}

// MarshalJSON writes the response as received (Raw), with the known fields
// overriding their raw twins so that changes made through the struct show.
func (t *TokenResponse) MarshalJSON() ([]byte, error) {
	m := t.Map()
	return json.Marshal(m)
}

// Map returns the response as a JSON-ready map: every raw member, then the known
// fields set on t (empty strings and zero numbers are left out unless they were
// present in Raw; a member received as null stays null while its field is zero).
func (t *TokenResponse) Map() map[string]any {
	m := make(map[string]any, len(t.Raw)+9)
	for k, v := range t.Raw {
		m[k] = v
	}
	setS := func(k, v string) {
		if r, ok := t.Raw[k]; v != "" || ok && string(r) != "null" {
			m[k] = v
		}
	}
	setN := func(k string, v int64) {
		if r, ok := t.Raw[k]; v != 0 || ok && string(r) != "null" {
			m[k] = v
		}
	}
	setS("access_token", t.AccessToken)
	setS("token_type", t.TokenType)
	setN("expires_in", t.ExpiresIn)
	setS("refresh_token", t.RefreshToken)
	setN("refresh_expires_in", t.RefreshExpiresIn)
	setS("id_token", t.IDToken)
	setS("scope", t.Scope)
	setS("session_state", t.SessionState)
	setN("not-before-policy", t.NotBeforePolicy)
	return m
}

// Clone returns a deep copy of t.
func (t *TokenResponse) Clone() *TokenResponse {
	c := *t
	c.Raw = make(map[string]json.RawMessage, len(t.Raw))
	for k, v := range t.Raw {
		c.Raw[k] = append(json.RawMessage(nil), v...)
	}
	return &c
}
