package assistant

import (
	"errors"
	"testing"
)

func TestSeat(t *testing.T) {
	type step struct {
		c     Candidate
		first bool
		err   error
	}
	a := Candidate{Key: "a", Subject: "sub-a"}
	b := Candidate{Key: "b", Subject: "sub-b"}
	endedA := Candidate{Key: "a", Ended: true, Reason: "logout"}
	svc := Candidate{Key: "svc", ServiceAccount: true}
	for _, tc := range []struct {
		name  string
		steps []step
	}{
		{"first session takes the seat", []step{{a, true, nil}}},
		{"twice with the same session: the second waits for the first", []step{{a, true, nil}, {a, false, nil}}},
		{"another session while the first lives is refused", []step{{a, true, nil}, {b, false, ErrOtherSession}, {a, false, nil}}},
		{"an ended session is refused and takes nothing", []step{{endedA, false, ErrEnded}, {b, true, nil}}},
		{"the bound session, ended, is refused", []step{{a, true, nil}, {endedA, false, ErrEnded}}},
		{"a service account is refused and takes nothing", []step{{svc, false, ErrNotUserToken}, {a, true, nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Seat
			for i, st := range tc.steps {
				first, err := s.Take(st.c)
				if first != st.first || !errors.Is(err, st.err) || (st.err == nil) != (err == nil) {
					t.Fatalf("step %d Take(%v) = %v, %v; want %v, %v", i, st.c.Key, first, err, st.first, st.err)
				}
			}
		})
	}
}

func TestSeatReleaseAndClose(t *testing.T) {
	var s Seat
	a, b := Candidate{Key: "a"}, Candidate{Key: "b"}
	if first, _ := s.Take(a); !first {
		t.Fatal("a did not take the seat")
	}
	s.Release(b) // not b's: nothing
	if !s.Bound("a") {
		t.Fatal("Release by another key freed the seat")
	}
	s.Release("a")
	if first, err := s.Take(b); !first || err != nil {
		t.Fatalf("after Release: Take(b) = %v, %v", first, err)
	}
	s.Close(ErrDestroyed)
	s.Close(ErrEnded) // the first end stays
	for _, c := range []Candidate{a, b} {
		if _, err := s.Take(c); !errors.Is(err, ErrDestroyed) {
			t.Fatalf("after Close: Take(%v) = %v, want ErrDestroyed", c.Key, err)
		}
	}
}
