package assistant

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestEncodeRequest(t *testing.T) {
	tests := []struct {
		name    string
		action  string
		payload any
		want    string
	}{
		{"nil payload", "getStatus", nil,
			`{"type":"CORTI_EMBEDDED","version":"v1","action":"getStatus","requestId":"req_1","payload":{}}`},
		{"typed nil", "getTemplates", (*struct{ A int })(nil),
			`{"type":"CORTI_EMBEDDED","version":"v1","action":"getTemplates","requestId":"req_1","payload":{}}`},
		{"map", "navigate", map[string]string{"path": "/session/abc"},
			`{"type":"CORTI_EMBEDDED","version":"v1","action":"navigate","requestId":"req_1","payload":{"path":"/session/abc"}}`},
		{"raw", "addFacts", json.RawMessage(` {"facts": [{"text":"BP 120/80","group":"vitals"}]} `),
			`{"type":"CORTI_EMBEDDED","version":"v1","action":"addFacts","requestId":"req_1","payload":{"facts":[{"text":"BP 120/80","group":"vitals"}]}}`},
		{"struct", "createInteraction", struct {
			Encounter struct {
				Identifier string `json:"identifier"`
			} `json:"encounter"`
		}{},
			`{"type":"CORTI_EMBEDDED","version":"v1","action":"createInteraction","requestId":"req_1","payload":{"encounter":{"identifier":""}}}`},
	}
	for _, tt := range tests {
		got, err := EncodeRequest(tt.action, "req_1", tt.payload)
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: EncodeRequest = %s, %v\nwant %s", tt.name, got, err, tt.want)
		}
		m, err := ParseMessage(got)
		if err != nil || m.Kind != KindRequest || m.Action != tt.action || m.RequestID != "req_1" || m.Version != Version {
			t.Errorf("%s: ParseMessage(EncodeRequest) = %+v, %v", tt.name, m, err)
		}
	}
	for _, bad := range []struct {
		action, id string
		payload    any
	}{
		{"", "req_1", nil},
		{"auth", "", nil},
		{"auth", "req_1", make(chan int)},
		{"auth", "req_1", json.RawMessage(`{"broken"`)},
	} {
		if b, err := EncodeRequest(bad.action, bad.id, bad.payload); err == nil {
			t.Errorf("EncodeRequest(%q, %q, %T) = %s, want an error", bad.action, bad.id, bad.payload, b)
		}
	}
}

