package session_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/session"
)

// idleHarness is a session (tokens for an hour) on a fake clock with an idle
// policy of 15 minutes, warning 60 s before, recording what it does.
type idleHarness struct {
	*harness
	idle  *session.Idle
	coord *fakeCoord

	mu      sync.Mutex
	log     []string // "warn 60", "active", "revoke rt-1 (ended=false)", "error …"
	revokeE error
}

func newIdleHarness(t *testing.T, timeout, warning time.Duration) *idleHarness {
	coord := &fakeCoord{}
	ih := &idleHarness{coord: coord}
	ih.harness = newHarness(t, tokensAt(1, t0, 3600, 0), func(c *session.Config, _ *session.Tokens) { c.Coordinator = coord })
	ih.idle = session.NewIdle(ih.s, session.IdleConfig{
		Timeout: timeout, Warning: warning, Clock: ih.clock,
		Revoke: func(ctx context.Context, rt string) error {
			ended, _ := ih.s.Ended()
			ih.note("revoke " + rt + map[bool]string{true: " (ended)", false: ""}[ended])
			ih.mu.Lock()
			defer ih.mu.Unlock()
			return ih.revokeE
		},
		OnWarn:   func(left int) { ih.note("warn " + itoa(left)) },
		OnActive: func() { ih.note("active") },
		OnError:  func(err error) { ih.note("error " + err.Error()) },
	})
	t.Cleanup(ih.idle.Stop)
	return ih
}

func itoa(n int) string { return strconv.Itoa(n) }

func (ih *idleHarness) note(s string) {
	ih.mu.Lock()
	defer ih.mu.Unlock()
	ih.log = append(ih.log, s)
}

func (ih *idleHarness) logged() []string {
	ih.mu.Lock()
	defer ih.mu.Unlock()
	return slices.Clone(ih.log)
}

func (ih *idleHarness) wantLog(t *testing.T, want ...string) {
	t.Helper()
	if got := ih.logged(); !slices.Equal(got, want) {
		t.Errorf("log %q, want %q", got, want)
	}
}

func (ih *idleHarness) wantEnded(t *testing.T, want bool) {
	t.Helper()
	ended, reason := ih.s.Ended()
	if ended != want || want && reason != session.ReasonIdle {
		t.Fatalf("ended %v (%q), want %v", ended, reason, want)
	}
}

func TestIdleWarnsThenEnds(t *testing.T) {
	ih := newIdleHarness(t, 15*time.Minute, time.Minute)
	if d := ih.idle.Deadline(); !d.Equal(t0.Add(15 * time.Minute)) {
		t.Errorf("Deadline %v, want start + 15 min", d)
	}
	ih.clock.Advance(14*time.Minute - time.Second)
	ih.wantLog(t)
	ih.clock.Advance(time.Second)
	ih.wantLog(t, "warn 60")
	ih.wantEnded(t, false)
	ih.clock.Advance(time.Minute - time.Second)
	ih.wantEnded(t, false)
	ih.clock.Advance(time.Second)
	ih.wantLog(t, "warn 60", "revoke rt-1")
	ih.wantEnded(t, true)
	if e := ih.waitFor(session.EventEnded); e.Reason != session.ReasonIdle {
		t.Errorf("ended event reason %q", e.Reason)
	}
	if !slices.Equal(ih.coord.ends, []string{session.ReasonIdle}) {
		t.Errorf("published ends %q, want [idle]: every tab ends", ih.coord.ends)
	}
	if !ih.idle.Deadline().IsZero() || ih.clock.Pending() != 0 {
		t.Errorf("after the end: deadline %v, %d timers left", ih.idle.Deadline(), ih.clock.Pending())
	}
	ih.idle.Touch() // activity after the end changes nothing
	ih.wantLog(t, "warn 60", "revoke rt-1")
}

func TestIdleActivityMovesTheDeadline(t *testing.T) {
	ih := newIdleHarness(t, 15*time.Minute, time.Minute)
	ih.clock.Advance(10 * time.Minute)
	ih.idle.Touch()
	ih.clock.Advance(10 * time.Minute) // 20 min: past the first deadline
	ih.wantLog(t)
	ih.wantEnded(t, false)
	if d := ih.idle.Deadline(); !d.Equal(t0.Add(25 * time.Minute)) {
		t.Errorf("Deadline %v, want the touch + 15 min", d)
	}
	ih.clock.Advance(4 * time.Minute) // 24 min: warning
	ih.wantLog(t, "warn 60")
	ih.clock.Advance(30 * time.Second)
	ih.idle.Touch() // cancels it
	ih.wantLog(t, "warn 60", "active")
	ih.clock.Advance(14*time.Minute - time.Second) // just before the next warning
	ih.wantLog(t, "warn 60", "active")
	ih.wantEnded(t, false)
	ih.clock.Advance(time.Second)
	ih.wantLog(t, "warn 60", "active", "warn 60")
	ih.clock.Advance(time.Minute)
	ih.wantEnded(t, true)
	ih.wantLog(t, "warn 60", "active", "warn 60", "revoke rt-1")
}

