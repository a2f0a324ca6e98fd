package auth

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/pkce"
)

// Popup sign-in (loginWithPopup, reauthenticate): the decisions, on an
// injected clock. The flow (popupflow.go) opens the popup, polls what it can
// see of it (PopupView) and asks a PopupWatch what that means; the callback
// itself arrives as a handoff (auth.HandoffURL) and is exchanged like
// handleCallback's. bridge/popup.go implements the flow's ports.

var (
	// ErrPopupBlocked reports a popup the browser refused to open
	// (window.open returned null: no user gesture, or a popup blocker).
	ErrPopupBlocked = errors.New("auth: popup blocked")
	// ErrPopupClosed reports a popup that closed before its callback arrived.
	ErrPopupClosed = errors.New("auth: popup closed")
)

// DefaultPopupTimeout is loginWithPopup's default timeoutMs.
const DefaultPopupTimeout = 5 * time.Minute

// PopupPoll is how often the bridge looks at the popup, and PopupCloseGrace
// how long it still waits for a callback in flight after seeing it closed (the
// callback page posts its message, then closes itself): together they keep
// popup_closed within a second of the close.
//
// PopupSettle is how long a popup must have been seen on the provider's pages
// before a close counts as the user's: under COOP, Chromium shows the popup
// cross-origin for a few milliseconds before its handle reads closed (measured:
// 8 ms), Firefox and WebKit not at all; a person takes longer than this to
// see the page and close it.
const (
	PopupPoll       = 100 * time.Millisecond
	PopupCloseGrace = 500 * time.Millisecond
	PopupSettle     = 400 * time.Millisecond
)

// PopupTimeout reads loginWithPopup's timeoutMs: nil is the default, else a
// positive number of milliseconds.
func PopupTimeout(ms *float64) (time.Duration, error) {
	if ms == nil {
		return DefaultPopupTimeout, nil
	}
	if !(*ms > 0) || *ms > 24*3600*1000 {
		return 0, &ConfigError{Key: "timeoutMs", Reason: "must be a positive number of milliseconds (at most a day)"}
	}
	return time.Duration(*ms * float64(time.Millisecond)), nil
}

// CheckPopupRedirect refuses a popupRedirectUri that is not on the page's own
// origin: the callback page hands the callback over with postMessage to its own
// origin as the exact target, and over a same-origin BroadcastChannel, so
// neither road reaches a page of another origin.
func CheckPopupRedirect(popupRedirect, pageOrigin string) error {
	u, err := url.Parse(popupRedirect)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return &ConfigError{Key: "popupRedirectUri", Reason: fmt.Sprintf("%q is not an absolute URL", popupRedirect)}
	}
	if got := u.Scheme + "://" + u.Host; got != pageOrigin {
		return &ConfigError{Key: "popupRedirectUri", Reason: fmt.Sprintf(
			"loginWithPopup needs it on this page's origin %s, it is on %s: the popup's callback page hands the "+
				"callback to the page that opened it, which only works within one origin", pageOrigin, got)}
	}
	return nil
}

// PopupView is what the opener sees of its popup at one poll.
type PopupView int

const (
	// PopupOurs: open, and its document readable — the initial about:blank,
	// or the callback page of our own origin.
	PopupOurs PopupView = iota
	// PopupAway: open, on another origin (the provider's pages).
	PopupAway
	// PopupGone: window.closed is true. Either the user closed it, or the
	// provider's Cross-Origin-Opener-Policy moved it into another
	// browsing-context group (the opener's handle then reads closed too).
	PopupGone
)

// PopupState is a PopupWatch's verdict.
type PopupState int

const (
	// PopupWaiting: keep waiting for the callback.
	PopupWaiting PopupState = iota
	// PopupSevered: the popup's handle reads closed although it was never seen
	// on the provider's pages: a Cross-Origin-Opener-Policy severed it (or it
	// was closed before the provider's page showed). Only the BroadcastChannel
	// can still bring the callback; the watch waits for it until the timeout.
	PopupSevered
	// PopupFailed: give up, with Err.
	PopupFailed
)

// PopupWatch decides, from what the opener sees of its popup over time, when a
// popup login has failed. The distinction it makes: a popup seen on the
// provider's pages (cross-origin, still open, for PopupSettle) and then closed
// was closed by the user (popup_closed, after PopupCloseGrace); a popup that goes from readable
// straight to closed was severed by COOP — its callback can still come over the
// channel when ChannelReaches, else it can never reach this page (popup_closed
// naming the cause). After Timeout: timeout.
type PopupWatch struct {
	Timeout time.Duration
	// ChannelReaches is false when this page is framed by another origin:
	// browsers partition BroadcastChannel by top-level site, so a top-level
	// popup's channel message does not reach it.
	ChannelReaches bool

	start, goneAt, awaySince time.Time
	seenAway                 bool
	severed                  bool
}

