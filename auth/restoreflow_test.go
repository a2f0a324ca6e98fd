package auth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/session/sessiontest"
)

const (
	testOrigin       = "https://app.example-hospital.dk"
	silentConfig     = `,"silentRedirectUri":"` + testOrigin + `/callback.html"`
	restoreTestLimit = 5 * time.Second
)

// fakeFrame is a hidden iframe: it records its Load, hands the test the
// callback channel and the violation hook, and records its Close.
type fakeFrame struct {
	loaded   chan struct{} // closed by Load
	callback chan string
	loadErr  error

	mu        sync.Mutex
	url       string
	origin    string
	state     string
	violation func(dir, uri string)
	closes    int
}

func newFakeFrame() *fakeFrame {
	return &fakeFrame{loaded: make(chan struct{}), callback: make(chan string, 1)}
}

func (f *fakeFrame) Load(u, origin, state string, violation func(dir, uri string)) (<-chan string, error) {
	f.mu.Lock()
	f.url, f.origin, f.state, f.violation = u, origin, state, violation
	f.mu.Unlock()
	close(f.loaded)
	return f.callback, f.loadErr
}

func (f *fakeFrame) Close() {
	f.mu.Lock()
	f.closes++
	f.mu.Unlock()
}

func (f *fakeFrame) closed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closes > 0
}

// restoreRig runs Client.Restore against fakes.
type restoreRig struct {
	h        *harness
	clk      *sessiontest.Clock
	frame    *fakeFrame
	frames   int
	siblings int
	sibling  *session.Sibling
	navs     []string
	navErr   error
	consoles []string
	mu       sync.Mutex
}

func newRestoreRig(t *testing.T, extra string) *restoreRig {
	return &restoreRig{h: newHarness(t, silentConfig+extra), clk: sessiontest.NewClock(time.Unix(1_800_000_000, 0)), frame: newFakeFrame()}
}

func (r *restoreRig) ports() RestorePorts {
	return RestorePorts{
		PageOrigin: testOrigin,
		Siblings: func(context.Context) (session.Sibling, bool) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.siblings++
			if r.sibling == nil {
				return session.Sibling{}, false
			}
			return *r.sibling, true
		},
		NewFrame: func() (Frame, error) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.frames++
			return r.frame, nil
		},
		Navigate: func(u string) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.navs = append(r.navs, u)
			return r.navErr
		},
		Console: func(level, msg string) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.consoles = append(r.consoles, level+": "+msg)
		},
		Clock: r.clk,
	}
}

type restoreEnd struct {
	r   Restored
	err error
}

// start runs Restore in its own goroutine.
func (r *restoreRig) start(ctx context.Context, o RestoreOptions) <-chan restoreEnd {
	done := make(chan restoreEnd, 1)
	go func() {
		res, err := r.h.client.Restore(ctx, o, r.ports())
		done <- restoreEnd{res, err}
	}()
	return done
}

// waitTimer waits until the flow has set a timer on the fake clock.
func waitTimer(t *testing.T, clk *sessiontest.Clock) {
	t.Helper()
	eventually(t, "a timer of the flow", func() bool { return clk.Pending() > 0 })
}

// eventually polls cond until it holds (a condition the flow reaches, not a
// time window).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func wait(t *testing.T, done <-chan restoreEnd) restoreEnd {
	t.Helper()
	select {
	case e := <-done:
		return e
	case <-time.After(10 * time.Second):
		t.Fatal("restore did not end")
		return restoreEnd{}
	}
}

func loaded(t *testing.T, f *fakeFrame) {
	t.Helper()
	select {
	case <-f.loaded:
	case <-time.After(10 * time.Second):
		t.Fatal("the silent step loaded no frame")
	}
}

