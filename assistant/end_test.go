package assistant

import "testing"

func TestEndOf(t *testing.T) {
	full := func(reason string) Unload { return Unload{Blank: true, Remove: true, Ended: true, Reason: reason} }
	for _, tc := range []struct {
		reason string
		first  bool
		want   Unload
	}{
		{"logout", true, full("logout")},
		{"invalid_grant", true, full("invalid_grant")},
		{"refresh_expired", true, full("refresh_expired")},
		{"expired", true, full("expired")},
		{"idle", true, full("idle")},
		{"user_changed", true, full("user_changed")},
		{"", true, full("")},
		{"logout", false, Unload{}},
	} {
		if got := EndOf(tc.reason, tc.first); got != tc.want {
			t.Errorf("EndOf(%q, %v) = %+v, want %+v", tc.reason, tc.first, got, tc.want)
		}
	}
	if got := DestroyOf(true); got != (Unload{Blank: true, Remove: true}) {
		t.Errorf("DestroyOf(true) = %+v", got)
	}
	if got := DestroyOf(false); got != (Unload{}) {
		t.Errorf("DestroyOf(false) = %+v", got)
	}
}
