package hub

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
)

// A refresh re-authenticates every Assistant of the session, once each, and
// none of another session's nor one unloaded before.
func TestRefreshReauthenticatesEveryMount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, other := New(newFakeSession("alice")), New(newFakeSession("bob"))
		panes := signedIn(t, h, 3)
		elsewhere := signedIn(t, other, 1)[0]
		gone := signedIn(t, h, 1)[0]
		gone.frame.Destroy()
		h.Event(session.Event{Name: session.EventRefreshed})
		synctest.Wait()
		for i, p := range panes {
			if _, n := p.ctrl.counts(); n != 1 {
				t.Errorf("mount %d: %d reauths, want 1", i, n)
			}
		}
		if _, n := elsewhere.ctrl.counts(); n != 0 {
			t.Errorf("another session's mount: %d reauths", n)
		}
		if _, n := gone.ctrl.counts(); n != 0 {
			t.Errorf("a destroyed mount: %d reauths", n)
		}
		h.Event(session.Event{Name: session.EventRefreshed})
		synctest.Wait()
		for i, p := range panes {
			if _, n := p.ctrl.counts(); n != 2 {
				t.Errorf("mount %d after a second refresh: %d reauths, want 2", i, n)
			}
		}
	})
}

// The auth after a refresh is given ReauthTimeout (one minute), then given up:
// its context ends with DeadlineExceeded exactly then.
func TestReauthBudgetIsOneMinute(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New(newFakeSession("alice"))
		p := signedIn(t, h, 1)[0]
		type outcome struct {
			after time.Duration
			err   error
		}
		done := make(chan outcome, 1)
		began := time.Now()
		p.ctrl.reauth = func(ctx context.Context) error {
			<-ctx.Done()
			done <- outcome{time.Since(began), ctx.Err()}
			return ctx.Err()
		}
		h.Event(session.Event{Name: session.EventRefreshed})
		o := <-done
		if o.after != ReauthTimeout || ReauthTimeout != time.Minute {
			t.Errorf("the reauth was given up after %v, want %v (one minute)", o.after, ReauthTimeout)
		}
		if !errors.Is(o.err, context.DeadlineExceeded) {
			t.Errorf("its context ended with %v, want DeadlineExceeded", o.err)
		}
		if errs := p.frame.errs(); len(errs) != 0 {
			t.Errorf("a reauth given up reported %v (the controller's OnAuth reports auths)", errs)
		}
	})
}

// A panic on the reauth goroutine becomes the Assistant's "error", code
// internal (fault.ErrPanic); the others are re-authenticated all the same.
func TestReauthPanicIsReported(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := New(newFakeSession("alice"))
		panes := signedIn(t, h, 2)
		panes[0].ctrl.reauth = func(context.Context) error { panic("boom") }
		h.Event(session.Event{Name: session.EventRefreshed})
		synctest.Wait()
		errs := panes[0].frame.errs()
		if len(errs) != 1 || !errors.Is(errs[0], fault.ErrPanic) {
			t.Fatalf("the panicking mount reported %v, want one error wrapping fault.ErrPanic", errs)
		}
		if _, n := panes[1].ctrl.counts(); n != 1 {
			t.Errorf("the other mount: %d reauths, want 1", n)
		}
		if errs := panes[1].frame.errs(); len(errs) != 0 {
			t.Errorf("the other mount reported %v", errs)
		}
	})
}

// The end of the session, whatever its reason, ends every Assistant with that
// reason, once: each is unloaded and forgotten, and authenticate then fails
// with the end.
func TestEndUnloadsEveryMountWithItsReason(t *testing.T) {
	for _, reason := range []string{
		session.ReasonInvalidGrant, session.ReasonRefreshFailed, session.ReasonRefreshExpired, session.ReasonExpired,
		session.ReasonIDTokenInvalid, session.ReasonLogout, session.ReasonIdle, session.ReasonUserChanged, "custom",
	} {
		t.Run(reason, func(t *testing.T) {
			s := newFakeSession("alice")
			h := New(s)
			panes := signedIn(t, h, 2)
			s.end(reason)
			h.Event(session.Event{Name: session.EventEnded, Reason: reason})
			for i, p := range panes {
				if got := p.frame.endList(); !slices.Equal(got, []string{reason}) {
					t.Errorf("mount %d ended with %q, want [%s]", i, got, reason)
				}
				if _, err := p.Authenticate(context.Background(), h); !errors.Is(err, assistant.ErrEnded) {
					t.Errorf("mount %d: authenticate after the end = %v, want ErrEnded", i, err)
				}
				if p.Session() != s {
					t.Errorf("mount %d forgot its session", i)
				}
			}
			if h.Len() != 0 {
				t.Errorf("the hub keeps %d mounts after the end", h.Len())
			}
			h.Event(session.Event{Name: session.EventEnded, Reason: reason}) // nothing left to end
			for i, p := range panes {
				if got := p.frame.endList(); len(got) != 1 {
					t.Errorf("mount %d ended %d times", i, len(got))
				}
			}
		})
	}
}