func TestParseMessage(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{"response success", `{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"auth","requestId":"req_1","success":true,"payload":{"user":{"id":"u1","email":"doctor@example.com"}}}`,
			Message{Kind: KindResponse, Action: "auth", RequestID: "req_1", Success: true, Version: "v1",
				Payload: json.RawMessage(`{"user":{"id":"u1","email":"doctor@example.com"}}`)}},
		{"response success without payload", `{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"navigate","requestId":"r","success":true}`,
			Message{Kind: KindResponse, Action: "navigate", RequestID: "r", Success: true, Version: "v1"}},
		{"response failure, shipped shape", `{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"auth","requestId":"req_2","success":false,"error":"Invalid or expired tokens","errorCode":"UNAUTHORIZED","errorDetails":{"reason":"exp"}}`,
			Message{Kind: KindResponse, Action: "auth", RequestID: "req_2", Version: "v1",
				ErrMessage: "Invalid or expired tokens", ErrCode: "UNAUTHORIZED", ErrDetails: json.RawMessage(`{"reason":"exp"}`)}},
		{"response success, old docs shape", `{"type":"CORTI_EMBEDDED_RESPONSE","action":"getStatus","requestId":"req_3","success":true,"data":{"currentUrl":"/"}}`,
			Message{Kind: KindResponse, Action: "getStatus", RequestID: "req_3", Success: true,
				Payload: json.RawMessage(`{"currentUrl":"/"}`)}},
		{"payload null falls back to data", `{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"getStatus","requestId":"req_3","success":true,"payload":null,"data":{"a":1}}`,
			Message{Kind: KindResponse, Action: "getStatus", RequestID: "req_3", Success: true, Version: "v1",
				Payload: json.RawMessage(`{"a":1}`)}},
		{"payload wins over data", `{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"getStatus","requestId":"req_3","success":true,"payload":{"p":1},"data":{"d":1}}`,
			Message{Kind: KindResponse, Action: "getStatus", RequestID: "req_3", Success: true, Version: "v1",
				Payload: json.RawMessage(`{"p":1}`)}},
		{"response failure, old docs shape", `{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"auth","requestId":"req_4","success":false,"error":{"message":"Invalid payload","code":"INVALID_PAYLOAD","details":{"field":"access_token"}}}`,
			Message{Kind: KindResponse, Action: "auth", RequestID: "req_4", Version: "v1",
				ErrMessage: "Invalid payload", ErrCode: "INVALID_PAYLOAD", ErrDetails: json.RawMessage(`{"field":"access_token"}`)}},
		{"errorCode wins over error.code", `{"type":"CORTI_EMBEDDED_RESPONSE","action":"auth","requestId":"r","success":false,"error":{"message":"m","code":"A"},"errorCode":"B"}`,
			Message{Kind: KindResponse, Action: "auth", RequestID: "r", ErrMessage: "m", ErrCode: "B"}},
		{"numeric error code", `{"type":"CORTI_EMBEDDED_RESPONSE","action":"auth","requestId":"r","success":false,"error":{"message":"m","code":500}}`,
			Message{Kind: KindResponse, Action: "auth", RequestID: "r", ErrMessage: "m", ErrCode: "500"}},
		{"success as a string is not success", `{"type":"CORTI_EMBEDDED_RESPONSE","action":"auth","requestId":"r","success":"true"}`,
			Message{Kind: KindResponse, Action: "auth", RequestID: "r"}},
		{"success missing is not success", `{"type":"CORTI_EMBEDDED_RESPONSE","action":"auth","requestId":"r"}`,
			Message{Kind: KindResponse, Action: "auth", RequestID: "r"}},
		{"event", `{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"embedded.navigated","confidential":false,"payload":{"path":"/session/abc"}}`,
			Message{Kind: KindEvent, Event: "embedded.navigated", Version: "v1", Payload: json.RawMessage(`{"path":"/session/abc"}`)}},
		{"ready as documented, no envelope version", `{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v1"}}`,
			Message{Kind: KindEvent, Event: "embedded.ready", Payload: json.RawMessage(`{"version":"v1"}`)}},
		{"event of another version is forwarded", `{"type":"CORTI_EMBEDDED_EVENT","version":"v2","event":"embedded.ready","payload":{"version":"v2"}}`,
			Message{Kind: KindEvent, Event: "embedded.ready", Version: "v2", Payload: json.RawMessage(`{"version":"v2"}`)}},
		{"confidential event", `{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"document.generated","confidential":true,"payload":{"document":{"text":"Patient reports chest pain"}}}`,
			Message{Kind: KindEvent, Event: "document.generated", Confidential: true, Version: "v1",
				Payload: json.RawMessage(`{"document":{"text":"Patient reports chest pain"}}`)}},
		{"confidential of a strange type counts as confidential", `{"type":"CORTI_EMBEDDED_EVENT","event":"document.updated","confidential":"yes"}`,
			Message{Kind: KindEvent, Event: "document.updated", Confidential: true}},
		{"legacy deprecated event", `{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"ready","deprecated":true,"payload":{}}`,
			Message{Kind: KindEvent, Event: "ready", Deprecated: true, Version: "v1", Payload: json.RawMessage(`{}`)}},
		{"legacy authChanged", `{"type":"CORTI_EMBEDDED_EVENT","event":"authChanged","deprecated":true,"confidential":false,"payload":{"user":null}}`,
			Message{Kind: KindEvent, Event: "authChanged", Deprecated: true, Payload: json.RawMessage(`{"user":null}`)}},
		{"event with null payload", `{"type":"CORTI_EMBEDDED_EVENT","event":"recording.started","payload":null}`,
			Message{Kind: KindEvent, Event: "recording.started"}},
		{"incoming request (an echo)", ` {"type":"CORTI_EMBEDDED","version":"v1","action":"auth","requestId":"req_9","payload":{}} `,
			Message{Kind: KindRequest, Action: "auth", RequestID: "req_9", Version: "v1", Payload: json.RawMessage(`{}`)}},
	}
	for _, tt := range tests {
		got, err := ParseMessage([]byte(tt.in))
		if err != nil {
			t.Errorf("%s: ParseMessage: %v", tt.name, err)
			continue
		}
		if !equalMessage(got, tt.want) {
			t.Errorf("%s: ParseMessage =\n%+v\nwant\n%+v", tt.name, got, tt.want)
		}
	}
}

func equalMessage(a, b Message) bool {
	return a.Kind == b.Kind && a.Action == b.Action && a.RequestID == b.RequestID && a.Success == b.Success &&
		bytes.Equal(a.Payload, b.Payload) && a.ErrMessage == b.ErrMessage && a.ErrCode == b.ErrCode &&
		bytes.Equal(a.ErrDetails, b.ErrDetails) && a.Event == b.Event && a.Confidential == b.Confidential &&
		a.Deprecated == b.Deprecated && a.Version == b.Version
}

