package session_test

import (
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/session"
)

// Issue 22 §5: activity is a person. Only the browser's own input
// (event.isTrusted) counts; input a script dispatches does not, nor does the
// tab becoming visible by itself.

func TestIdleUntrustedInputIsNotActivity(t *testing.T) {
	for _, tc := range []struct {
		name    string
		trusted bool
		want    []string
		extend  bool
	}{
		{"trusted input cancels the warning", true, []string{"warn 60", "active"}, true},
		{"synthetic input does not", false, []string{"warn 60"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ih := newIdleHarness(t, 15*time.Minute, time.Minute)
			ih.clock.Advance(14*time.Minute + 30*time.Second)
			ih.idle.PageInput(tc.trusted)
			ih.wantLog(t, tc.want...)
			want := t0.Add(15 * time.Minute)
			if tc.extend {
				want = t0.Add(29*time.Minute + 30*time.Second)
			}
			if got := ih.idle.Deadline(); !got.Equal(want) {
				t.Errorf("Deadline t0+%v, want t0+%v", got.Sub(t0), want.Sub(t0))
			}
		})
	}
}

// A script dispatching input all along does not postpone the end.
func TestIdleSyntheticInputStreamEnds(t *testing.T) {
	ih := newIdleHarness(t, 15*time.Minute, time.Minute)
	for range 16 * 60 {
		ih.clock.Advance(time.Second)
		ih.idle.PageInput(false)
	}
	if e := ih.waitFor(session.EventEnded); e.Reason != session.ReasonIdle {
		t.Fatalf("ended %q, want idle", e.Reason)
	}
	ih.wantLog(t, "warn 60", "revoke rt-1")
}

// Becoming visible is a wake-up check, not activity: the warning stays and the
// deadline does not move; past the deadline (after a sleep) it ends the session.
func TestIdleVisibleIsNotActivity(t *testing.T) {
	ih := newIdleHarness(t, 15*time.Minute, time.Minute)
	ih.clock.Advance(14*time.Minute + 30*time.Second)
	ih.idle.Visible(true)
	ih.wantLog(t, "warn 60")
	if got, want := ih.idle.Deadline(), t0.Add(15*time.Minute); !got.Equal(want) {
		t.Errorf("Deadline t0+%v, want t0+15m", got.Sub(t0))
	}
	ih.clock.Advance(30 * time.Second)
	if e := ih.waitFor(session.EventEnded); e.Reason != session.ReasonIdle {
		t.Fatalf("ended %q, want idle", e.Reason)
	}
}

// Synthetic input is not posted to the sibling tabs either.
func TestIdleSyntheticInputNotPosted(t *testing.T) {
	w := newWorld(t)
	_, idle := w.idleTab(userTokens("alice", 1, t0, 3600), nil)
	w.bus.Settle()
	for range 30 {
		w.clock.Advance(time.Second)
		idle.PageInput(false)
	}
	w.bus.Settle()
	if n := w.activityPosts(); n != 0 {
		t.Errorf("%d activity messages posted for synthetic input", n)
	}
	idle.PageInput(true)
	w.bus.Settle()
	if n := w.activityPosts(); n != 1 {
		t.Errorf("%d activity messages posted for one trusted input, want 1", n)
	}
}