func TestRestoreSibling(t *testing.T) {
	r := newRestoreRig(t, `,"shareAcrossTabs":true`)
	r.sibling = &session.Sibling{ID: "tab-2"}
	e := wait(t, r.start(t.Context(), RestoreOptions{}))
	if e.err != nil || e.r.Sibling == nil || e.r.Sibling.ID != "tab-2" || e.r.Callback != nil {
		t.Fatalf("restore = %+v, %v; want the sibling's session", e.r, e.err)
	}
	if r.frames != 0 || len(r.navs) != 0 {
		t.Errorf("after a sibling answered: %d frames, navigations %v", r.frames, r.navs)
	}
}

func TestRestoreSiblingWithoutShareIsNotAsked(t *testing.T) {
	r := newRestoreRig(t, "")
	f := false
	e := wait(t, r.start(t.Context(), RestoreOptions{Silent: &f}))
	if e.err != nil || e.r != (Restored{}) || r.siblings != 0 {
		t.Fatalf("restore = %+v, %v, %d sibling asks; want null without asking", e.r, e.err, r.siblings)
	}
}

func TestRestoreSilentCode(t *testing.T) {
	r := newRestoreRig(t, `,"shareAcrossTabs":true`)
	done := r.start(t.Context(), RestoreOptions{})
	loaded(t, r.frame)
	if r.siblings != 1 {
		t.Errorf("siblings asked %d times before the silent step, want 1", r.siblings)
	}
	q := mustQuery(t, r.frame.url)
	if q.Get("prompt") != "none" || q.Get("redirect_uri") != testOrigin+"/callback.html" || q.Get("state") != r.frame.state || r.frame.origin != testOrigin {
		t.Errorf("frame loaded %s (origin %s, state %s)", r.frame.url, r.frame.origin, r.frame.state)
	}
	r.frame.callback <- r.h.realm.authorize(r.frame.url)
	e := wait(t, done)
	if e.err != nil || e.r.Callback == nil || e.r.Callback.Tokens.AccessToken == "" || e.r.Sibling != nil {
		t.Fatalf("restore = %+v, %v; want the silent step's session", e.r, e.err)
	}
	if !r.frame.closed() || r.h.loginsLeft(t) != 0 || r.clk.Pending() != 0 {
		t.Errorf("after the silent code: frame closed %v, %d pending logins, %d timers", r.frame.closed(), r.h.loginsLeft(t), r.clk.Pending())
	}
}

func TestRestoreLoginRequired(t *testing.T) {
	for _, redirect := range []bool{false, true} {
		r := newRestoreRig(t, "")
		done := r.start(t.Context(), RestoreOptions{Redirect: redirect})
		loaded(t, r.frame)
		r.frame.callback <- testOrigin + "/callback.html?" + url.Values{"error": {"login_required"}, "state": {r.frame.state}, "iss": {r.h.realm.issuer}}.Encode()
		if redirect {
			var navs []string
			eventually(t, "the redirect step's navigation and wait", func() bool {
				r.mu.Lock()
				navs = append([]string(nil), r.navs...)
				r.mu.Unlock()
				return len(navs) == 1 && r.clk.Pending() == 1
			})
			if len(navs) != 1 || mustQuery(t, navs[0]).Get("prompt") != "none" || mustQuery(t, navs[0]).Get("redirect_uri") != testRedirect {
				t.Errorf("after login_required with redirect: navigations %v, want one prompt=none to redirectUri", navs)
			}
			r.clk.Advance(restoreTestLimit)
		}
		e := wait(t, done)
		if e.err != nil || e.r != (Restored{}) {
			t.Errorf("redirect %v: restore = %+v, %v; want null", redirect, e.r, e.err)
		}
		if !r.frame.closed() {
			t.Error("frame not removed")
		}
	}
}