func TestParseMessageUnknown(t *testing.T) {
	for _, in := range []string{
		``,
		`   `,
		`null`,
		`"embedded.ready"`,
		`42`,
		`[{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready"}]`,
		`{`,
		`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready"} {}`,
		`{}`,
		`{"event":"embedded.ready","payload":{"version":"v1"}}`,
		`{"type":"corti_embedded_event","event":"embedded.ready"}`,
		`{"type":42,"event":"embedded.ready"}`,
		`{"type":"SOMETHING_ELSE","event":"embedded.ready"}`,
		`{"type":"webpackOk"}`,
		`{"source":"react-devtools-bridge","payload":{}}`,
		`{"type":"CORTI_EMBEDDED_EVENT"}`,
		`{"type":"CORTI_EMBEDDED_EVENT","event":""}`,
		`{"type":"CORTI_EMBEDDED_EVENT","event":7}`,
		`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","version":1}`,
		`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"auth","success":true}`,
		`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"auth","requestId":"","success":true}`,
		`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"auth","requestId":12,"success":true}`,
		`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":7,"requestId":"req_1","success":true}`,
		`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v2","action":"auth","requestId":"req_1","success":true}`,
		`{"type":"CORTI_EMBEDDED","version":"v1","action":"auth"}`,
	} {
		m, err := ParseMessage([]byte(in))
		if !errors.Is(err, ErrUnknownMessage) {
			t.Errorf("ParseMessage(%.60s) = %+v, %v; want ErrUnknownMessage", in, m, err)
		}
	}
}

// Member names are matched exactly, as the page's JavaScript reads them (data.type,
// never data.TYPE), and of two members with one name the last wins, as JSON.parse
// has it. encoding/json's case-insensitive matching took {"tYpe": …} for a response
// (found by FuzzParseMessage, kept in testdata/fuzz).
func TestParseMessageMemberNamesAreExact(t *testing.T) {
	for _, in := range []string{
		`{"tYpe":"CORTI_EMBEDDED_RESPONSE","requestId":"0"}`,
		`{"TYPE":"CORTI_EMBEDDED_EVENT","event":"embedded.ready"}`,
		`{"type":"x","Type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready"}`,
		`{"type":"CORTI_EMBEDDED_EVENT","Event":"embedded.ready"}`,
		`{"type":"CORTI_EMBEDDED_RESPONSE","requestID":"r","success":true}`,
		`{"type":"CORTI_EMBEDDED","Action":"auth","requestId":"r"}`,
	} {
		if m, err := ParseMessage([]byte(in)); !errors.Is(err, ErrUnknownMessage) {
			t.Errorf("ParseMessage(%s) = %+v, %v; want ErrUnknownMessage", in, m, err)
		}
	}
	m, err := ParseMessage([]byte(`{"type":"CORTI_EMBEDDED_RESPONSE","requestId":"r","Success":true,"success":false,"Error":"x","Payload":{"a":1}}`))
	if err != nil || m.Success || m.HasError || m.Payload != nil {
		t.Errorf("differently cased members were read: %+v, %v", m, err)
	}
	m, err = ParseMessage([]byte(`{"type":"CORTI_EMBEDDED_RESPONSE","requestId":"r","success":false,"error":{"Message":"no","message":"yes","CODE":1}}`))
	if err != nil || m.ErrMessage != "yes" || m.ErrCode != "" {
		t.Errorf("error object members: %+v, %v", m, err)
	}
	m, err = ParseMessage([]byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"a","event":"b"}`))
	if err != nil || m.Event != "b" {
		t.Errorf("duplicate member: the last one wins, as in JSON.parse: %+v, %v", m, err)
	}
}

func TestParseMessageTooLarge(t *testing.T) {
	pad := strings.Repeat("x", MaxMessageSize)
	in := `{"type":"CORTI_EMBEDDED_EVENT","event":"document.generated","payload":{"text":"` + pad + `"}}`
	if _, err := ParseMessage([]byte(in)); !errors.Is(err, ErrUnknownMessage) {
		t.Fatalf("a message over 4 MiB: err = %v", err)
	}
	in = `{"type":"CORTI_EMBEDDED_EVENT","event":"document.generated","payload":{"text":"` + pad[:MaxMessageSize-200] + `"}}`
	if _, err := ParseMessage([]byte(in)); err != nil {
		t.Fatalf("a message just under 4 MiB: %v", err)
	}
}

// The returned payload must not alias the input: the bridge may reuse its buffer.
func TestParseMessageCopies(t *testing.T) {
	in := []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.navigated","payload":{"path":"/a"}}`)
	m, err := ParseMessage(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range in {
		in[i] = 'z'
	}
	if string(m.Payload) != `{"path":"/a"}` {
		t.Fatalf("payload changed with the input: %s", m.Payload)
	}
}

