package hub

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/session"
)

// authenticate(session) on an early-mounted Assistant: every outcome.
func TestAuthenticate(t *testing.T) {
	ctx := context.Background()
	t.Run("first binds, loads and starts", func(t *testing.T) {
		s := newFakeSession("alice")
		h, p := New(s), newPane()
		u, err := p.Authenticate(ctx, h)
		if err != nil || u.ID != "u1" {
			t.Fatalf("Authenticate = %+v, %v", u, err)
		}
		if p.Session() != s || h.Len() != 1 || p.frame.loads != 1 {
			t.Errorf("session %v, hub mounts %d, loads %d", p.Session(), h.Len(), p.frame.loads)
		}
	})
	t.Run("again with the same session: no second auth", func(t *testing.T) {
		h, p := New(newFakeSession("alice")), newPane()
		if _, err := p.Authenticate(ctx, h); err != nil {
			t.Fatal(err)
		}
		p.ctrl.user = assistant.User{ID: "u1", Name: "later"} // a later auth's user
		u, err := p.Authenticate(ctx, h)
		if starts, _ := p.ctrl.counts(); err != nil || starts != 1 || u.Name != "later" {
			t.Errorf("second Authenticate = %+v, %v after %d starts; want the latest user, 1 start", u, err, starts)
		}
	})
	t.Run("another session is refused while the first lives", func(t *testing.T) {
		h, p := New(newFakeSession("alice")), newPane()
		if _, err := p.Authenticate(ctx, h); err != nil {
			t.Fatal(err)
		}
		other := New(newFakeSession("bob"))
		_, err := p.Authenticate(ctx, other)
		if !errors.Is(err, assistant.ErrOtherSession) || !contains(err, "user alice") {
			t.Errorf("Authenticate(other) = %v, want ErrOtherSession naming alice", err)
		}
		if other.Len() != 0 {
			t.Error("the refused session holds the mount")
		}
	})
	t.Run("an ended session", func(t *testing.T) {
		s := newFakeSession("alice")
		s.end(session.ReasonLogout)
		p := newPane()
		_, err := p.Authenticate(ctx, New(s))
		if !errors.Is(err, assistant.ErrEnded) || !contains(err, "logout") || p.frame.loads != 0 {
			t.Errorf("Authenticate = %v after %d loads, want ErrEnded (logout), nothing loaded", err, p.frame.loads)
		}
	})
	t.Run("a service account's token", func(t *testing.T) {
		s := newFakeSession("svc")
		s.at = serviceToken()
		p := newPane()
		if _, err := p.Authenticate(ctx, New(s)); !errors.Is(err, assistant.ErrNotUserToken) {
			t.Errorf("Authenticate = %v, want ErrNotUserToken", err)
		}
		if starts, _ := p.ctrl.counts(); starts != 0 {
			t.Error("a service account's session was started")
		}
	})
	t.Run("a failed first auth frees the seat", func(t *testing.T) {
		h, p := New(newFakeSession("alice")), newPane()
		refused := errors.New("UNAUTHORIZED")
		p.ctrl.start = func(context.Context) (assistant.User, error) { return assistant.User{}, refused }
		if _, err := p.Authenticate(ctx, h); !errors.Is(err, refused) {
			t.Fatalf("Authenticate = %v, want the refusal", err)
		}
		if p.Session() != nil || h.Len() != 0 {
			t.Fatal("a failed first auth kept the session")
		}
		p.ctrl.start = nil
		other := New(newFakeSession("bob"))
		if _, err := p.Authenticate(ctx, other); err != nil || other.Len() != 1 {
			t.Errorf("Authenticate with another session after the failure = %v", err)
		}
	})
	t.Run("a session ended before the mount joined it", func(t *testing.T) {
		s := newFakeSession("alice")
		h, p := New(s), newPane()
		p.ctrl.start = func(context.Context) (assistant.User, error) { return assistant.User{}, assistant.ErrEnded }
		// It ends between the seat (Take saw it live) and the join.
		endAtLoad := &endingFrame{fakeFrame: p.frame, s: s, reason: session.ReasonExpired}
		p.Mount.f = endAtLoad
		_, err := p.Authenticate(ctx, h)
		if !errors.Is(err, assistant.ErrEnded) || !slices.Equal(p.frame.endList(), []string{session.ReasonExpired}) {
			t.Errorf("Authenticate = %v, ends %v; want ErrEnded and the frame ended (expired)", err, p.frame.endList())
		}
		if h.Len() != 0 {
			t.Error("the ended session keeps the mount")
		}
	})
	t.Run("the frame cannot load", func(t *testing.T) {
		p := newPane()
		p.frame.loadErr = errors.New("iframe.src")
		if _, err := p.Authenticate(ctx, New(newFakeSession("alice"))); !errors.Is(err, p.frame.loadErr) {
			t.Errorf("Authenticate = %v, want the load error", err)
		}
	})
	t.Run("after destroy", func(t *testing.T) {
		p := newPane()
		p.frame.Destroy()
		if _, err := p.Authenticate(ctx, New(newFakeSession("alice"))); !errors.Is(err, assistant.ErrDestroyed) {
			t.Errorf("Authenticate = %v, want ErrDestroyed", err)
		}
	})
}

