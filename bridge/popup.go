//go:build js && wasm

package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/internal/jsx"
	"github.com/hack-pad/safejs"
)

// loginWithPopup(options?) → Promise<Session>: auth.Client.StartPopup in the
// caller's JS turn (the browser still sees the user's gesture when the popup
// opens), auth.PopupLogin.Login in the promise's goroutine; here their ports
// (popupPorts, popupWindow) and the session as a JS object.
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
	l, err := cl.c.StartPopup(opts, timeout, popupPorts())
	if err != nil {
		return fail(err)
	}
	return func(ctx context.Context) (any, error) {
		res, err := l.Login(ctx)
		if err != nil {
			return nil, err
		}
		return cl.newSession(res.Tokens, res.ReceivedAt, nil, res.IDToken).object(), nil
	}
}

// popupPorts are the browser's side of auth's popup flow.
func popupPorts() auth.PopupPorts {
	return auth.PopupPorts{
		PageOrigin:     locationOrigin(),
		Here:           locationHref,
		Open:           openPopup,
		ChannelReaches: channelReaches,
		Broadcast:      broadcastHandoff,
		Console:        func(level, msg string) { console(level, msg) },
		Go:             func(f func()) { goSafe(reportInternal, f) },
	}
}

// popupWindow is the popup (auth.PopupWindow).
type popupWindow struct{ v safejs.Value }

func (w popupWindow) Listen(origin, state string) (<-chan string, func()) {
	h := listenHandoff(origin, state, func() safejs.Value { return w.v })
	return h.C, h.close
}

func (w popupWindow) View() auth.PopupView { return popupView(w.v) }

func (w popupWindow) Search() string {
	if loc, err := w.v.Get("location"); err == nil {
		return str(loc, "search")
	}
	return ""
}

func (w popupWindow) Post(msg map[string]any, origin string) {
	if m, err := ToJS(msg); err == nil {
		_, _ = w.v.Call("postMessage", m, origin)
	}
}

func (w popupWindow) Close() { closeWindow(w.v) }

// broadcastHandoff posts msg on the same-origin channel auth.HandoffChannel.
func broadcastHandoff(msg map[string]any) {
	if bc, err := safejs.Global().Get("BroadcastChannel"); err == nil && bc.Type() == safejs.TypeFunction {
		if ch, err := bc.New(auth.HandoffChannel); err == nil {
			if m, err := ToJS(msg); err == nil {
				_, _ = ch.Call("postMessage", m)
			}
			_, _ = ch.Call("close")
		}
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
func openPopup(url string) (auth.PopupWindow, error) {
	g := safejs.Global()
	const w, hgt = 480, 640
	left, top := 0.0, 0.0
	if x, err := jsx.Get(g, "screenX"); err == nil && x.Type() == safejs.TypeNumber {
		xf, _ := x.Float()
		ow, _ := mustGet(g, "outerWidth").Float()
		left = xf + (ow-w)/2
	}
	if y, err := jsx.Get(g, "screenY"); err == nil && y.Type() == safejs.TypeNumber {
		yf, _ := y.Float()
		oh, _ := mustGet(g, "outerHeight").Float()
		top = yf + (oh-hgt)/2
	}
	features := fmt.Sprintf("popup=yes,width=%d,height=%d,left=%d,top=%d", w, hgt, int(max(left, 0)), int(max(top, 0)))
	p, err := g.Call("open", url, "_blank", features)
	if err != nil {
		return nil, fmt.Errorf("%w: window.open threw: %s", auth.ErrPopupBlocked, FromJSError(jsErrorValue(err)).Error())
	}
	if p.IsNull() || p.IsUndefined() {
		return nil, fmt.Errorf("%w: the browser refused to open the sign-in window; call loginWithPopup "+
			"in the handler of the user's click (not after an await), or allow popups for this site", auth.ErrPopupBlocked)
	}
	return popupWindow{p}, nil
}

// popupView reads what this page can see of its popup.
func popupView(p safejs.Value) auth.PopupView {
	c, err := jsx.Get(p, "closed")
	if err != nil {
		return auth.PopupGone
	}
	if b, _ := c.Bool(); b {
		return auth.PopupGone
	}
	loc, err := jsx.Get(p, "location")
	if err != nil {
		return auth.PopupAway
	}
	if _, err := jsx.Get(loc, "href"); err != nil {
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
	loc, err := jsx.Get(top, "location")
	if err != nil {
		return false
	}
	_, err = jsx.Get(loc, "href")
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

// handOver is handleCallback in a popup: auth.Client.HandOver, here its
// ports (handOverPorts). ok is false for a callback that is no popup
// login's.
func (cl *client) handOver(u string) (ok bool) { return cl.c.HandOver(u, handOverPorts()) }

// handOverPorts are the browser's side of auth's hand-over: the popup's
// callback page.
func handOverPorts() auth.HandOverPorts {
	g := safejs.Global()
	origin := locationOrigin()
	return auth.HandOverPorts{
		ReplaceAddress: replaceAddress,
		PostUp: func(msg map[string]any) {
			self := mustGet(g, "self")
			for _, w := range []safejs.Value{mustGet(g, "opener"), mustGet(g, "parent")} {
				if w.Type() == safejs.TypeObject && !w.Equal(self) {
					if m, err := ToJS(msg); err == nil {
						_, _ = w.Call("postMessage", m, origin)
					}
				}
			}
		},
		Broadcast: broadcastHandoff,
		TopLevel:  func() bool { return mustGet(g, "parent").Equal(mustGet(g, "self")) },
		ListenReplies: func(reply func(data []byte)) func() {
			return listenReplies(origin, reply)
		},
		Submit:    func(end *auth.EndSessionRequest) error { return submitForm(end.Action, end.Form) },
		CloseSelf: func() { _, _ = g.Call("close") },
		Go:        func(f func()) { goSafe(reportInternal, f) },
	}
}

// listenReplies passes to reply the data (as JSON) of each message from
// window.opener of origin (origin and source checked) and of each message on
// auth.HandoffChannel; the returned func stops listening.
func listenReplies(origin string, reply func(data []byte)) (stop func()) {
	g := safejs.Global()
	pass := func(data safejs.Value) {
		if b, err := JSONOf(data); err == nil {
			reply(b)
		}
	}
	offMessage, _ := on(g, "message", "popup.reply", reportInternal, nil, func(ev safejs.Value) {
		op := mustGet(g, "opener")
		if str(ev, "origin") == origin && op.Type() == safejs.TypeObject && mustGet(ev, "source").Equal(op) {
			pass(mustGet(ev, "data"))
		}
	})
	offChannel := onChannel(auth.HandoffChannel, "popup.reply", reportInternal, pass)
	return func() { offMessage(); offChannel() }
}