func TestErrorMessage(t *testing.T) {
	e := &Error{Action: "auth", Code: "UNAUTHORIZED", Message: "Invalid or expired tokens"}
	if got := e.Error(); got != "assistant: auth failed: UNAUTHORIZED: Invalid or expired tokens" {
		t.Errorf("Error() = %q", got)
	}
	if got := (&Error{Action: "navigate"}).Error(); got != "assistant: navigate failed" {
		t.Errorf("Error() = %q", got)
	}
}

var fuzzSeeds = []string{
	`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"auth","requestId":"req_1732800000000_k3j9x2a","success":true,"payload":{"user":{"id":"f3b1","email":"doctor@example.com","name":"Dr Jane Doe"}}}`,
	`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"auth","requestId":"req_1","success":false,"error":"Invalid or expired tokens","errorCode":"UNAUTHORIZED","errorDetails":{"reason":"expired"}}`,
	`{"type":"CORTI_EMBEDDED_RESPONSE","action":"getStatus","requestId":"req_2","success":true,"data":{"auth":{"isAuthenticated":true},"currentUrl":"/","interaction":null}}`,
	`{"type":"CORTI_EMBEDDED_RESPONSE","action":"auth","requestId":"req_3","success":false,"error":{"message":"Bad","code":"INVALID_PAYLOAD","details":[1,2]}}`,
	`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v1"}}`,
	`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"embedded.authenticated","confidential":false,"payload":{"tokenType":"Bearer","scope":"openid","expiresIn":300,"refreshExpiresIn":1800,"hasRefreshToken":true,"hasIdToken":true,"hasProfile":true}}`,
	`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"document.generated","confidential":true,"payload":{"document":{"id":"d1","sections":[{"text":"Patient reports chest pain"}]}}}`,
	`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"ready","deprecated":true,"payload":{}}`,
	`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"embedded.interactionCreated","payload":{"interaction":{"id":"i1","createdAt":"2024-11-28T12:00:00Z"}}}`,
	`{"type":"CORTI_EMBEDDED","version":"v1","action":"auth","requestId":"req_1","payload":{}}`,
	`{"type":"CORTI_EMBEDDED_EVENT","event":"error.triggered","payload":{"message":"boom","code":"E1"}}`,
	`{"type":"webpackOk"}`,
	`[1,2,3]`,
	`null`,
	`"CORTI_EMBEDDED_EVENT"`,
	`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v2","action":"auth","requestId":"r","success":true}`,
	`{"TYPE":"CORTI_EMBEDDED_EVENT","Event":"embedded.ready","type":"x"}`,
	`{"type":"CORTI_EMBEDDED_EVENT","event":"e\u0000\ud800","confidential":null,"payload":"\u2028"}`,
}

func FuzzParseMessage(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ParseMessage(data)
		if err != nil {
			if !errors.Is(err, ErrUnknownMessage) {
				t.Fatalf("error %v does not wrap ErrUnknownMessage", err)
			}
			if m.Kind != KindUnknown {
				t.Fatalf("an error with a message of kind %v", m.Kind)
			}
			return
		}
		switch m.Kind {
		case KindEvent:
			if m.Event == "" || m.RequestID != "" || m.Success {
				t.Fatalf("bad event: %+v", m)
			}
		case KindResponse:
			// A response may omit its action (the docs' shape); it is matched by requestId.
			if m.RequestID == "" || (m.Version != "" && m.Version != Version) {
				t.Fatalf("bad response: %+v", m)
			}
		case KindRequest:
			if m.RequestID == "" || m.Action == "" {
				t.Fatalf("bad request: %+v", m)
			}
		default:
			t.Fatalf("no error and kind %v", m.Kind)
		}
		for _, raw := range []json.RawMessage{m.Payload, m.ErrDetails} {
			if raw != nil && (!json.Valid(raw) || string(raw) == "null") {
				t.Fatalf("raw member %q is not a non-null JSON value", raw)
			}
		}
		// Whatever parsed must survive a re-encode as a request payload.
		if _, err := EncodeRequest("x", "y", m.Payload); err != nil {
			t.Fatalf("payload %q does not re-encode: %v", m.Payload, err)
		}
	})
}

func BenchmarkParseMessage(b *testing.B) {
	for _, bm := range []struct{ name, in string }{
		{"response", fuzzSeeds[0]},
		{"failure", fuzzSeeds[1]},
		{"event", fuzzSeeds[5]},
		{"unknown", `{"source":"react-devtools-content-script","payload":{"event":"x"}}`},
	} {
		data := []byte(bm.in)
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ParseMessage(data)
			}
		})
	}
}
