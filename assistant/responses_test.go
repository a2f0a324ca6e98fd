package assistant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// Issue 15 §4: responses and errors judged like the component.

func TestParseMessageDocsShape(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Message
	}{
		{"docs success: no action, no version, data",
			`{"type":"CORTI_EMBEDDED_RESPONSE","requestId":"req_1","success":true,"data":{"user":{"id":"u"}}}`,
			Message{Kind: KindResponse, RequestID: "req_1", Success: true, Payload: json.RawMessage(`{"user":{"id":"u"}}`)}},
		{"docs failure: error object",
			`{"type":"CORTI_EMBEDDED_RESPONSE","requestId":"req_2","success":false,"error":{"message":"Invalid or expired tokens","code":"UNAUTHORIZED"}}`,
			Message{Kind: KindResponse, RequestID: "req_2", ErrMessage: "Invalid or expired tokens", ErrCode: "UNAUTHORIZED"}},
		{"action null counts as absent",
			`{"type":"CORTI_EMBEDDED_RESPONSE","action":null,"requestId":"req_3","success":true}`,
			Message{Kind: KindResponse, RequestID: "req_3", Success: true}},
	}
	for _, tt := range tests {
		got, err := ParseMessage([]byte(tt.in))
		if err != nil || !equalMessage(got, tt.want) {
			t.Errorf("%s: ParseMessage = %+v, %v\nwant %+v", tt.name, got, err, tt.want)
		}
	}
	// A request still needs its action.
	if _, err := ParseMessage([]byte(`{"type":"CORTI_EMBEDDED","version":"v1","requestId":"r"}`)); !errors.Is(err, ErrUnknownMessage) {
		t.Errorf("a request without an action: %v", err)
	}
}

func TestFailedJudgesLikeTheComponent(t *testing.T) {
	// PostMessageHandler.handleResponse: data.success === false || data.error.
	tests := []struct {
		tail   string
		failed bool
	}{
		{`"success":true`, false},
		{`"success":true,"error":null`, false},
		{`"success":true,"error":""`, false},
		{`"success":true,"error":false`, false},
		{`"success":true,"error":0`, false},
		{`"success":true,"error":"boom"`, true},
		{`"success":true,"error":{}`, true},
		{`"success":true,"error":{"message":"m"}`, true},
		{`"success":true,"error":1`, true},
		{`"success":false`, true},
		{`"success":"true"`, true},
		{`"success":true,"errorCode":"X"`, false}, // the component looks at error only
	}
	for _, tt := range tests {
		m, err := ParseMessage([]byte(`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"a","requestId":"r",` + tt.tail + `}`))
		if err != nil {
			t.Fatalf("%s: %v", tt.tail, err)
		}
		if got := Failed(m); got != tt.failed {
			t.Errorf("Failed(%s) = %v, want %v", tt.tail, got, tt.failed)
		}
	}
}

func TestSuccessWithErrorRejects(t *testing.T) {
	h := newHarness(t, func(_ *Options, f *fakeIframe) {
		f.answer = func(req Message) []string {
			switch req.Action {
			case "getStatus":
				return []string{fmt.Sprintf(`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"getStatus","requestId":%q,"success":true,"payload":{},"error":"half done","errorCode":"INTERNAL_ERROR"}`, req.RequestID)}
			case "getTemplates": // the docs' shape
				return []string{fmt.Sprintf(`{"type":"CORTI_EMBEDDED_RESPONSE","requestId":%q,"success":true,"error":{"message":"no templates","code":"NOT_FOUND"}}`, req.RequestID)}
			case "navigate":
				return []string{fmt.Sprintf(`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"navigate","requestId":%q,"success":true,"error":{}}`, req.RequestID)}
			}
			return defaultAnswer(req)
		}
	})
	ctx := context.Background()
	if _, err := h.c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		call       func() (json.RawMessage, error)
		code, text string
	}{
		{func() (json.RawMessage, error) { return h.c.GetStatus(ctx) }, "INTERNAL_ERROR", "half done"},
		{func() (json.RawMessage, error) { return h.c.GetTemplates(ctx) }, "NOT_FOUND", "no templates"},
		{func() (json.RawMessage, error) { return h.c.Navigate(ctx, "/x") }, "", "Request failed"},
	} {
		_, err := tt.call()
		var ae *Error
		if !errors.As(err, &ae) || ae.Code != tt.code || ae.Message != tt.text {
			t.Errorf("err = %#v, want an *Error %s %q", err, tt.code, tt.text)
		}
	}
}

// The docs' response shape, all through: auth and a request resolve, failures reject.
func TestDocsShapeResponses(t *testing.T) {
	h := newHarness(t, func(_ *Options, f *fakeIframe) {
		f.answer = func(req Message) []string {
			switch req.Action {
			case "auth":
				return []string{fmt.Sprintf(`{"type":"CORTI_EMBEDDED_RESPONSE","requestId":%q,"success":true,"data":{"user":{"id":"u1","email":"d@example.com"}}}`, req.RequestID)}
			case "getStatus":
				return []string{fmt.Sprintf(`{"type":"CORTI_EMBEDDED_RESPONSE","requestId":%q,"success":true,"data":{"currentUrl":"/"}}`, req.RequestID)}
			}
			return []string{fmt.Sprintf(`{"type":"CORTI_EMBEDDED_RESPONSE","requestId":%q,"success":false,"error":{"message":"UNKNOWN_ACTION: %s","code":"INVALID_PAYLOAD"}}`, req.RequestID, req.Action)}
		}
	})
	ctx := context.Background()
	u, err := h.c.Start(ctx)
	if err != nil || u.ID != "u1" {
		t.Fatalf("Start = %+v, %v", u, err)
	}
	if p, err := h.c.GetStatus(ctx); err != nil || string(p) != `{"currentUrl":"/"}` {
		t.Errorf("GetStatus = %s, %v", p, err)
	}
	_, err = h.c.Request(ctx, "nope", nil)
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != "INVALID_PAYLOAD" || !strings.Contains(ae.Message, "UNKNOWN_ACTION") {
		t.Errorf("nope: %v", err)
	}
}