// Events that are not the Assistants' business leave them alone.
func TestOtherEventsLeaveTheMounts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newFakeSession("alice")
		h := New(s)
		p := signedIn(t, h, 1)[0]
		h.Event(session.Event{Name: session.EventExpiring})
		h.Event(session.Event{Name: session.EventError, Err: errors.New("network")}) // no tokens
		h.Event(session.Event{Name: session.EventError, Err: errors.New("network"),
			Tokens: session.Tokens{Response: &pkce.TokenResponse{RefreshToken: "rt"}}})
		synctest.Wait()
		if _, n := p.ctrl.counts(); n != 0 || len(p.frame.endList()) != 0 || len(p.frame.errs()) != 0 || len(s.errs()) != 0 {
			t.Errorf("reauths %d, ends %v, errors %v / %v", n, p.frame.endList(), p.frame.errs(), s.errs())
		}
	})
}

// A refresh token the provider refused (invalid_grant) that Assistants hold
// too (assistantRefreshes) is reported to the session once and to each such
// Assistant; an Assistant that never held it, or another refusal, reports
// nothing.
func TestRefreshConflictReportedOnce(t *testing.T) {
	grant := &pkce.OAuthError{ErrorCode: "invalid_grant", Status: 400}
	for _, tt := range []struct {
		name     string
		err      error
		refused  string
		conflict bool
	}{
		{"invalid_grant on a shared token", grant, "rt-shared", true},
		{"invalid_grant on a token never handed out", grant, "rt-host", false},
		{"another OAuth error", &pkce.OAuthError{ErrorCode: "invalid_client", Status: 401}, "rt-shared", false},
		{"not an OAuth error", errors.New("offline"), "rt-shared", false},
		{"no refresh token", grant, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newFakeSession("alice")
			h := New(s)
			panes := signedIn(t, h, 3)
			panes[0].ctrl.sent = []string{"rt-old", "rt-shared"}
			panes[1].ctrl.sent = []string{"rt-shared"}
			h.Event(session.Event{Name: session.EventError, Err: tt.err,
				Tokens: session.Tokens{Response: &pkce.TokenResponse{RefreshToken: tt.refused}}})
			want := 0
			if tt.conflict {
				want = 1
			}
			errs := s.errs()
			if len(errs) != want {
				t.Fatalf("the session got %d errors (%v), want %d", len(errs), errs, want)
			}
			for i, p := range panes {
				w := want
				if i == 2 {
					w = 0
				}
				got := p.frame.errs()
				if len(got) != w {
					t.Errorf("mount %d got %v, want %d errors", i, got, w)
				}
				for _, err := range append(got, errs...) {
					if !errors.Is(err, assistant.ErrRefreshConflict) {
						t.Errorf("mount %d: %v is not ErrRefreshConflict", i, err)
					}
				}
				if len(p.frame.endList()) != 0 {
					t.Errorf("mount %d ended on the error (the session's end does that)", i)
				}
			}
		})
	}
}

// close() signs every Assistant out with reason "closed" and hands back the
// refresh tokens they were given, for revocation.
func TestCloseSignsOutWithReasonClosed(t *testing.T) {
	h := New(newFakeSession("alice"))
	panes := signedIn(t, h, 3)
	panes[0].ctrl.sent = []string{"rt-1"}
	panes[2].ctrl.sent = []string{"rt-2", "rt-3"}
	handed := h.Close()
	slices.Sort(handed)
	if !slices.Equal(handed, []string{"rt-1", "rt-2", "rt-3"}) {
		t.Errorf("Close handed back %q", handed)
	}
	for i, p := range panes {
		if got := p.frame.endList(); !slices.Equal(got, []string{session.ReasonClosed}) {
			t.Errorf("mount %d ended with %q, want [closed]", i, got)
		}
	}
	if h.Len() != 0 {
		t.Errorf("the hub keeps %d mounts after close", h.Len())
	}
	if handed := h.Close(); len(handed) != 0 {
		t.Errorf("a second Close handed back %q", handed)
	}
}
