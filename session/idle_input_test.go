package session_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/session"
)

// TestIdleInputThrottle: page input reaches the policy at most every
// InputEvery (by the injected clock); forced activity (the Assistant,
// session.touch()) always, and it restarts the throttle.
func TestIdleInputThrottle(t *testing.T) {
	type step struct {
		after  time.Duration // clock advance before the call
		forced bool          // Activity, else Input
	}
	const ms = time.Millisecond
	for _, tc := range []struct {
		name  string
		steps []step
		want  time.Duration // the last activity that counted, from t0
	}{
		{"first input counts", []step{{after: time.Second}}, time.Second},
		{"input inside InputEvery is dropped", []step{{after: time.Second}, {after: 249 * ms}}, time.Second},
		{"input at InputEvery counts", []step{{after: time.Second}, {after: 250 * ms}}, 1250 * ms},
		{"a burst counts its first input only", []step{{after: time.Second}, {after: 100 * ms}, {after: 100 * ms}, {after: 49 * ms}}, time.Second},
		{"a steady stream counts every InputEvery", []step{{after: time.Second}, {after: 200 * ms}, {after: 200 * ms}, {after: 200 * ms}}, 1400 * ms},
		{"forced activity is not throttled", []step{{after: time.Second}, {after: ms, forced: true}}, time.Second + ms},
		{"forced activity restarts the throttle", []step{{after: time.Second, forced: true}, {after: 100 * ms}}, time.Second},
		{"forced after forced", []step{{after: time.Second, forced: true}, {after: ms, forced: true}}, time.Second + ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ih := newIdleHarness(t, 15*time.Minute, time.Minute)
			for _, s := range tc.steps {
				ih.clock.Advance(s.after)
				if s.forced {
					ih.idle.Activity()
				} else {
					ih.idle.Input()
				}
			}
			if got, want := ih.idle.Deadline(), t0.Add(tc.want+15*time.Minute); !got.Equal(want) {
				t.Errorf("Deadline %v, want the activity at t0+%v + 15 min", got.Sub(t0), tc.want)
			}
		})
	}
}

// Input and activity after the warning cancel it (visibility does not: TestIdleVisibleIsNotActivity).
func TestIdleInputCancelsTheWarning(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func(*session.Idle)
		want []string
	}{
		{"input", (*session.Idle).Input, []string{"warn 60", "active"}},
		{"activity", (*session.Idle).Activity, []string{"warn 60", "active"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ih := newIdleHarness(t, 15*time.Minute, time.Minute)
			ih.clock.Advance(14*time.Minute + 30*time.Second)
			tc.call(ih.idle)
			ih.wantLog(t, tc.want...)
			if got, want := ih.idle.Deadline(), t0.Add(29*time.Minute+30*time.Second); !got.Equal(want) {
				t.Errorf("Deadline %v, want t0+%v", got.Sub(t0), want.Sub(t0))
			}
		})
	}
}

// Input, Activity, Visible and Wake after a sleep past the deadline end the
// session (on their own goroutine: they never block the page's event
// dispatch), and do not extend it.
func TestIdleInputAfterSleep(t *testing.T) {
	for _, tc := range []struct {
		name string
		call func(*session.Idle)
	}{
		{"input", (*session.Idle).Input},
		{"activity", (*session.Idle).Activity},
		{"visible", func(i *session.Idle) { i.Visible(true) }},
		{"hidden", func(i *session.Idle) { i.Visible(false) }},
		{"wake", (*session.Idle).Wake},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ih := newIdleHarness(t, 15*time.Minute, time.Minute)
			ih.clock.Jump(40 * time.Minute)
			tc.call(ih.idle)
			if e := ih.waitFor(session.EventEnded); e.Reason != session.ReasonIdle {
				t.Fatalf("ended %q, want idle", e.Reason)
			}
			ih.wantLog(t, "revoke rt-1")
		})
	}
}

func TestIdlePostEvery(t *testing.T) {
	for _, tc := range []struct{ timeout, want time.Duration }{
		{time.Second, session.InputEvery},
		{2500 * time.Millisecond, session.InputEvery},
		{4 * time.Second, 400 * time.Millisecond},
		{30 * time.Second, 3 * time.Second},
		{50 * time.Second, 5 * time.Second},
		{15 * time.Minute, 5 * time.Second},
	} {
		if got := session.PostEvery(tc.timeout); got != tc.want {
			t.Errorf("PostEvery(%v) = %v, want %v", tc.timeout, got, tc.want)
		}
	}
}

// idleTab is a tab of w (alice, tokens for an hour) with an idle policy of 15
// minutes sharing its activity over the tab channel.
func (w *world) idleTab(tok session.Tokens, join *session.Sibling) (*tab, *session.Idle) {
	tb := w.open(tok, join, 0)
	idle := session.NewIdle(tb.s, session.IdleConfig{Timeout: 15 * time.Minute, Clock: w.clock, Tabs: tb.tabs})
	w.tb.Cleanup(idle.Stop)
	return tb, idle
}

// activityPosts counts the activity messages posted on w's bus so far.
func (w *world) activityPosts() (n int) {
	for _, b := range w.bus.Posted() {
		var m struct{ T string }
		if json.Unmarshal(b, &m) == nil && m.T == "activity" {
			n++
		}
	}
	return n
}