func TestReadyVersionMismatchIsAnError(t *testing.T) {
	for _, tt := range []struct {
		ready string
		want  bool
	}{
		{`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v2"}}`, true},
		{`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v1"}}`, false},
		{`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{}}`, false}, // the docs' ready: no version
		{`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready"}`, false},
	} {
		h := newHarness(t, func(_ *Options, f *fakeIframe) { f.noReady = true })
		h.f.do(func() { h.f.send(tt.ready) })
		if _, err := h.c.Start(context.Background()); err != nil {
			t.Fatalf("%s: Start: %v (a mismatch is reported, not fatal)", tt.ready, err)
		}
		errs := h.rec.errors()
		if !tt.want {
			if len(errs) != 0 {
				t.Errorf("%s: OnError %v", tt.ready, errs)
			}
			continue
		}
		var ae *Error
		if len(errs) != 1 || !errors.As(errs[0], &ae) || ae.Event != EventReady || ae.Code != CodeVersionMismatch || !strings.Contains(ae.Message, `"v2"`) {
			t.Errorf("%s: OnError %v, want one VERSION_MISMATCH", tt.ready, errs)
		}
	}
}

func TestErrorTriggeredIsAnError(t *testing.T) {
	h := newHarness(t, nil)
	if _, err := h.c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.f.do(func() {
		h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"error.triggered","confidential":false,"payload":{"message":"Microphone unavailable","code":"MIC_DENIED"}}`)
		h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"error.triggered","confidential":false,"payload":{"message":"no code"}}`)
		h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","event":"error.triggered","payload":"a plain text"}`)
		h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","event":"error.triggered","payload":{"code":7}}`)
	})
	waitFor(t, "four errors", func() bool { return len(h.rec.errors()) == 4 })
	want := []struct{ code, msg string }{
		{"MIC_DENIED", "Microphone unavailable"}, {"", "no code"}, {"", "a plain text"}, {"", "the Assistant reported an error"},
	}
	for i, err := range h.rec.errors() {
		var ae *Error
		if !errors.As(err, &ae) || ae.Event != EventError || ae.Code != want[i].code || ae.Message != want[i].msg {
			t.Errorf("error %d = %#v, want %+v", i, err, want[i])
		}
	}
	if ae := TriggeredError(json.RawMessage(`{"message":"m","code":"C"}`)); ae.Error() != "assistant: error.triggered: C: m" {
		t.Errorf("Error() = %q", ae.Error())
	}
	events, _, _ := h.rec.snapshot()
	n := 0
	for _, e := range events {
		if strings.HasPrefix(e, "error.triggered ") {
			n++
		}
	}
	if n != 4 {
		t.Errorf("error.triggered still reaches OnEvent: %d of 4", n)
	}
}

// A faulty frame that keeps announcing embedded.ready after it was authenticated
// gets at most ReloadLimit auths per ReloadWindow, one RELOAD_LIMIT error per
// refused run, and no loop.
func TestRepeatedReadyMakesNoLoop(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, func(_ *Options, f *fakeIframe) { f.repeatReady = true })
		if _, err := h.c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		elapse(10 * time.Second) // 400 ready posts
		if n := h.f.count("auth"); n != 1+ReloadLimit {
			t.Fatalf("%d auths in 10 s of a repeating ready, want %d (the first + %d reloads)", n, 1+ReloadLimit, ReloadLimit)
		}
		limits := func() (n int) {
			for _, err := range h.rec.errors() {
				var ae *Error
				if errors.As(err, &ae) && ae.Code == CodeReloadLimit && ae.Event == EventReady {
					n++
				}
			}
			return n
		}
		if n := limits(); n != 1 {
			t.Fatalf("%d RELOAD_LIMIT errors, want 1: %v", n, h.rec.errors())
		}
		// Once the window has room, a ready is answered again, within the limit.
		elapse(ReloadWindow)
		if n := h.f.count("auth"); n != 1+2*ReloadLimit {
			t.Fatalf("%d auths after the window, want %d", n, 1+2*ReloadLimit)
		}
		if n := limits(); n != 2 {
			t.Fatalf("%d RELOAD_LIMIT errors after the window, want 2", n)
		}
		// Requests still work meanwhile.
		if _, err := h.c.GetStatus(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestReloadBudget(t *testing.T) {
	var b reloadBudget
	s := time.Second
	for i, tt := range []struct {
		at    time.Duration
		allow bool
	}{
		{0, true}, {1 * s, true}, {2 * s, true}, {3 * s, false}, {59 * s, false},
		{60 * s, true}, // the first left the window
		{60*s + 1, false}, {61 * s, true}, {62 * s, true}, {63 * s, false},
	} {
		if got := b.allow(tt.at); got != tt.allow {
			t.Errorf("%d: allow(%v) = %v, want %v", i, tt.at, got, tt.allow)
		}
	}
}
