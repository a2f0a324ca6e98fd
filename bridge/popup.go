//go:build js && wasm

package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/hack-pad/safejs"
)

// loginWithPopup(options?) → Promise<Session>: a login in a popup whose
// callback page (popupRedirectUri) hands the callback back; this tab exchanges
// the code. Everything up to window.open runs in the caller's JS turn, so the
// browser still sees the user's gesture: the pending login is stored first, and
// the popup opens on the authorize URL directly. What the popup's state means
// is auth.PopupWatch's to decide.
func (cl *client) loginWithPopup(a *argReader) func(context.Context) (any, error) {
	fail := func(err error) func(context.Context) (any, error) {
		return func(context.Context) (any, error) { return nil, err }
	}
	opts, err := authorizeOptions(a.value(0))
	if err != nil {
		return fail(err)
	}
	timeout, err := popupTimeout(a.value(0))
	if err != nil {
		return fail(err)
	}
	origin := locationOrigin()
	if err := auth.CheckPopupRedirect(cl.cfg.PopupRedirectURI, origin); err != nil {
		return fail(err)
	}
	opts.RedirectURI, opts.Handoff = cl.cfg.PopupRedirectURI, true
	az, err := cl.c.Authorize(opts)
	if err != nil {
		return fail(err)
	}
	popup, err := openPopup(az.URL)
	if err != nil {
		return func(context.Context) (any, error) {
			cl.c.Abandon(az.State) // in the goroutine: taking a pending login waits for a Web Lock
			return nil, err
		}
	}
	h := listenHandoff(origin, az.State, func() safejs.Value { return popup })
	watch := auth.NewPopupWatch(time.Now(), timeout, channelReaches())
	return func(ctx context.Context) (any, error) {
		u, err := waitPopup(ctx, popup, h, watch)
		h.close()
		if err != nil {
			cl.c.Abandon(az.State) // a late callback finds nothing to complete
			closeWindow(popup)
			return nil, err
		}
		closeWindow(popup) // the callback page closes itself; one that does not is closed here
		res, err := cl.c.HandleCallbackAt(ctx, u, locationHref(), nil)
		if err != nil {
			return nil, err
		}
		return cl.newSession(res.Tokens, res.ReceivedAt, nil, res.IDToken).object(), nil
	}
}

// popupTimeout reads options.timeoutMs.
func popupTimeout(v safejs.Value) (time.Duration, error) {
	b, err := JSONOf(v)
	var o struct {
		TimeoutMs *float64 `json:"timeoutMs"`
	}
	if err == nil && len(b) > 0 && string(b) != "null" {
		if json.Unmarshal(b, &o) != nil {
			return 0, &auth.ConfigError{Key: "timeoutMs", Reason: "must be a positive number of milliseconds"}
		}
	}
	return auth.PopupTimeout(o.TimeoutMs)
}

// openPopup opens url in a popup window, centred on this window. A browser
// that refuses (no user gesture, a popup blocker) returns null: popup_blocked.
func openPopup(url string) (safejs.Value, error) {
	g := safejs.Global()
	const w, hgt = 480, 640
	left, top := 0.0, 0.0
	if x, err := storage.SafeGet(g, "screenX"); err == nil && x.Type() == safejs.TypeNumber {
		xf, _ := x.Float()
		ow, _ := mustGet(g, "outerWidth").Float()
		left = xf + (ow-w)/2
	}
	if y, err := storage.SafeGet(g, "screenY"); err == nil && y.Type() == safejs.TypeNumber {
		yf, _ := y.Float()
		oh, _ := mustGet(g, "outerHeight").Float()
		top = yf + (oh-hgt)/2
	}
	features := fmt.Sprintf("popup=yes,width=%d,height=%d,left=%d,top=%d", w, hgt, int(max(left, 0)), int(max(top, 0)))
	p, err := g.Call("open", url, "_blank", features)
	if err != nil {
		return safejs.Undefined(), fmt.Errorf("%w: window.open threw: %s", auth.ErrPopupBlocked, FromJSError(jsErrorValue(err)).Error())
	}
	if p.IsNull() || p.IsUndefined() {
		return safejs.Undefined(), fmt.Errorf("%w: the browser refused to open the sign-in window; call loginWithPopup "+
			"in the handler of the user's click (not after an await), or allow popups for this site", auth.ErrPopupBlocked)
	}
	return p, nil
}