// A machine asleep past the deadline: no timer fired. The first input on
// waking, or the wake-up check, ends the session; it does not extend it.
func TestIdleAfterSleep(t *testing.T) {
	for _, wake := range []string{"touch", "check"} {
		t.Run(wake, func(t *testing.T) {
			ih := newIdleHarness(t, 15*time.Minute, time.Minute)
			ih.clock.Jump(40 * time.Minute)
			ih.wantEnded(t, false)
			if wake == "touch" {
				ih.idle.Touch()
			} else {
				ih.idle.Check()
			}
			ih.wantEnded(t, true)
			ih.wantLog(t, "revoke rt-1")
		})
	}
}

// The clocks disagree: a sleep that stopped the monotonic clock (the wall
// clock jumps), and a wall clock set back an hour. Either way the earlier
// deadline wins: the session never outlives the timeout.
func TestIdleClocks(t *testing.T) {
	t.Run("monotonic clock stood still in a sleep", func(t *testing.T) {
		ih := newIdleHarness(t, 15*time.Minute, time.Minute)
		ih.clock.SetWall(40 * time.Minute)
		ih.idle.Touch()
		ih.wantEnded(t, true)
	})
	t.Run("wall clock set back", func(t *testing.T) {
		ih := newIdleHarness(t, 15*time.Minute, time.Minute)
		ih.clock.Advance(5 * time.Minute)
		ih.clock.SetWall(-time.Hour)
		ih.clock.Advance(9 * time.Minute)
		ih.wantLog(t, "warn 60")
		ih.clock.Advance(time.Minute)
		ih.wantEnded(t, true)
	})
}

// Asleep into the warning period: the check on waking warns with the time
// really left.
func TestIdleWakeInsideTheWarning(t *testing.T) {
	ih := newIdleHarness(t, 15*time.Minute, time.Minute)
	ih.clock.Jump(14*time.Minute + 45*time.Second)
	ih.idle.Check()
	ih.wantLog(t, "warn 15")
	ih.idle.Check()
	ih.wantLog(t, "warn 15") // once per stretch
	ih.clock.Advance(15 * time.Second)
	ih.wantEnded(t, true)
}

func TestIdleLeavesAnEndedSessionAlone(t *testing.T) {
	ih := newIdleHarness(t, 15*time.Minute, time.Minute)
	ih.clock.Advance(5 * time.Minute)
	ih.s.End(session.ReasonLogout)
	ih.clock.Advance(time.Hour)
	ih.wantLog(t)
	if _, reason := ih.s.Ended(); reason != session.ReasonLogout {
		t.Errorf("reason %q, want logout", reason)
	}
	if n := ih.clock.Pending(); n != 0 {
		t.Errorf("%d timers left", n)
	}
}

func TestIdleRevocationFailureStillEnds(t *testing.T) {
	ih := newIdleHarness(t, 15*time.Minute, time.Minute)
	ih.revokeE = errors.New("network down")
	ih.clock.Advance(15 * time.Minute)
	ih.wantEnded(t, true)
	ih.wantLog(t, "warn 60", "revoke rt-1", "error network down")
}

func TestIdleWarning(t *testing.T) {
	for _, tt := range []struct{ timeout, warning, want time.Duration }{
		{15 * time.Minute, 0, time.Minute},
		{15 * time.Minute, 2 * time.Minute, 2 * time.Minute},
		{time.Minute, 0, 30 * time.Second},
		{10 * time.Second, 3 * time.Second, 3 * time.Second},
		{10 * time.Second, 8 * time.Second, 8 * time.Second},
		{10 * time.Second, 10 * time.Second, 5 * time.Second},
	} {
		if got := session.IdleWarning(tt.timeout, tt.warning); got != tt.want {
			t.Errorf("IdleWarning(%v, %v) = %v, want %v", tt.timeout, tt.warning, got, tt.want)
		}
	}
}

// TestIdleOnExpire: at the timeout OnExpire gets the tokens the session held,
// after the revocation and before the end (the sign-out mark, the
// provider's end-session request are made from them); nothing else calls it.
func TestIdleOnExpire(t *testing.T) {
	var mu sync.Mutex
	var log []string
	note := func(s string) { mu.Lock(); log = append(log, s); mu.Unlock() }
	h := newHarness(t, tokensAt(1, t0, 3600, 0))
	idle := session.NewIdle(h.s, session.IdleConfig{
		Timeout: 15 * time.Minute, Clock: h.clock,
		Revoke: func(context.Context, string) error { note("revoke"); return nil },
		OnExpire: func(held session.Tokens) {
			ended, _ := h.s.Ended()
			note("expire " + held.Response.RefreshToken + map[bool]string{true: " (ended)", false: ""}[ended])
		},
	})
	t.Cleanup(idle.Stop)
	h.clock.Advance(10 * time.Minute)
	idle.Touch()
	h.clock.Advance(15 * time.Minute)
	idle.Touch() // past the deadline: the end, once
	h.clock.Advance(time.Hour)
	mu.Lock()
	got := slices.Clone(log)
	mu.Unlock()
	if want := []string{"revoke", "expire rt-1"}; !slices.Equal(got, want) {
		t.Errorf("log %q, want %q", got, want)
	}
	if ended, reason := h.s.Ended(); !ended || reason != session.ReasonIdle {
		t.Errorf("ended %v %q", ended, reason)
	}
}
