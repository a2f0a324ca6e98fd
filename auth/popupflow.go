package auth

import (
	"context"
	"strings"
	"time"

	"github.com/corti-auth/corti-auth/internal/clock"
)

// The popup flow of loginWithPopup and reauthenticate: open the popup on the
// authorize URL, watch it (PopupWatch) while its callback page hands the
// callback over, exchange the code, answer the callback page (HandoffReply).
// The browser is reached only through PopupPorts and PopupWindow
// (bridge/popup.go implements them; popupflow_test.go fakes them).

// PopupPorts are a popup sign-in's ways into the browser.
type PopupPorts struct {
	// PageOrigin is this page's origin (window.location.origin).
	PageOrigin string
	// Here is this page's address (window.location.href), read when the
	// callback is exchanged.
	Here func() string
	// Open opens url in a popup window; a browser that refuses gives an error
	// wrapping ErrPopupBlocked.
	Open func(url string) (PopupWindow, error)
	// ChannelReaches reports whether a top-level window of this origin shares
	// HandoffChannel with this page (PopupWatch.ChannelReaches).
	ChannelReaches func() bool
	// Broadcast posts msg on HandoffChannel.
	Broadcast func(msg map[string]any)
	// Console writes a message to the browser's console.
	Console func(level, msg string)
	// Go runs f in a goroutine of its own that recovers panics.
	Go func(f func())
	// Clock times the polls and the timeout (nil: clock.Real).
	Clock clock.Clock
}

// PopupWindow is the popup, as the page that opened it sees it.
type PopupWindow interface {
	// Listen starts listening for the callback of the login with state,
	// handed over by a callback page of origin: posted by this window, or on
	// HandoffChannel. The URL arrives on the channel, once; stop ends the
	// listening.
	Listen(origin, state string) (callback <-chan string, stop func())
	// View is what this page sees of the window now.
	View() PopupView
	// Search is the window's location.search, "" when this page cannot read
	// it.
	Search() string
	// Post posts msg to the window with origin as the exact target origin.
	Post(msg map[string]any, origin string)
	// Close closes the window.
	Close()
}

// PopupLogin is a popup sign-in under way: opened by StartPopup in the
// caller's JS turn (the browser still sees the user's gesture), finished by
// Login or Reauthenticate in a goroutine.
type PopupLogin struct {
	c        *Client
	p        PopupPorts
	state    string
	win      PopupWindow
	openErr  error
	callback <-chan string
	stop     func()
	watch    *PopupWatch
}

// StartPopup stores the pending login of opts (landing on popupRedirectUri,
// handed back to this page), opens the popup on its authorize URL and starts
// listening for its callback; the watch times out after timeout. An error
// here (popupRedirectUri not on this page's origin, the pending login not
// stored) means no popup was opened; a popup the browser refused is the error
// of the PopupLogin's Login or Reauthenticate, which deletes its pending
// login.
func (c *Client) StartPopup(opts AuthorizeOptions, timeout time.Duration, p PopupPorts) (*PopupLogin, error) {
	if err := CheckPopupRedirect(c.cfg.PopupRedirectURI, p.PageOrigin); err != nil {
		return nil, err
	}
	if p.Clock == nil {
		p.Clock = clock.Real
	}
	opts.RedirectURI, opts.Handoff = c.cfg.PopupRedirectURI, true
	az, err := c.Authorize(opts)
	if err != nil {
		return nil, err
	}
	l := &PopupLogin{c: c, p: p, state: az.State}
	l.win, l.openErr = p.Open(az.URL)
	if l.openErr != nil {
		return l, nil
	}
	l.callback, l.stop = l.win.Listen(p.PageOrigin, az.State)
	l.watch = NewPopupWatch(p.Clock.Now(), timeout, p.ChannelReaches())
	return l, nil
}

// Login finishes loginWithPopup: the callback, once the popup's page has
// handed it over, answered (the page closes) and exchanged.
func (l *PopupLogin) Login(ctx context.Context) (*Result, error) {
	u, err := l.wait(ctx)
	if err != nil {
		return nil, err
	}
	l.reply(nil) // the callback page waits for it, then closes (closed here when reachable)
	return l.c.HandleCallbackAt(ctx, u, l.p.Here(), nil)
}

