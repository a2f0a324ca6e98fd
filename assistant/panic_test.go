package assistant

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/internal/fault"
)

// Issue 22 §6: a panic in the drain goroutine (a panicking OnEvent, say) is
// recovered: it goes to OnError as an error wrapping fault.ErrPanic (code
// "internal"), and the next messages are still delivered.
func TestDrainRecoversAPanic(t *testing.T) {
	var mu sync.Mutex
	var events []string
	var errs []error
	frame, _ := NewFrame(testOrigin)
	c, err := NewController(Options{
		Frame: frame, Tokens: &fakeTokens{}, Post: func([]byte) error { return nil },
		OnEvent: func(name string, _ bool, _ json.RawMessage) {
			mu.Lock()
			events = append(events, name)
			mu.Unlock()
			if name == "recording.started" {
				panic("boom")
			}
		},
		OnError: func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Destroy)
	c.Deliver(testOrigin, []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"recording.started"}`))
	c.Deliver(testOrigin, []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"recording.stopped"}`))
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events %q: the drain stopped at the panic", events)
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 1 || !errors.Is(errs[0], fault.ErrPanic) {
		t.Fatalf("OnError got %v, want one recovered panic", errs)
	}
	// And the inbox still delivers later messages.
	mu.Unlock()
	c.Deliver(testOrigin, []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"document.updated"}`))
	for {
		mu.Lock()
		n := len(events)
		mu.Unlock()
		if n == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no delivery after the panic")
		}
		time.Sleep(time.Millisecond)
	}
	mu.Lock()
}