func TestRestoreSilentCallbackFails(t *testing.T) {
	r := newRestoreRig(t, "")
	done := r.start(t.Context(), RestoreOptions{Redirect: true})
	loaded(t, r.frame)
	r.frame.callback <- testOrigin + "/callback.html?" + url.Values{"error": {"access_denied"}, "state": {r.frame.state}, "iss": {r.h.realm.issuer}}.Encode()
	e := wait(t, done)
	var oe *pkce.OAuthError
	if !errors.As(e.err, &oe) || oe.ErrorCode != "access_denied" {
		t.Fatalf("restore err = %v; want the oauth error", e.err)
	}
	if len(r.navs) != 0 {
		t.Errorf("a failed silent step went on to navigate: %v", r.navs)
	}
}

func TestRestoreSilentTimeout(t *testing.T) {
	r := newRestoreRig(t, "")
	ms := 1500.0
	done := r.start(t.Context(), RestoreOptions{TimeoutMs: &ms})
	loaded(t, r.frame)
	waitTimer(t, r.clk)
	late := r.h.realm.authorize(r.frame.url)
	r.clk.Advance(1499 * time.Millisecond)
	select {
	case e := <-done:
		t.Fatalf("restore ended before its timeout: %+v, %v", e.r, e.err)
	default:
	}
	r.clk.Advance(time.Millisecond)
	e := wait(t, done)
	if e.err != nil || e.r != (Restored{}) {
		t.Fatalf("restore = %+v, %v; want null after the timeout", e.r, e.err)
	}
	if !r.frame.closed() || r.h.loginsLeft(t) != 0 {
		t.Errorf("after the timeout: frame closed %v, %d pending logins", r.frame.closed(), r.h.loginsLeft(t))
	}
	if _, err := r.h.client.HandleCallback(t.Context(), late); err == nil {
		t.Error("a late silent callback was exchanged after the timeout")
	}
}

func TestRestoreCSPBlock(t *testing.T) {
	r := newRestoreRig(t, "")
	done := r.start(t.Context(), RestoreOptions{})
	loaded(t, r.frame)
	r.frame.violation("img-src", r.h.realm.srv.URL+"/x.png") // not the frame: ignored
	r.frame.violation("frame-src", "https://elsewhere.example")
	select {
	case e := <-done:
		t.Fatalf("restore ended on a violation not its frame's: %+v, %v", e.r, e.err)
	default:
	}
	r.frame.violation("frame-src", r.h.realm.srv.URL)
	r.frame.violation("frame-src", r.h.realm.srv.URL) // a second one: no block, no second message
	e := wait(t, done)
	if e.err != nil || e.r != (Restored{}) {
		t.Fatalf("restore = %+v, %v; want null after the CSP block", e.r, e.err)
	}
	if len(r.consoles) != 1 || !strings.HasPrefix(r.consoles[0], "error: corti-auth: restore()'s silent sign-in was blocked") {
		t.Errorf("console %q", r.consoles)
	}
	if !r.frame.closed() || r.h.loginsLeft(t) != 0 || r.clk.Pending() != 0 {
		t.Errorf("after the block: frame closed %v, %d pending logins, %d timers", r.frame.closed(), r.h.loginsLeft(t), r.clk.Pending())
	}
}

func TestRestoreContextEnds(t *testing.T) {
	r := newRestoreRig(t, "")
	ctx, cancel := context.WithCancel(t.Context())
	done := r.start(ctx, RestoreOptions{})
	loaded(t, r.frame)
	cancel()
	if e := wait(t, done); !errors.Is(e.err, context.Canceled) {
		t.Fatalf("restore err = %v; want the context's", e.err)
	}
	if !r.frame.closed() {
		t.Error("frame not removed")
	}
}

