package assistant

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Message envelope types and the protocol version.
const (
	TypeRequest  = "CORTI_EMBEDDED"
	TypeResponse = "CORTI_EMBEDDED_RESPONSE"
	TypeEvent    = "CORTI_EMBEDDED_EVENT"
	Version      = "v1"
)

// EventReady is the event that announces a (re)loaded iframe.
const EventReady = "embedded.ready"

// MaxMessageSize bounds the messages ParseMessage accepts (4 MiB).
const MaxMessageSize = 4 << 20

// Kind tells requests, responses and events apart.
type Kind int

// Kinds of messages.
const (
	KindUnknown Kind = iota
	KindRequest
	KindResponse
	KindEvent
)

func (k Kind) String() string {
	switch k {
	case KindRequest:
		return "request"
	case KindResponse:
		return "response"
	case KindEvent:
		return "event"
	}
	return "unknown"
}

// Message is a decoded protocol message. Both response shapes are folded into
// the same fields: the shipped component's (payload, error string, errorCode,
// errorDetails) and the older documented one (no action nor version, data,
// error {message, code}).
type Message struct {
	Kind         Kind
	Action       string          // requests and responses
	RequestID    string          // requests and responses
	Success      bool            // responses: true only for "success": true
	HasError     bool            // responses: an error member that JS counts as true (the component fails such a response even with success: true)
	Payload      json.RawMessage // payload, else data; nil when absent or null
	ErrMessage   string          // error (a string) or error.message
	ErrCode      string          // errorCode, else error.code
	ErrDetails   json.RawMessage // errorDetails, else error.details; nil when absent or null
	Event        string          // events
	Confidential bool            // events: clinical content, never to be logged
	Deprecated   bool            // events: legacy camelCase events
	Version      string          // the envelope's version; "" when absent
}

// envelope holds the members ParseMessage reads, taken by their exact names
// and decoded one by one, so that a member of an unexpected type does not lose
// the others.
type envelope struct {
	Type, Version, Action, RequestID, Success, Payload, Data        json.RawMessage
	Error, ErrorCode, ErrorDetails, Event, Confidential, Deprecated json.RawMessage
}

// members decodes a JSON object into its members by exact name, the last of two
// equal names winning, as JSON.parse reads it. encoding/json's struct decoding
// matches names case-insensitively, which would let {"TYPE": …} stand for the
// "type" the page's JavaScript looks at.
func members(data []byte) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, err
	}
	return m, nil
}

// member returns the member name of the JSON object v, read as members reads
// it (exact name, the last duplicate winning); nil when v is not an object or
// has no such member. The payloads' nested members (a ready's version, an
// error's message and code, auth's user, a device link's status) are read
// with it, as the page's JavaScript reads them.
func member(v json.RawMessage, name string) json.RawMessage {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || v[0] != '{' {
		return nil
	}
	o, err := members(v)
	if err != nil {
		return nil
	}
	return o[name]
}

// ParseMessage decodes an incoming message (the JSON text of event.data). It
// returns an error wrapping ErrUnknownMessage, which the caller ignores, when the
// input exceeds MaxMessageSize, is not a JSON object, has no known type, is a
// request without an action or requestId string, a response without a
// requestId string (or with an action that is not a string), or an event
// without an event name. A response may omit its action: Corti's docs show
// responses as {type, requestId, success, data?, error?}; it is matched by its
// requestId alone, as every response is.
//
// Version tolerance: a response must carry version "v1" or none (the older
// documented shape omits it, and the documented ready event has none); a
// response of another version is unknown, since its fields may mean something
// else and it resolves a promise. Events and requests are accepted with any
// version, kept in Message.Version: an event is only forwarded, and readiness is
// checked on embedded.ready's payload.version (a warning, not a failure).
func ParseMessage(data []byte) (Message, error) {
	if len(data) > MaxMessageSize {
		return Message{}, fmt.Errorf("%w: %d bytes exceeds %d", ErrUnknownMessage, len(data), MaxMessageSize)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return Message{}, fmt.Errorf("%w: not a JSON object", ErrUnknownMessage)
	}
	o, err := members(data)
	if err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrUnknownMessage, err)
	}
	e := envelope{
		Type: o["type"], Version: o["version"], Action: o["action"], RequestID: o["requestId"],
		Success: o["success"], Payload: o["payload"], Data: o["data"], Error: o["error"],
		ErrorCode: o["errorCode"], ErrorDetails: o["errorDetails"], Event: o["event"],
		Confidential: o["confidential"], Deprecated: o["deprecated"],
	}
	typ, _ := str(e.Type)
	m := Message{}
	var hasVersion bool
	m.Version, hasVersion = str(e.Version)
	if !hasVersion && !isNull(e.Version) {
		return Message{}, fmt.Errorf("%w: version is not a string", ErrUnknownMessage)
	}
	m.Payload = nonNull(e.Payload)
	switch typ {
	case TypeRequest, TypeResponse:
		var ok bool
		if m.Action, ok = str(e.Action); !ok || m.Action == "" {
			if typ == TypeRequest || !isNull(e.Action) {
				return Message{}, fmt.Errorf("%w: %s without an action", ErrUnknownMessage, typ)
			}
		}
		if m.RequestID, ok = str(e.RequestID); !ok || m.RequestID == "" {
			return Message{}, fmt.Errorf("%w: %s without a requestId", ErrUnknownMessage, typ)
		}
		if typ == TypeRequest {
			m.Kind = KindRequest
			return m, nil
		}
		if m.Version != "" && m.Version != Version {
			return Message{}, fmt.Errorf("%w: response of version %q", ErrUnknownMessage, m.Version)
		}
		m.Kind = KindResponse
		m.Success = string(e.Success) == "true"
		if m.Payload == nil {
			m.Payload = nonNull(e.Data)
		}
		m.ErrMessage, m.ErrCode, m.ErrDetails = parseError(e)
		m.HasError = truthy(e.Error)
		return m, nil
	case TypeEvent:
		var ok bool
		if m.Event, ok = str(e.Event); !ok || m.Event == "" {
			return Message{}, fmt.Errorf("%w: event without a name", ErrUnknownMessage)
		}
		m.Kind = KindEvent
		// Anything but an explicit false (or absence) counts as confidential:
		// when in doubt, do not log.
		m.Confidential = len(e.Confidential) != 0 && !isNull(e.Confidential) && string(e.Confidential) != "false"
		m.Deprecated = string(e.Deprecated) == "true"
		return m, nil
	}
	return Message{}, fmt.Errorf("%w: type %.40q", ErrUnknownMessage, typ)
}