// NewPopupWatch starts a watch at now.
func NewPopupWatch(now time.Time, timeout time.Duration, channelReaches bool) *PopupWatch {
	return &PopupWatch{Timeout: timeout, ChannelReaches: channelReaches, start: now}
}

// Observe records what the opener sees at now and returns the verdict; with
// PopupFailed, err is the error to reject with (ErrPopupClosed or
// ErrTimeout-coded).
func (w *PopupWatch) Observe(now time.Time, v PopupView) (PopupState, error) {
	if now.Sub(w.start) >= w.Timeout || now.Before(w.start.Add(-time.Minute)) {
		return PopupFailed, w.timeoutErr()
	}
	switch v {
	case PopupAway:
		if w.awaySince.IsZero() {
			w.awaySince = now
		}
		if now.Sub(w.awaySince) >= PopupSettle {
			w.seenAway = true
		}
		w.goneAt = time.Time{}
		return w.waiting(), nil
	case PopupOurs:
		w.goneAt, w.awaySince = time.Time{}, time.Time{}
		return w.waiting(), nil
	}
	if w.goneAt.IsZero() {
		w.goneAt = now
	}
	if !w.seenAway && !w.severed && w.ChannelReaches {
		w.severed = true
	}
	if w.severed {
		return PopupSevered, nil
	}
	if now.Sub(w.goneAt) < PopupCloseGrace {
		return PopupWaiting, nil
	}
	if w.seenAway {
		return PopupFailed, fmt.Errorf("%w: the sign-in window was closed before the sign-in finished", ErrPopupClosed)
	}
	return PopupFailed, fmt.Errorf("%w: the sign-in window can no longer reach this page: the provider's pages send "+
		"Cross-Origin-Opener-Policy, which cut the window off from this page (window.opener), and this page is framed "+
		"by another site, whose browser keeps the window's BroadcastChannel apart from this frame's; sign in with "+
		"login() in the top-level window, or serve the provider's pages without that header", ErrPopupClosed)
}

func (w *PopupWatch) waiting() PopupState {
	if w.severed {
		return PopupSevered
	}
	return PopupWaiting
}

// Severed reports whether the watch has concluded the popup was cut off by
// COOP (it then waits for the channel only).
func (w *PopupWatch) Severed() bool { return w.severed }

func (w *PopupWatch) timeoutErr() error {
	if w.severed {
		return &PopupTimeoutError{Timeout: w.Timeout, Severed: true}
	}
	return &PopupTimeoutError{Timeout: w.Timeout}
}

// PopupTimeoutError is loginWithPopup's timeout (code "timeout").
type PopupTimeoutError struct {
	Timeout time.Duration
	// Severed: the provider's Cross-Origin-Opener-Policy cut the popup off, so
	// a popup the user closed could not be told apart and ends as this timeout.
	Severed bool
}

func (e *PopupTimeoutError) Error() string {
	s := fmt.Sprintf("auth: popup sign-in timed out: no callback within %v", e.Timeout)
	if e.Severed {
		s += " (the provider's pages send Cross-Origin-Opener-Policy, so this page cannot see whether the sign-in " +
			"window is still open: a closed window ends as this timeout)"
	}
	return s
}

func (e *PopupTimeoutError) Unwrap() error { return fault.ErrTimeout }

// HandedOff reports whether rawURL is the callback of a login of this client
// whose callback page hands it back to the tab that started it (a popup login):
// handleCallback in that popup then hands the URL over instead of exchanging
// the code (the opener does, once). The pending login stays for the opener.
func (c *Client) HandedOff(rawURL string) bool {
	cb, err := pkce.ParseCallback(rawURL)
	if err != nil || cb.State == "" {
		return false
	}
	l, ok, err := c.pending.Peek(cb.State)
	return err == nil && ok && l.Handoff && l.ClientID == c.cfg.ClientID && l.Issuer == c.cfg.Issuer()
}

// Abandon deletes the pending login of state (a popup login that failed: the
// popup was blocked or closed, or it timed out; a silent step of restore()
// that ended without its callback: a timeout, a CSP block), so that a
// callback arriving later finds nothing to complete.
func (c *Client) Abandon(state string) {
	c.takeMu.Lock()
	defer c.takeMu.Unlock()
	_, _ = c.handoffs.Take(state)
	_, _ = c.pending.Take(state)
}