// TestIdlePostCadence: the activity in a tab reaches the sibling tabs at most
// every PostEvery (5 s for 15 min), only while the session lasts.
func TestIdlePostCadence(t *testing.T) {
	const ms = time.Millisecond
	for _, tc := range []struct {
		name   string
		inputs []time.Duration // clock advance before each Input
		forced bool            // Activity instead
		want   int             // activity messages posted
	}{
		{"one input", []time.Duration{0}, false, 1},
		{"inputs for 4.9 s", []time.Duration{0, 1000 * ms, 1000 * ms, 1000 * ms, 1000 * ms, 900 * ms}, false, 1},
		{"an input at 5 s", []time.Duration{0, 2500 * ms, 2500 * ms}, false, 2},
		{"inputs every 300 ms for 10.5 s", repeat(300*ms, 35), false, 3},
		{"forced activity has the same cadence", []time.Duration{0, ms, ms, 5 * time.Second}, true, 2},
		{"throttled input posts nothing", []time.Duration{0, 4900 * ms, 100 * ms}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			_, idle := w.idleTab(userTokens("alice", 1, t0, 3600), nil)
			w.bus.Settle()
			for _, d := range tc.inputs {
				w.clock.Advance(d)
				if tc.forced {
					idle.Activity()
				} else {
					idle.Input()
				}
			}
			w.bus.Settle()
			if got := w.activityPosts(); got != tc.want {
				t.Errorf("%d activity messages posted, want %d", got, tc.want)
			}
		})
	}
	t.Run("not after the end", func(t *testing.T) {
		w := newWorld(t)
		tb, idle := w.idleTab(userTokens("alice", 1, t0, 3600), nil)
		tb.s.End(session.ReasonLogout)
		idle.Input()
		w.bus.Settle()
		if got := w.activityPosts(); got != 0 {
			t.Errorf("%d activity messages posted after the end", got)
		}
	})
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// TestIdleAcrossTabs: input in one tab keeps its sibling tabs of the same
// user alive (the restored tab of the session, and another session of the
// user); it is not posted on again; an end reaches them all.
func TestIdleAcrossTabs(t *testing.T) {
	w := newWorld(t)
	a1, idle1 := w.idleTab(userTokens("alice", 1, t0, 3600), nil)
	w.bus.Settle()
	sib, ok := session.AskSiblings(t.Context(), w.bus.Open, w.tabsConfig(), time.Second)
	if !ok {
		t.Fatal("no sibling")
	}
	a2, idle2 := w.idleTab(sib.Tokens, &sib)
	other, idle3 := w.idleTab(userTokens("alice", 5, t0, 3600), nil) // the same user's second session
	w.bus.Settle()
	w.clock.Advance(10 * time.Minute)
	idle1.Input()
	w.bus.Settle()
	want := t0.Add(25 * time.Minute)
	for name, i := range map[string]*session.Idle{"tab 1": idle1, "tab 2 (restored)": idle2, "other session": idle3} {
		if d := i.Deadline(); !d.Equal(want) {
			t.Errorf("%s: deadline t0+%v, want t0+25m", name, d.Sub(t0))
		}
	}
	if n := w.activityPosts(); n != 1 {
		t.Errorf("%d activity messages, want 1 (a sibling's is not posted on)", n)
	}
	w.clock.Advance(15 * time.Minute)
	w.bus.Settle()
	for name, tb := range map[string]*tab{"tab 1": a1, "tab 2": a2, "other session": other} {
		if r := tb.ended(); r != session.ReasonIdle {
			t.Errorf("%s ended %q, want idle", name, r)
		}
	}
}

// TestIdleActivityMessage: what an activity message posted on the channel
// (as any script of the origin can) does to alice's tab: only a well-formed
// message for alice counts.
func TestIdleActivityMessage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		msg    func(sid string) string
		counts bool
	}{
		{"this session, alice", func(sid string) string { return `{"t":"activity","sid":"` + sid + `","sub":"alice"}` }, true},
		{"another session of alice", func(string) string { return `{"t":"activity","sid":"s-other","sub":"alice"}` }, true},
		{"this session, bob", func(sid string) string { return `{"t":"activity","sid":"` + sid + `","sub":"bob"}` }, false},
		{"another session, bob", func(string) string { return `{"t":"activity","sid":"s-other","sub":"bob"}` }, false},
		{"no sub", func(sid string) string { return `{"t":"activity","sid":"` + sid + `"}` }, false},
		{"empty sub", func(sid string) string { return `{"t":"activity","sid":"` + sid + `","sub":""}` }, false},
		{"no sid", func(string) string { return `{"t":"activity","sub":"alice"}` }, false},
		{"bad sid", func(string) string { return `{"t":"activity","sid":"a b","sub":"alice"}` }, false},
		{"sub too long", func(sid string) string {
			return `{"t":"activity","sid":"` + sid + `","sub":"alice` + strings.Repeat("x", 251) + `"}`
		}, false},
		{"sub of a wrong type", func(sid string) string { return `{"t":"activity","sid":"` + sid + `","sub":1}` }, false},
		{"the old activity channel's message", func(string) string { return `{"t":"activity","sub":"alice"}` }, false},
		{"unknown kind", func(sid string) string { return `{"t":"active","sid":"` + sid + `","sub":"alice"}` }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			tb, idle := w.idleTab(userTokens("alice", 1, t0, 3600), nil)
			w.bus.Settle()
			w.clock.Advance(time.Minute)
			w.forger().Post([]byte(tc.msg(tb.tabs.ID())))
			w.bus.Settle()
			want := t0.Add(15 * time.Minute)
			if tc.counts {
				want = want.Add(time.Minute)
			}
			if d := idle.Deadline(); !d.Equal(want) {
				t.Errorf("deadline t0+%v, want t0+%v", d.Sub(t0), want.Sub(t0))
			}
			if tb.ended() != "" {
				t.Errorf("ended %q", tb.ended())
			}
		})
	}
}