// parseError reads both failure shapes: "error":"text" with errorCode and
// errorDetails, and "error":{"message","code","details"}. The top-level
// errorCode and errorDetails win over the object's members.
func parseError(e envelope) (msg, code string, details json.RawMessage) {
	if s, ok := str(e.Error); ok {
		msg = s
	} else if len(e.Error) > 0 && e.Error[0] == '{' {
		if o, err := members(e.Error); err == nil {
			msg, _ = str(o["message"])
			code = scalar(o["code"])
			details = nonNull(o["details"])
		}
	}
	if c := scalar(e.ErrorCode); c != "" {
		code = c
	}
	if d := nonNull(e.ErrorDetails); d != nil {
		details = d
	}
	return msg, code, details
}

// str decodes a JSON string; ok is false for anything else.
func str(v json.RawMessage) (s string, ok bool) {
	if len(v) == 0 || v[0] != '"' {
		return "", false
	}
	return s, json.Unmarshal(v, &s) == nil
}

// scalar decodes a JSON string, or keeps a number's text (an error code sent as
// a number); other values give "".
func scalar(v json.RawMessage) string {
	if s, ok := str(v); ok {
		return s
	}
	if len(v) > 0 && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9')) {
		return string(v)
	}
	return ""
}

// truthy is JS truthiness of a member: absent, null, false, 0 and "" are false.
func truthy(v json.RawMessage) bool {
	switch s := string(bytes.TrimSpace(v)); s {
	case "", "null", "false", `""`:
		return false
	default:
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f != 0
		}
		return true
	}
}

func isNull(v json.RawMessage) bool { return len(v) == 0 || string(v) == "null" }

func nonNull(v json.RawMessage) json.RawMessage {
	if isNull(v) {
		return nil
	}
	return v
}

// request is the wire form of a request; the field order is the documented one.
type request struct {
	Type      string          `json:"type"`
	Version   string          `json:"version"`
	Action    string          `json:"action"`
	RequestID string          `json:"requestId"`
	Payload   json.RawMessage `json:"payload"`
}

// EncodeRequest builds a request envelope:
// {"type":"CORTI_EMBEDDED","version":"v1","action":…,"requestId":…,"payload":…}.
// A nil payload (or one that encodes to null) is sent as {}. It returns an error
// when action or requestID is empty or the payload cannot be encoded as JSON.
func EncodeRequest(action, requestID string, payload any) ([]byte, error) {
	if action == "" {
		return nil, errors.New("assistant: request without an action")
	}
	if requestID == "" {
		return nil, errors.New("assistant: request without a requestId")
	}
	p, err := encodePayload(payload)
	if err != nil {
		return nil, fmt.Errorf("assistant: %s payload: %w", action, err)
	}
	return json.Marshal(request{TypeRequest, Version, action, requestID, p})
}

func encodePayload(payload any) (json.RawMessage, error) {
	if payload == nil {
		return json.RawMessage("{}"), nil
	}
	p, err := json.Marshal(payload)
	if err != nil {
		return nil, err
	}
	if string(p) == "null" {
		return json.RawMessage("{}"), nil
	}
	return p, nil
}
