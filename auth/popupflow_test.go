package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/session/sessiontest"
	"github.com/golang-jwt/jwt/v5"
)

const popupConfig = `,"popupRedirectUri":"` + testOrigin + `/callback.html"`

// fakePopup is the popup window: what the opener sees of it is a script of
// the fake clock's time; it records the listening, the posts and the close.
type fakePopup struct {
	clk      *sessiontest.Clock
	callback chan string

	mu        sync.Mutex
	script    func(at time.Duration) PopupView
	search    string
	origin    string
	state     string
	listening bool
	posts     []map[string]any
	closes    int
}

func (w *fakePopup) Listen(origin, state string) (<-chan string, func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.origin, w.state, w.listening = origin, state, true
	return w.callback, func() { w.mu.Lock(); w.listening = false; w.mu.Unlock() }
}

func (w *fakePopup) View() PopupView {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closes > 0 {
		return PopupGone
	}
	return w.script(w.clk.Mono())
}

func (w *fakePopup) Search() string { w.mu.Lock(); defer w.mu.Unlock(); return w.search }

func (w *fakePopup) Post(msg map[string]any, origin string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if origin != testOrigin {
		panic("posted to " + origin)
	}
	w.posts = append(w.posts, msg)
}

func (w *fakePopup) Close() { w.mu.Lock(); w.closes++; w.mu.Unlock() }

func (w *fakePopup) closed() bool { w.mu.Lock(); defer w.mu.Unlock(); return w.closes > 0 }

// popupRig runs a popup login against fakes.
type popupRig struct {
	h        *harness
	clk      *sessiontest.Clock
	win      *fakePopup
	openErr  error
	reaches  bool
	opened   string
	mu       sync.Mutex
	casts    []map[string]any
	consoles []string
	goes     sync.WaitGroup
}

func newPopupRig(t *testing.T) *popupRig {
	clk := sessiontest.NewClock(time.Unix(1_800_000_000, 0))
	return &popupRig{h: newHarness(t, popupConfig), clk: clk, reaches: true,
		win: &fakePopup{clk: clk, callback: make(chan string, 1), script: func(time.Duration) PopupView { return PopupAway }}}
}

func (r *popupRig) ports() PopupPorts {
	return PopupPorts{
		PageOrigin: testOrigin,
		Here:       func() string { return testOrigin + "/app" },
		Open: func(u string) (PopupWindow, error) {
			r.opened = u
			if r.openErr != nil {
				return nil, r.openErr
			}
			return r.win, nil
		},
		ChannelReaches: func() bool { return r.reaches },
		Broadcast:      func(m map[string]any) { r.mu.Lock(); r.casts = append(r.casts, m); r.mu.Unlock() },
		Console:        func(l, m string) { r.mu.Lock(); r.consoles = append(r.consoles, l+": "+m); r.mu.Unlock() },
		Go:             func(f func()) { r.goes.Add(1); go func() { defer r.goes.Done(); f() }() },
		Clock:          r.clk,
	}
}

type popupEnd struct {
	res *Result
	err error
	at  time.Duration // on the fake monotonic clock
}

// start opens the popup (in the test's goroutine, as in the caller's turn)
// and runs Login in a goroutine of its own.
func (r *popupRig) start(t *testing.T, timeout time.Duration, finish func(context.Context, *PopupLogin) (*Result, error)) <-chan popupEnd {
	t.Helper()
	l, err := r.h.client.StartPopup(AuthorizeOptions{}, timeout, r.ports())
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan popupEnd, 1)
	go func() {
		res, err := finish(t.Context(), l)
		done <- popupEnd{res, err, r.clk.Mono()}
	}()
	return done
}

func login(ctx context.Context, l *PopupLogin) (*Result, error) { return l.Login(ctx) }

// run advances the fake clock poll by poll (and at deliver hands over cb,
// once) until the flow ends.
func (r *popupRig) run(t *testing.T, done <-chan popupEnd, deliverAt time.Duration, cb string) popupEnd {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case e := <-done:
			return e
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the popup flow did not end")
		}
		if cb != "" && r.clk.Mono() >= deliverAt {
			r.win.callback <- cb
			cb = ""
			continue
		}
		if r.clk.Pending() == 1 {
			r.clk.Advance(PopupPoll)
		} else {
			time.Sleep(time.Millisecond)
		}
	}
}

func (r *popupRig) lateCallbackRefused(t *testing.T) {
	t.Helper()
	if n := r.h.loginsLeft(t); n != 0 {
		t.Errorf("%d pending logins after the popup login failed", n)
	}
	late := r.h.realm.authorize(r.opened)
	if _, err := r.h.client.HandleCallback(t.Context(), late); err == nil {
		t.Error("the callback of a failed popup login was exchanged")
	}
}

