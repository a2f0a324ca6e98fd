package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

// step feeds views to w, one per PopupPoll from at, and returns the last verdict.
func step(w *PopupWatch, at time.Time, views ...PopupView) (time.Time, PopupState, error) {
	var st PopupState
	var err error
	for _, v := range views {
		st, err = w.Observe(at, v)
		if st == PopupFailed {
			return at, st, err
		}
		at = at.Add(PopupPoll)
	}
	return at, st, err
}

func TestPopupWatchUserClosed(t *testing.T) {
	w := NewPopupWatch(t0, time.Minute, true)
	at, st, _ := step(w, t0, PopupOurs, PopupAway, PopupAway, PopupAway, PopupAway, PopupAway, PopupAway, PopupAway)
	if st != PopupWaiting {
		t.Fatalf("on the provider's page: %v", st)
	}
	closedAt := at
	var err error
	for st != PopupFailed {
		st, err = w.Observe(at, PopupGone)
		at = at.Add(PopupPoll)
	}
	if !errors.Is(err, ErrPopupClosed) {
		t.Fatalf("got %v, want ErrPopupClosed (code popup_closed)", err)
	}
	// Within a second of the close, counting the poll that sees it.
	if d := at.Sub(closedAt) + PopupPoll; d > time.Second {
		t.Errorf("popup_closed %v after the close, want within a second", d)
	}
	if d := at.Sub(closedAt); d < PopupCloseGrace {
		t.Errorf("popup_closed after %v, before the grace for a callback in flight (%v)", d, PopupCloseGrace)
	}
}

func TestPopupWatchSeveredTopLevel(t *testing.T) {
	w := NewPopupWatch(t0, time.Minute, true)
	// COOP: readable about:blank, then the handle reads closed at once.
	at, st, err := step(w, t0, PopupOurs, PopupGone, PopupGone, PopupGone, PopupGone, PopupGone, PopupGone)
	if st != PopupSevered || err != nil || !w.Severed() {
		t.Fatalf("got %v %v, want severed (waiting on the channel)", st, err)
	}
	// Waits for the channel until the timeout, however long.
	for ; at.Before(t0.Add(time.Minute)); at = at.Add(10 * time.Second) {
		if st, err := w.Observe(at, PopupGone); st != PopupSevered {
			t.Fatalf("at %v: %v %v", at.Sub(t0), st, err)
		}
	}
	st, err = w.Observe(t0.Add(time.Minute), PopupGone)
	var te *PopupTimeoutError
	if st != PopupFailed || !errors.Is(err, fault.ErrTimeout) || !errors.As(err, &te) || !te.Severed {
		t.Fatalf("got %v %v, want a timeout naming COOP", st, err)
	}
	if !strings.Contains(err.Error(), "Cross-Origin-Opener-Policy") {
		t.Errorf("message %q does not name the cause", err)
	}
}

// Chromium under COOP: the popup reads cross-origin for a few milliseconds,
// then closed — severed, not closed by the user.
func TestPopupWatchSeveredAfterBriefAway(t *testing.T) {
	w := NewPopupWatch(t0, time.Minute, true)
	_, st, err := step(w, t0, PopupOurs, PopupOurs, PopupAway, PopupGone, PopupGone, PopupGone, PopupGone, PopupGone)
	if st != PopupSevered || err != nil {
		t.Fatalf("got %v %v, want severed", st, err)
	}
}

func TestPopupWatchSeveredFramed(t *testing.T) {
	w := NewPopupWatch(t0, time.Minute, false)
	at, st, _ := step(w, t0, PopupOurs, PopupGone)
	if st == PopupFailed {
		t.Fatal("failed before the grace")
	}
	var err error
	for st != PopupFailed && at.Before(t0.Add(2*time.Second)) {
		st, err = w.Observe(at, PopupGone)
		at = at.Add(PopupPoll)
	}
	if !errors.Is(err, ErrPopupClosed) || !strings.Contains(err.Error(), "Cross-Origin-Opener-Policy") || !strings.Contains(err.Error(), "framed") {
		t.Fatalf("got %v, want popup_closed naming COOP and the frame, within 2 s", err)
	}
}

func TestPopupWatchTimeout(t *testing.T) {
	w := NewPopupWatch(t0, 3*time.Second, true)
	_, st, err := step(w, t0, PopupOurs, PopupAway)
	if st != PopupWaiting || err != nil {
		t.Fatal(st, err)
	}
	if st, _ := w.Observe(t0.Add(3*time.Second-time.Millisecond), PopupAway); st != PopupWaiting {
		t.Fatalf("failed before the timeout: %v", st)
	}
	st, err = w.Observe(t0.Add(3*time.Second), PopupAway)
	var te *PopupTimeoutError
	if st != PopupFailed || !errors.Is(err, fault.ErrTimeout) || !errors.As(err, &te) || te.Severed {
		t.Fatalf("got %v %v", st, err)
	}
	// A sleeping laptop: the first poll after waking is past the deadline.
	w = NewPopupWatch(t0, time.Minute, true)
	if st, err := w.Observe(t0.Add(time.Hour), PopupAway); st != PopupFailed || !errors.Is(err, fault.ErrTimeout) {
		t.Fatalf("after a sleep: %v %v", st, err)
	}
	// A clock set far back does not keep it waiting for ever.
	w = NewPopupWatch(t0, time.Minute, true)
	if st, err := w.Observe(t0.Add(-time.Hour), PopupAway); st != PopupFailed || !errors.Is(err, fault.ErrTimeout) {
		t.Fatalf("clock set back: %v %v", st, err)
	}
}

