package auth

import (
	"context"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/internal/clock"
	"github.com/corti-auth/corti-auth/session"
)

// restore()'s flow: the steps of PlanRestore tried in order, and the silent
// step's race between the handed-over callback, a CSP block, its timer and the
// context. The browser is reached only through RestorePorts (bridge/restore.go
// implements them; restoreflow_test.go fakes them).

// RestorePorts are restore()'s ways into the browser.
type RestorePorts struct {
	// PageOrigin is this page's origin (window.location.origin).
	PageOrigin string
	// Siblings asks the tabs sharing the session for theirs (StepSibling).
	Siblings func(ctx context.Context) (session.Sibling, bool)
	// NewFrame makes the silent step's hidden iframe, not yet in the page.
	NewFrame func() (Frame, error)
	// Navigate leaves the page for url (StepRedirect).
	Navigate func(url string) error
	// Console writes a message to the browser's console.
	Console func(level, msg string)
	// Clock times the silent step and the redirect step's wait (nil:
	// clock.Real).
	Clock clock.Clock
}

// Frame is the silent step's hidden iframe.
type Frame interface {
	// Load starts listening for the callback of the login with state handed
	// over by a callback page of origin through this frame, and for the page's
	// securitypolicyviolation events (each passed to violation, from any
	// goroutine), then puts the frame into the page loading url. The callback
	// URL arrives on the channel, once.
	Load(url, origin, state string, violation func(effectiveDirective, blockedURI string)) (<-chan string, error)
	// Close stops listening and removes the frame; more calls do nothing.
	Close()
}

// Restored is what restore() found: a sibling tab's session, or the silent
// step's exchanged callback; neither (the zero Restored) resolves null.
type Restored struct {
	Sibling  *session.Sibling
	Callback *Result
}

// Restore runs restore() with options o: the steps of PlanRestore in order
// until one gives a session. The redirect step leaves the page; it returns
// the zero Restored after the silent step's limit (or when ctx ends), should
// the navigation not happen.
func (c *Client) Restore(ctx context.Context, o RestoreOptions, p RestorePorts) (Restored, error) {
	_, signedOut := c.SignedOut()
	plan, err := PlanRestore(o, c.cfg.ShareAcrossTabs, signedOut)
	if err != nil {
		return Restored{}, err
	}
	if p.Clock == nil {
		p.Clock = clock.Real
	}
	for _, step := range plan.Steps {
		switch step {
		case StepSibling:
			if sib, ok := p.Siblings(ctx); ok {
				return Restored{Sibling: &sib}, nil
			}
		case StepSilent:
			res, err := c.silentRestore(ctx, plan.Timeout, p)
			if err != nil || res != nil {
				return Restored{Callback: res}, err
			}
		case StepRedirect:
			return Restored{}, c.redirectRestore(ctx, plan.Timeout, p)
		}
	}
	return Restored{}, nil
}

// after returns a channel closed when d has passed on clk, and its stop.
func after(clk clock.Clock, d time.Duration) (<-chan struct{}, func() bool) {
	ch := make(chan struct{})
	stop := clk.AfterFunc(d, func() { close(ch) })
	return ch, stop
}

// silentRestore is the silent step: a hidden iframe loads a prompt=none
// authorize URL of its own pending login; the callback page on
// silentRedirectUri hands the callback to this window, and this tab exchanges
// it with handleCallback's checks. nil, nil: no session from this step (the
// provider needs the user, no answer within limit, the page's CSP blocked the
// iframe). The iframe is removed and the pending login deleted whatever
// happens.
func (c *Client) silentRestore(ctx context.Context, limit time.Duration, p RestorePorts) (*Result, error) {
	origin, err := SilentOrigin(c.cfg.SilentRedirectURI, p.PageOrigin)
	if err != nil {
		return nil, err
	}
	frame, err := p.NewFrame()
	if err != nil {
		return nil, err
	}
	defer frame.Close()
	az, err := c.StartSilent()
	if err != nil {
		return nil, err
	}
	defer c.Abandon(az.State) // taken by the exchange already, or deleted here
	blocked := make(chan string, 1)
	var once sync.Once
	violation := func(dir, uri string) {
		if msg, ok := SilentCSPBlock(dir, uri, az.URL, origin); ok {
			once.Do(func() { blocked <- msg })
		}
	}
	callback, err := frame.Load(az.URL, origin, az.State, violation)
	if err != nil {
		return nil, err
	}
	timeout, stop := after(p.Clock, limit)
	defer stop()
	select {
	case u := <-callback:
		frame.Close()
		// handleCallback's checks; the error never carries the code or state.
		res, err := c.HandleCallbackAt(ctx, u, "", nil)
		switch SilentOutcome(err) {
		case RestoreDone:
			return res, nil
		case RestoreNext:
			return nil, nil
		default:
			return nil, err
		}
	case msg := <-blocked:
		p.Console("error", msg)
		return nil, nil
	case <-timeout:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// redirectRestore is the last step: a top-level prompt=none navigation to the
// provider, back on redirectUri, where handleCallback() resolves the session
// or rejects oauth_error login_required. The page is left; should the
// navigation not happen (the page cancelled it), it returns nil after limit
// (or when ctx ends), leaving the pending login to its TTL in case the
// navigation is only slow.
func (c *Client) redirectRestore(ctx context.Context, limit time.Duration, p RestorePorts) error {
	az, err := c.StartRedirectRestore()
	if err != nil {
		return err
	}
	if err := p.Navigate(az.URL); err != nil {
		c.Abandon(az.State)
		return err
	}
	t, stop := after(p.Clock, limit)
	defer stop()
	select {
	case <-t:
	case <-ctx.Done():
	}
	return nil
}