func TestRestoreRedirect(t *testing.T) {
	r := newRestoreRig(t, "")
	f := false
	done := r.start(t.Context(), RestoreOptions{Silent: &f, Redirect: true})
	waitTimer(t, r.clk)
	if r.frames != 0 || len(r.navs) != 1 {
		t.Fatalf("frames %d, navigations %v; want none, one", r.frames, r.navs)
	}
	if r.h.loginsLeft(t) != 1 {
		t.Errorf("%d pending logins; the redirect's waits for the next page load", r.h.loginsLeft(t))
	}
	r.clk.Advance(DefaultRestoreTimeout)
	if e := wait(t, done); e.err != nil || e.r != (Restored{}) {
		t.Fatalf("restore = %+v, %v; want null when the navigation does not happen", e.r, e.err)
	}

	// A navigation that throws: its error, and the pending login goes.
	r = newRestoreRig(t, "")
	r.navErr = errors.New("location.assign threw")
	if e := wait(t, r.start(t.Context(), RestoreOptions{Silent: &f, Redirect: true})); e.err != r.navErr {
		t.Fatalf("restore err = %v; want the navigation's", e.err)
	}
	if r.h.loginsLeft(t) != 0 {
		t.Errorf("%d pending logins after a failed navigation", r.h.loginsLeft(t))
	}
}

func TestRestoreSignedOutAsksNobody(t *testing.T) {
	r := newRestoreRig(t, `,"shareAcrossTabs":true`)
	r.h.client.MarkSignedOut(r.h.clock.Now())
	e := wait(t, r.start(t.Context(), RestoreOptions{Redirect: true}))
	if e.err != nil || e.r != (Restored{}) || r.siblings != 0 || r.frames != 0 || len(r.navs) != 0 {
		t.Fatalf("signed out: %+v, %v, siblings %d, frames %d, navs %v; want null, nobody asked", e.r, e.err, r.siblings, r.frames, r.navs)
	}
}

func TestRestoreSilentNeedsSameOriginCallback(t *testing.T) {
	r := newRestoreRig(t, "")
	p := r.ports()
	p.PageOrigin = "https://other.example"
	_, err := r.h.client.Restore(t.Context(), RestoreOptions{}, p)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "silentRedirectUri" || r.frames != 0 {
		t.Fatalf("err = %v, frames %d; want a silentRedirectUri config error before any frame", err, r.frames)
	}
}

// loginsLeft counts the pending logins, in the store and those held in
// memory for a handoff (the silent step's, a popup's).
func (h *harness) loginsLeft(t *testing.T) int {
	t.Helper()
	keys, err := h.client.handoffs.Store.Keys()
	if err != nil {
		t.Fatal(err)
	}
	return h.pendingCount(t) + len(keys)
}

func mustQuery(t *testing.T, raw string) url.Values {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query()
}

// No document for the iframe: its error, before any pending login. A frame
// that fails to load: its error, the frame removed, the pending login gone.
func TestRestoreFrameFails(t *testing.T) {
	r := newRestoreRig(t, "")
	p := r.ports()
	noDoc := &ConfigError{Key: "restore", Reason: "no document"}
	p.NewFrame = func() (Frame, error) { return nil, noDoc }
	if _, err := r.h.client.Restore(t.Context(), RestoreOptions{}, p); err != noDoc {
		t.Fatalf("err = %v; want the frame's", err)
	}
	if n := r.h.loginsLeft(t); n != 0 {
		t.Errorf("%d pending logins without a frame", n)
	}

	r = newRestoreRig(t, "")
	r.frame.loadErr = errors.New("appendChild threw")
	_, err := r.h.client.Restore(t.Context(), RestoreOptions{Redirect: true}, r.ports())
	if err != r.frame.loadErr {
		t.Fatalf("err = %v; want the load's", err)
	}
	if !r.frame.closed() || r.h.loginsLeft(t) != 0 || len(r.navs) != 0 {
		t.Errorf("after a failed load: closed %v, %d pending logins, navigations %v", r.frame.closed(), r.h.loginsLeft(t), r.navs)
	}
	if _, err := r.h.client.HandleCallback(t.Context(), r.h.realm.authorize(r.frame.url)); err == nil {
		t.Error("the callback of a failed silent step was exchanged")
	}
}