// waitPopup waits for the popup's callback (from h) while it polls the popup
// for watch, until the callback arrives or watch gives up.
func waitPopup(ctx context.Context, popup safejs.Value, h *handoff, watch *auth.PopupWatch) (string, error) {
	tick := time.NewTicker(auth.PopupPoll)
	defer tick.Stop()
	severed := false
	for {
		select {
		case u := <-h.C:
			return u, nil
		case <-ctx.Done():
			return "", ctx.Err()
		case <-tick.C:
		}
		st, err := watch.Observe(time.Now(), popupView(popup))
		switch st {
		case auth.PopupFailed:
			select {
			case u := <-h.C: // arrived with the last poll
				return u, nil
			default:
			}
			return "", err
		case auth.PopupSevered:
			if !severed {
				severed = true
				console("info", "corti-auth: the sign-in window is out of this page's reach (the provider's pages send "+
					"Cross-Origin-Opener-Policy); its callback comes over the BroadcastChannel, and a window the user "+
					"closes ends as a timeout (timeoutMs)")
			}
		}
	}
}

// popupView reads what this page can see of its popup.
func popupView(p safejs.Value) auth.PopupView {
	c, err := storage.SafeGet(p, "closed")
	if err != nil {
		return auth.PopupGone
	}
	if b, _ := c.Bool(); b {
		return auth.PopupGone
	}
	loc, err := storage.SafeGet(p, "location")
	if err != nil {
		return auth.PopupAway
	}
	if _, err := storage.SafeGet(loc, "href"); err != nil {
		return auth.PopupAway // cross-origin: the provider's pages
	}
	return auth.PopupOurs
}

// channelReaches reports whether a top-level window of this origin shares the
// BroadcastChannel with this page: yes unless the page is framed by a page of
// another origin (browsers partition the channel by top-level site; a
// same-site, cross-origin top is counted out too, as it cannot be told apart
// without the public-suffix list).
func channelReaches() bool {
	g := safejs.Global()
	self, top := mustGet(g, "self"), mustGet(g, "top")
	if top.IsUndefined() || top.IsNull() || top.Equal(self) {
		return true
	}
	loc, err := storage.SafeGet(top, "location")
	if err != nil {
		return false
	}
	_, err = storage.SafeGet(loc, "href")
	return err == nil
}

func closeWindow(w safejs.Value) {
	if w.Type() == safejs.TypeObject {
		_, _ = w.Call("close")
	}
}

// locationOrigin is window.location.origin, "" outside a page.
func locationOrigin() string {
	loc, err := safejs.Global().Get("location")
	if err != nil || loc.IsUndefined() {
		return ""
	}
	return str(loc, "origin")
}

// handOver is handleCallback in a popup: when u is the callback of a popup
// login of this client (auth.Client.HandedOff), this page hands it to the
// page that opened it — window.opener (or the parent of a frame) with this page's origin as the exact
// target, and the same-origin BroadcastChannel for an opener that a
// Cross-Origin-Opener-Policy cut off — as dist/callback.html does; the page
// that waits exchanges the code. ok is false for any other callback.
func (cl *client) handOver(u string) (ok bool) {
	if !cl.c.HandedOff(u) {
		return false
	}
	replaceAddress(auth.CleanCallbackURL(u))
	g := safejs.Global()
	msg := map[string]any{"type": auth.HandoffType, "url": u}
	origin := locationOrigin()
	self := mustGet(g, "self")
	for _, w := range []safejs.Value{mustGet(g, "opener"), mustGet(g, "parent")} {
		if w.Type() == safejs.TypeObject && !w.Equal(self) {
			if m, err := ToJS(msg); err == nil {
				_, _ = w.Call("postMessage", m, origin)
			}
		}
	}
	if bc, err := g.Get("BroadcastChannel"); err == nil && bc.Type() == safejs.TypeFunction {
		if ch, err := bc.New(auth.HandoffChannel); err == nil {
			if m, err := ToJS(msg); err == nil {
				_, _ = ch.Call("postMessage", m)
			}
			_, _ = ch.Call("close")
		}
	}
	// The window closes itself once the page's own code has seen handleCallback
	// resolve (null): a task after the promise's reactions.
	if st, err := g.Get("setTimeout"); err == nil {
		var f safejs.Func
		if f, err = safejs.FuncOf(func(safejs.Value, []safejs.Value) any {
			f.Release()
			if mustGet(g, "parent").Equal(self) { // a popup, not a frame
				_, _ = g.Call("close")
			}
			return nil
		}); err == nil {
			_, _ = st.Invoke(f.Value(), 50)
		}
	}
	return true
}
