package serial

import (
	"sync"
	"testing"
	"testing/synctest"
)

func TestInOrderOnItsOwnGoroutine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var got []int
		release := make(chan struct{})
		q := New(func(v int) {
			if v == 0 {
				<-release // the first delivery blocks: pushes must not
			}
			mu.Lock()
			got = append(got, v)
			mu.Unlock()
		})
		for i := 0; i < 100; i++ {
			if !q.Push(i) {
				t.Fatalf("Push(%d) refused", i)
			}
		}
		close(release)
		q.Drain()
		synctest.Wait()
		if len(got) != 100 {
			t.Fatalf("delivered %d of 100", len(got))
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("out of order at %d: %v", i, got[:i+1])
			}
		}
	})
}

func TestDrainDeliversQueuedThenEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []string
		block := make(chan struct{})
		q := New(func(v string) {
			if v == "first" {
				<-block
			}
			got = append(got, v)
		})
		q.Push("first")
		synctest.Wait() // "first" is being delivered
		q.Push("ended")
		q.Drain()
		if q.Push("late") {
			t.Fatal("Push after Drain was accepted")
		}
		close(block)
		synctest.Wait() // the goroutine has ended (synctest would report it blocked otherwise)
		if len(got) != 2 || got[0] != "first" || got[1] != "ended" {
			t.Fatalf("delivered %v, want [first ended]", got)
		}
	})
}

func TestCloseDropsQueuedAndEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var got []int
		block := make(chan struct{})
		q := New(func(v int) {
			if v == 1 {
				<-block
			}
			got = append(got, v)
		})
		q.Push(1)
		synctest.Wait()
		q.Push(2)
		q.Push(3)
		q.Close()
		if q.Push(4) {
			t.Fatal("Push after Close was accepted")
		}
		close(block)
		synctest.Wait()
		if len(got) != 1 || got[0] != 1 {
			t.Fatalf("delivered %v, want [1] (the one being delivered finishes, the rest dropped)", got)
		}
	})
}

func TestIdleQueueEndsOnDrainAndClose(t *testing.T) {
	for _, end := range []func(*Queue[int]){(*Queue[int]).Drain, (*Queue[int]).Close} {
		synctest.Test(t, func(t *testing.T) {
			q := New(func(int) {})
			end(q)
			end(q) // twice: harmless
			synctest.Wait()
		})
	}
}