// Reauthenticate finishes reauthenticate for the session's user id: the
// callback exchanged and checked like any, then CheckSameUser decides. The
// same user: their Result. Another: user_mismatch; their refresh token is
// revoked (revokeFailed hears a failure) and the popup submits the form that
// ends their provider session, and is closed when back from it.
func (l *PopupLogin) Reauthenticate(ctx context.Context, id Identity, revokeFailed func(error)) (*Result, error) {
	u, err := l.wait(ctx)
	if err != nil {
		return nil, err
	}
	res, err := l.c.HandleCallbackAt(ctx, u, l.p.Here(), nil)
	if err != nil {
		l.reply(nil)
		return nil, err
	}
	if err := CheckSameUser(id, res); err != nil {
		// Another clinician: the session never sees their tokens.
		end, eerr := l.c.RejectOther(ctx, res, l.c.cfg.PopupRedirectURI, revokeFailed)
		if eerr != nil {
			l.p.Console("warn", "corti-auth: reauthenticate: the other user's provider session could not be ended: "+eerr.Error())
		}
		l.reply(end)
		if end != nil {
			l.p.Go(l.closeWhenSignedOut)
		}
		return nil, err
	}
	l.reply(nil)
	return res, nil
}

// wait waits for the popup's callback while it polls the popup for the
// watch, until the callback arrives or the watch gives up; then a failed
// login's pending login is deleted (a late callback finds nothing to
// complete) and its popup closed.
func (l *PopupLogin) wait(ctx context.Context) (string, error) {
	if l.openErr != nil {
		l.c.Abandon(l.state) // in the goroutine: taking a pending login waits for a Web Lock
		return "", l.openErr
	}
	u, err := l.poll(ctx)
	l.stop()
	if err != nil {
		l.c.Abandon(l.state)
		l.win.Close()
		return "", err
	}
	return u, nil
}

func (l *PopupLogin) poll(ctx context.Context) (string, error) {
	severed := false
	for {
		tick, stop := after(l.p.Clock, PopupPoll)
		select {
		case u := <-l.callback:
			stop()
			return u, nil
		case <-ctx.Done():
			stop()
			return "", ctx.Err()
		case <-tick:
		}
		st, err := l.watch.Observe(l.p.Clock.Now(), l.win.View())
		switch st {
		case PopupFailed:
			select {
			case u := <-l.callback: // arrived with the last poll
				return u, nil
			default:
			}
			return "", err
		case PopupSevered:
			if !severed {
				severed = true
				l.p.Console("info", "corti-auth: the sign-in window is out of this page's reach (the provider's pages send "+
					"Cross-Origin-Opener-Policy); its callback comes over the BroadcastChannel, and a window the user "+
					"closes ends as a timeout (timeoutMs)")
			}
		}
	}
}

// reply answers the popup's callback page (HandoffReply): close, or first
// submit end. Both roads, as the handoff came: a message to the popup with
// this origin as the exact target (when it is still there), and the channel.
// Without end the popup is also closed from here, when this page can still
// reach it.
func (l *PopupLogin) reply(end *EndSessionRequest) {
	msg := HandoffReply(l.state, end)
	if l.win.View() != PopupGone {
		l.win.Post(msg, l.p.PageOrigin)
	}
	l.p.Broadcast(msg)
	if end == nil {
		l.win.Close()
	}
}

// SignedOutWait is how long the popup of reauthenticate's other user is
// watched for its return from the end-session request.
const SignedOutWait = time.Minute

// closeWhenSignedOut closes the popup once it is back from the other user's
// end-session request (its address carries SignedOutState), when this page
// can still see it (no Cross-Origin-Opener-Policy cut it off): a
// popupRedirectUri of the app's own does not close itself there;
// dist/callback.html does.
func (l *PopupLogin) closeWhenSignedOut() {
	start := l.p.Clock.Mono()
	for l.p.Clock.Mono()-start < SignedOutWait {
		tick, _ := after(l.p.Clock, PopupPoll)
		<-tick
		switch l.win.View() {
		case PopupGone:
			return
		case PopupOurs:
			if strings.Contains(l.win.Search(), "state="+SignedOutState) {
				l.win.Close()
				return
			}
		}
	}
}