// A second authenticate(session) while the first auth is under way waits for
// its outcome, or for its own context.
func TestAuthenticateWaitsForTheFirstAuth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h, p := New(newFakeSession("alice")), newPane()
		release := make(chan struct{})
		refused := errors.New("UNAUTHORIZED")
		p.ctrl.start = func(context.Context) (assistant.User, error) {
			<-release
			return assistant.User{}, refused
		}
		first := make(chan error, 1)
		go func() { _, err := p.Authenticate(context.Background(), h); first <- err }()
		synctest.Wait() // the first auth is under way
		ctx, cancel := context.WithCancel(context.Background())
		impatient := make(chan error, 1)
		go func() { _, err := p.Authenticate(ctx, h); impatient <- err }()
		second := make(chan error, 1)
		go func() { _, err := p.Authenticate(context.Background(), h); second <- err }()
		synctest.Wait()
		cancel()
		if err := <-impatient; !errors.Is(err, context.Canceled) {
			t.Errorf("a waiter whose context ended got %v", err)
		}
		close(release)
		if err := <-first; !errors.Is(err, refused) {
			t.Errorf("the first got %v", err)
		}
		if err := <-second; !errors.Is(err, refused) {
			t.Errorf("the waiter got %v, want the first auth's outcome", err)
		}
		if starts, _ := p.ctrl.counts(); starts != 1 {
			t.Errorf("%d starts, want 1", starts)
		}
	})
}

// session.mountAssistant: the session is judged before any frame is made
// (assistant.Seat), the frame is destroyed when the sign-in fails.
func TestStart(t *testing.T) {
	ctx := context.Background()
	t.Run("signed in", func(t *testing.T) {
		s := newFakeSession("alice")
		h, p := New(s), newPane()
		u, err := p.Start(ctx, h)
		if err != nil || u.ID != "u1" || p.frame.creates != 1 || p.frame.loads != 1 || p.frame.destroys != 0 {
			t.Fatalf("Start = %+v, %v (creates %d, loads %d, destroys %d)", u, err, p.frame.creates, p.frame.loads, p.frame.destroys)
		}
		if p.Session() != s || h.Len() != 1 {
			t.Error("not bound to its session")
		}
		if _, err := p.Authenticate(ctx, New(newFakeSession("bob"))); !errors.Is(err, assistant.ErrOtherSession) {
			t.Errorf("authenticate(another session) = %v, want ErrOtherSession", err)
		}
	})
	t.Run("an ended session: no frame", func(t *testing.T) {
		s := newFakeSession("alice")
		s.end(session.ReasonIdle)
		p := newPane()
		_, err := p.Start(ctx, New(s))
		if !errors.Is(err, assistant.ErrEnded) || err.Error() != assistant.ErrEnded.Error()+": idle" || p.frame.creates != 0 {
			t.Errorf("Start = %v after %d creates, want %q and no frame", err, p.frame.creates, assistant.ErrEnded.Error()+": idle")
		}
	})
	t.Run("a service account: no frame", func(t *testing.T) {
		s := newFakeSession("svc")
		s.at = serviceToken()
		p := newPane()
		if _, err := p.Start(ctx, New(s)); !errors.Is(err, assistant.ErrNotUserToken) || p.frame.creates != 0 {
			t.Errorf("Start = %v after %d creates, want ErrNotUserToken and no frame", err, p.frame.creates)
		}
	})
	t.Run("the frame cannot be made", func(t *testing.T) {
		p := newPane()
		p.frame.createErr = errors.New("appendChild")
		h := New(newFakeSession("alice"))
		if _, err := p.Start(ctx, h); !errors.Is(err, p.frame.createErr) || p.frame.destroys != 0 || h.Len() != 0 {
			t.Errorf("Start = %v (destroys %d, mounts %d)", err, p.frame.destroys, h.Len())
		}
		if starts, _ := p.ctrl.counts(); starts != 0 {
			t.Error("started without a frame")
		}
	})
	t.Run("the sign-in fails: the frame is destroyed", func(t *testing.T) {
		p := newPane()
		p.ctrl.start = func(context.Context) (assistant.User, error) { return assistant.User{}, assistant.ErrTimeout }
		h := New(newFakeSession("alice"))
		if _, err := p.Start(ctx, h); !errors.Is(err, assistant.ErrTimeout) || p.frame.destroys != 1 || h.Len() != 0 {
			t.Errorf("Start = %v (destroys %d, mounts %d), want the timeout, the frame destroyed", err, p.frame.destroys, h.Len())
		}
	})
}

// endingFrame ends the session s as the frame starts loading: between the
// seat (which saw it live) and the join.
type endingFrame struct {
	*fakeFrame
	s      *fakeSession
	reason string
}

func (f *endingFrame) Load() error {
	f.s.end(f.reason)
	return f.fakeFrame.Load()
}

func contains(err error, s string) bool { return err != nil && strings.Contains(err.Error(), s) }