func TestPopupFlowSignsIn(t *testing.T) {
	r := newPopupRig(t)
	done := r.start(t, DefaultPopupTimeout, login)
	if q := mustQuery(t, r.opened); q.Get("redirect_uri") != testOrigin+"/callback.html" || q.Get("state") != r.win.state || r.win.origin != testOrigin {
		t.Fatalf("opened %s, listening for %s from %s", r.opened, r.win.state, r.win.origin)
	}
	e := r.run(t, done, 3*time.Second, r.h.realm.authorize(r.opened))
	if e.err != nil || e.res == nil || e.res.Tokens.AccessToken == "" {
		t.Fatalf("Login = %+v, %v", e.res, e.err)
	}
	// Answered both roads, then closed; no longer listening.
	if len(r.win.posts) != 1 || r.win.posts[0]["type"] != HandoffReplyType || r.win.posts[0]["state"] != r.win.state || r.win.posts[0]["endSession"] != nil {
		t.Errorf("posted to the popup: %v", r.win.posts)
	}
	if len(r.casts) != 1 || r.casts[0]["type"] != HandoffReplyType {
		t.Errorf("broadcast: %v", r.casts)
	}
	if !r.win.closed() || r.win.listening || r.clk.Pending() != 0 {
		t.Errorf("closed %v, listening %v, %d timers", r.win.closed(), r.win.listening, r.clk.Pending())
	}
}

func TestPopupFlowBlocked(t *testing.T) {
	r := newPopupRig(t)
	r.openErr = fmt.Errorf("%w: the browser refused to open the sign-in window", ErrPopupBlocked)
	e := r.run(t, r.start(t, DefaultPopupTimeout, login), 0, "")
	if !errors.Is(e.err, ErrPopupBlocked) {
		t.Fatalf("Login err = %v; want popup_blocked", e.err)
	}
	r.lateCallbackRefused(t)
}

func TestPopupFlowUserClosed(t *testing.T) {
	r := newPopupRig(t)
	r.win.script = func(at time.Duration) PopupView {
		if at < 2*time.Second {
			return PopupAway
		}
		return PopupGone
	}
	e := r.run(t, r.start(t, DefaultPopupTimeout, login), 0, "")
	if !errors.Is(e.err, ErrPopupClosed) || strings.Contains(e.err.Error(), "Cross-Origin") {
		t.Fatalf("Login err = %v; want popup_closed by the user", e.err)
	}
	// Seen closed at the first poll from 2 s, given up PopupCloseGrace later.
	if want := 2*time.Second + PopupCloseGrace; e.at != want {
		t.Errorf("popup_closed at %v, want %v", e.at, want)
	}
	if !r.win.closed() || r.win.listening {
		t.Error("popup not closed, or still listened to")
	}
	r.lateCallbackRefused(t)
}

func TestPopupFlowTimeout(t *testing.T) {
	r := newPopupRig(t)
	e := r.run(t, r.start(t, 3*time.Second, login), 0, "")
	var te *PopupTimeoutError
	if !errors.As(e.err, &te) || !errors.Is(e.err, fault.ErrTimeout) || te.Severed {
		t.Fatalf("Login err = %v; want a timeout", e.err)
	}
	if e.at != 3*time.Second {
		t.Errorf("timed out at %v, want 3s", e.at)
	}
	if !r.win.closed() {
		t.Error("popup not closed after the timeout")
	}
	r.lateCallbackRefused(t)
}

// COOP: the popup goes from readable straight to closed. The callback still
// comes over the channel; the console says why, once.
func TestPopupFlowCOOPChannelFallback(t *testing.T) {
	r := newPopupRig(t)
	r.win.script = func(at time.Duration) PopupView {
		if at < 300*time.Millisecond {
			return PopupOurs
		}
		return PopupGone
	}
	done := r.start(t, DefaultPopupTimeout, login)
	e := r.run(t, done, 5*time.Second, r.h.realm.authorize(r.opened))
	if e.err != nil || e.res == nil {
		t.Fatalf("Login = %+v, %v; want the session over the channel", e.res, e.err)
	}
	if len(r.consoles) != 1 || !strings.HasPrefix(r.consoles[0], "info: corti-auth: the sign-in window is out of this page's reach") {
		t.Errorf("console %q", r.consoles)
	}
	if len(r.win.posts) != 0 || len(r.casts) != 1 {
		t.Errorf("a severed popup gets its reply on the channel only: posts %v, casts %v", r.win.posts, r.casts)
	}

	// Severed, and then nothing: a timeout that says so.
	r = newPopupRig(t)
	r.win.script = func(time.Duration) PopupView { return PopupGone }
	e = r.run(t, r.start(t, 2*time.Second, login), 0, "")
	var te *PopupTimeoutError
	if !errors.As(e.err, &te) || !te.Severed || e.at != 2*time.Second {
		t.Fatalf("Login err = %v at %v; want the severed timeout at 2s", e.err, e.at)
	}

	// Severed in a frame of another site: the channel cannot reach this page.
	r = newPopupRig(t)
	r.reaches = false
	r.win.script = func(time.Duration) PopupView { return PopupGone }
	e = r.run(t, r.start(t, DefaultPopupTimeout, login), 0, "")
	if !errors.Is(e.err, ErrPopupClosed) || !strings.Contains(e.err.Error(), "Cross-Origin-Opener-Policy") || e.at != PopupPoll+PopupCloseGrace {
		t.Fatalf("Login err = %v at %v; want popup_closed naming COOP", e.err, e.at)
	}
}