// A closed reading that comes back (a poll racing the close) does not fail.
func TestPopupWatchGoneThenBack(t *testing.T) {
	w := NewPopupWatch(t0, time.Minute, false)
	_, st, _ := step(w, t0, PopupAway, PopupAway, PopupAway, PopupAway, PopupAway, PopupAway, PopupGone, PopupAway, PopupGone, PopupAway)
	if st != PopupWaiting {
		t.Fatalf("got %v", st)
	}
}

func TestPopupTimeoutOption(t *testing.T) {
	if d, err := PopupTimeout(nil); d != 300*time.Second || err != nil {
		t.Errorf("default %v %v", d, err)
	}
	ms := 1500.0
	if d, err := PopupTimeout(&ms); d != 1500*time.Millisecond || err != nil {
		t.Errorf("1500: %v %v", d, err)
	}
	for _, bad := range []float64{0, -1, 1e12} {
		b := bad
		if _, err := PopupTimeout(&b); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "timeoutMs") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}

func TestCheckPopupRedirect(t *testing.T) {
	if err := CheckPopupRedirect("https://app.example/dist/callback.html", "https://app.example"); err != nil {
		t.Error(err)
	}
	if err := CheckPopupRedirect("http://127.0.0.1:8182/cb", "http://127.0.0.1:8182"); err != nil {
		t.Error(err)
	}
	for _, c := range [][2]string{
		{"https://login.example/cb", "https://app.example"},
		{"https://app.example:8443/cb", "https://app.example"},
		{"http://app.example/cb", "https://app.example"},
		{"/cb", "https://app.example"},
	} {
		err := CheckPopupRedirect(c[0], c[1])
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != "popupRedirectUri" || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s on %s: %v", c[0], c[1], err)
		}
	}
}

// The popup's page tells a handed-off callback from its own; after the opener
// abandons the login (blocked, closed, timed out), the late callback completes
// nothing: no pending login, no exchange.
func TestPopupHandoffAndAbandon(t *testing.T) {
	h := newHarness(t, "")
	a, err := h.client.Authorize(AuthorizeOptions{Handoff: true})
	if err != nil {
		t.Fatal(err)
	}
	cb := h.realm.authorize(a.URL)
	if !h.client.HandedOff(cb) {
		t.Fatal("a popup login's callback is not seen as handed off")
	}
	_, own := h.startLogin(t)
	if h.client.HandedOff(own) || h.client.HandedOff("https://app.example/?code=x&state=nope") || h.client.HandedOff("%zz") {
		t.Fatal("a redirect login's (or no login's) callback seen as handed off")
	}
	if !h.client.HandedOff(cb) {
		t.Fatal("HandedOff took the pending login")
	}
	before := h.realm.tokenRequests()
	h.client.Abandon(a.State)
	if h.client.HandedOff(cb) {
		t.Error("still handed off after Abandon")
	}
	_, err = h.client.HandleCallback(context.Background(), cb)
	if !errors.Is(err, storage.ErrNoPending) && !errors.Is(err, ErrStateMismatch) {
		t.Errorf("late callback: %v, want it refused (storage.ErrNoPending or ErrStateMismatch: no_pending_login, state_mismatch)", err)
	}
	if n := h.realm.tokenRequests(); n != before {
		t.Errorf("the late callback made %d token requests", n-before)
	}
	if _, err := h.client.HandleCallback(context.Background(), own); err != nil {
		t.Errorf("the other login still completes: %v", err)
	}
}

// deniedStore is the storage of a frame whose browser denies it (a third-party
// frame in Chromium): every call fails.
type deniedStore struct{}

func (deniedStore) Get(string) (string, bool, error) { return "", false, errors.New("SecurityError") }
func (deniedStore) Set(string, string) error         { return errors.New("SecurityError") }
func (deniedStore) Remove(string) error              { return errors.New("SecurityError") }
func (deniedStore) Keys() ([]string, error)          { return nil, errors.New("SecurityError") }

// A popup login needs no storage: its pending login lives in the opener's
// memory (the EHR frame whose storage the browser denies), a redirect login
// still reports storage_unavailable, and the popup's callback is exchanged once.
func TestPopupLoginWithoutStorage(t *testing.T) {
	h := newHarness(t, "")
	c := NewClient(h.client.cfg, h.client.fetch, deniedStore{}, token.NewKeySets(httpFetcher{c: h.realm.srv.Client()}.Get), h.clock.Now)
	if _, err := c.Authorize(AuthorizeOptions{}); !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("redirect login without storage: %v", err)
	}
	a, err := c.Authorize(AuthorizeOptions{Handoff: true})
	if err != nil {
		t.Fatal(err)
	}
	cb := h.realm.authorize(a.URL)
	if _, err := c.HandleCallback(context.Background(), cb); err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if _, err := c.HandleCallback(context.Background(), cb); err == nil {
		t.Fatal("the callback completed twice")
	}
	b, _ := c.Authorize(AuthorizeOptions{Handoff: true})
	c.Abandon(b.State)
	if _, err := c.HandleCallback(context.Background(), h.realm.authorize(b.URL)); err == nil {
		t.Fatal("an abandoned popup login completed")
	}
}
