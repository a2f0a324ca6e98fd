package assistant

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/session/sessiontest"
)

func TestIsActivity(t *testing.T) {
	for event, want := range map[string]bool{
		"embedded.navigated": true, "recording.started": true, "recording.stopped": true,
		"embedded.interactionCreated": true, "document.updated": true,
		"embedded.ready": false, "embedded.authenticated": false, "error.triggered": false,
		"": false, "Recording.Started": false,
	} {
		if got := IsActivity(event); got != want {
			t.Errorf("IsActivity(%q) = %v, want %v", event, got, want)
		}
	}
}

// TestClinicianActivity (issue 22 §5): an Assistant event counts as the
// clinician's activity (OnActivity) only when no request of the page caused
// it: none in flight, and none sent or answered within CausedWithin.
func TestClinicianActivity(t *testing.T) {
	const (
		nav   = `{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"embedded.navigated","payload":{"path":"/x"}}`
		rec   = `{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"recording.started"}`
		authd = `{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"embedded.authenticated"}`
		ms    = time.Millisecond
	)
	type step struct {
		advance time.Duration
		do      string // "request", "answer", "event", "timeout"
		msg     string // the event for "event"
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  []string // the events OnActivity got
	}{
		{"no request: a clinician's event counts", []step{{advance: 5 * time.Second, do: "event", msg: rec}}, []string{"recording.started"}},
		{"an event no person causes never counts", []step{{advance: 5 * time.Second, do: "event", msg: authd}}, nil},
		{"while a request is in flight: not", []step{
			{advance: 5 * time.Second, do: "request"}, {advance: 3 * time.Second, do: "event", msg: nav}}, nil},
		{"right after the answer: not", []step{
			{advance: 5 * time.Second, do: "request"}, {advance: 100 * ms, do: "answer"}, {advance: 999 * ms, do: "event", msg: nav}}, nil},
		{"a second after the answer: counts", []step{
			{advance: 5 * time.Second, do: "request"}, {advance: 100 * ms, do: "answer"}, {advance: time.Second, do: "event", msg: nav}}, []string{"embedded.navigated"}},
		{"an EHR pushing navigate every 2 s keeps nothing alive", []step{
			{do: "request"}, {advance: 50 * ms, do: "answer"}, {advance: 10 * ms, do: "event", msg: nav},
			{advance: 2 * time.Second, do: "request"}, {advance: 50 * ms, do: "event", msg: nav}, {advance: 10 * ms, do: "answer"},
			{advance: 2 * time.Second, do: "request"}, {advance: 900 * ms, do: "answer"}, {advance: 900 * ms, do: "event", msg: nav},
		}, nil},
		{"a request that timed out stops counting a second later", []step{
			{advance: 5 * time.Second, do: "request"}, {advance: 0, do: "timeout"}, {advance: 500 * ms, do: "event", msg: rec},
			{advance: 500 * ms, do: "event", msg: rec}}, []string{"recording.started"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := sessiontest.NewClock(time.Unix(1732800000, 0))
			posts := make(chan []byte, 16)
			var mu sync.Mutex
			var got []string
			frame, _ := NewFrame(testOrigin)
			c, err := NewController(Options{
				Frame: frame, Tokens: &fakeTokens{}, Clock: clock, RequestTimeout: 10 * time.Second,
				Post:       func(b []byte) error { posts <- b; return nil },
				OnActivity: func(e string) { mu.Lock(); got = append(got, e); mu.Unlock() },
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(c.Destroy)
			c.Receive(testOrigin, []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v1"}}`))
			var last Message
			var done chan error
			for _, s := range tc.steps {
				clock.Advance(s.advance)
				switch s.do {
				case "request":
					done = make(chan error, 1)
					go func() { _, err := c.Navigate(context.Background(), "/x"); done <- err }()
					last, _ = ParseMessage(<-posts)
				case "answer":
					c.Receive(testOrigin, []byte(response(last, `{}`)))
					if err := <-done; err != nil {
						t.Fatal(err)
					}
				case "timeout":
					waitFor(t, "the request timer", func() bool { return clock.Pending() == 1 })
					clock.Advance(10 * time.Second)
					if err := <-done; !errors.Is(err, ErrTimeout) {
						t.Fatalf("request: %v, want a timeout", err)
					}
				case "event":
					c.Receive(testOrigin, []byte(s.msg))
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(got, tc.want) {
				t.Errorf("OnActivity got %q, want %q", got, tc.want)
			}
		})
	}
}