// A callback that is handed over after the popup login gave up finds nothing
// to complete; one that comes while the popup is still watched is taken.
func TestPopupFlowLateCallback(t *testing.T) {
	r := newPopupRig(t)
	r.win.script = func(at time.Duration) PopupView {
		if at < time.Second {
			return PopupAway
		}
		return PopupGone
	}
	done := r.start(t, DefaultPopupTimeout, login)
	// Closed at 1 s, the callback page's message in flight: still taken within the grace.
	e := r.run(t, done, time.Second+PopupCloseGrace/2, r.h.realm.authorize(r.opened))
	if e.err != nil || e.res == nil {
		t.Fatalf("a callback within the close grace: %+v, %v", e.res, e.err)
	}

	r = newPopupRig(t)
	r.win.script = func(time.Duration) PopupView { return PopupOurs }
	e = r.run(t, r.start(t, time.Second, login), 0, "")
	if !errors.Is(e.err, fault.ErrTimeout) {
		t.Fatalf("Login err = %v; want a timeout", e.err)
	}
	r.lateCallbackRefused(t)
}

func TestPopupFlowContextEnds(t *testing.T) {
	r := newPopupRig(t)
	ctx, cancel := context.WithCancel(t.Context())
	l, err := r.h.client.StartPopup(AuthorizeOptions{}, DefaultPopupTimeout, r.ports())
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := l.Login(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Login err = %v; want the context's", err)
	}
	if !r.win.closed() {
		t.Error("popup not closed")
	}
}

func TestPopupFlowNeedsSameOriginRedirect(t *testing.T) {
	r := newPopupRig(t)
	p := r.ports()
	p.PageOrigin = "https://other.example"
	if _, err := r.h.client.StartPopup(AuthorizeOptions{}, DefaultPopupTimeout, p); !errors.Is(err, ErrInvalidConfig) || r.opened != "" {
		t.Fatalf("err = %v, opened %q; want invalid_config before any popup", err, r.opened)
	}
}

// reauthenticate uses the same flow: the same user's Result; another user's
// user_mismatch, their end-session form posted to the popup, and the popup
// closed once it is back from it.
func TestPopupFlowReauthenticate(t *testing.T) {
	r := newPopupRig(t)
	res := r.h.login(t)
	tok, _ := SessionTokens(res.Tokens, r.h.clock.Now())
	id := r.h.client.SessionIdentity(tok, res.IDToken.Subject)
	reauth := func(ctx context.Context, l *PopupLogin) (*Result, error) { return l.Reauthenticate(ctx, id, nil) }

	done := r.start(t, DefaultPopupTimeout, reauth)
	e := r.run(t, done, time.Second, r.h.realm.authorize(r.opened))
	if e.err != nil || e.res == nil || e.res.IDToken.Subject != res.IDToken.Subject {
		t.Fatalf("same user: %+v, %v", e.res, e.err)
	}
	if len(r.win.posts) != 1 || r.win.posts[0]["endSession"] != nil || !r.win.closed() {
		t.Errorf("same user: posts %v, closed %v", r.win.posts, r.win.closed())
	}

	r2 := newPopupRig(t)
	r2.h = r.h
	r.h.realm.idClaims = func(c jwt.MapClaims) { c["sub"] = "someone-else" }
	done = r2.start(t, DefaultPopupTimeout, reauth)
	e = r2.run(t, done, time.Second, r.h.realm.authorize(r2.opened))
	if !errors.Is(e.err, ErrUserMismatch) || e.res != nil {
		t.Fatalf("other user: %+v, %v; want user_mismatch", e.res, e.err)
	}
	r2.mu.Lock()
	posts, casts := append([]map[string]any(nil), r2.win.posts...), len(r2.casts)
	r2.mu.Unlock()
	if len(posts) != 1 || posts[0]["endSession"] == nil || casts != 1 {
		t.Fatalf("other user: posts %v, %d casts; want the end-session form both roads", posts, casts)
	}
	if r2.win.closed() {
		t.Fatal("the popup was closed before it submitted the end-session form")
	}
	// Back from the end-session request on the callback page: closed.
	r2.win.mu.Lock()
	r2.win.script = func(time.Duration) PopupView { return PopupOurs }
	r2.win.search = "?state=" + SignedOutState
	r2.win.mu.Unlock()
	eventually(t, "the close of the signed-out popup", func() bool {
		if r2.clk.Pending() == 1 {
			r2.clk.Advance(PopupPoll)
		}
		return r2.win.closed()
	})
	r2.goes.Wait()
}
