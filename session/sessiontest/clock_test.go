package sessiontest_test

import (
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/session/sessiontest"
)

var _ session.Clock = (*sessiontest.Clock)(nil)

func TestClockFiresInOrder(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	c := sessiontest.NewClock(start)
	var got []string
	at := func(name string) func() {
		return func() { got = append(got, name+"@"+c.Now().Sub(start).String()) }
	}
	c.AfterFunc(3*time.Second, at("c"))
	c.AfterFunc(1*time.Second, func() {
		at("a")()
		c.AfterFunc(time.Second, at("b")) // created by a callback, due within the advance
	})
	stop := c.AfterFunc(2*time.Second, at("stopped"))
	c.AfterFunc(3*time.Second, at("d")) // same instant as c: creation order
	c.AfterFunc(10*time.Second, at("later"))
	if !stop() || stop() {
		t.Fatal("stop: want true then false")
	}
	c.Advance(5 * time.Second)
	want := []string{"a@1s", "b@2s", "c@3s", "d@3s"}
	if len(got) != len(want) {
		t.Fatalf("fired %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("fired %v, want %v", got, want)
		}
	}
	if now := c.Now().Sub(start); now != 5*time.Second {
		t.Fatalf("now = %v, want 5s", now)
	}
	if c.Pending() != 1 {
		t.Fatalf("pending = %d, want 1", c.Pending())
	}
}

func TestClockJumpDoesNotFire(t *testing.T) {
	c := sessiontest.NewClock(time.Unix(0, 0))
	fired := 0
	c.AfterFunc(time.Second, func() { fired++ })
	c.Jump(time.Hour)
	if fired != 0 {
		t.Fatal("Jump fired a timer")
	}
	c.Advance(0)
	if fired != 1 {
		t.Fatalf("Advance(0) after Jump fired %d timers, want 1", fired)
	}
	if c.AdvanceToNext() {
		t.Fatal("AdvanceToNext with no timer reported true")
	}
}

// TestClockWallAndMono: SetWall moves the wall clock only; timers run on the
// monotonic clock and are not moved by it.
func TestClockWallAndMono(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	c := sessiontest.NewClock(start)
	fired := false
	c.AfterFunc(10*time.Second, func() { fired = true })
	c.SetWall(-time.Hour)
	if got := c.Now(); !got.Equal(start.Add(-time.Hour)) || c.Mono() != 0 {
		t.Fatalf("after SetWall(-1h): wall %v, mono %v", got.Sub(start), c.Mono())
	}
	if at, _ := c.Next(); !at.Equal(start.Add(-time.Hour + 10*time.Second)) {
		t.Fatalf("Next = %v", at.Sub(start))
	}
	c.Advance(10 * time.Second)
	if !fired || c.Mono() != 10*time.Second || !c.Now().Equal(start.Add(-time.Hour+10*time.Second)) {
		t.Fatalf("after Advance(10s): fired %v, mono %v, wall %v", fired, c.Mono(), c.Now().Sub(start))
	}
	c.SetWall(2 * time.Hour) // asleep with the monotonic clock standing still
	if c.Mono() != 10*time.Second || !c.Now().Equal(start.Add(time.Hour+10*time.Second)) {
		t.Fatalf("after SetWall(+2h): mono %v, wall %v", c.Mono(), c.Now().Sub(start))
	}
}
