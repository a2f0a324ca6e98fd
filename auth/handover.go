package auth

import (
	"encoding/json"
	"net/url"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/internal/clock"
	"github.com/corti-auth/corti-auth/pkce"
)

// The hand-over: handleCallback in a popup (or frame) whose login hands its
// callback back to the page that started it (HandedOff) gives the URL to that
// page instead of exchanging the code, as dist/callback.html does; a popup
// then waits for the opener's answer (HandoffReplyType). The browser is
// reached only through HandOverPorts (bridge/popup.go implements them;
// handover_test.go fakes them).

// HandOverWait is how long a popup's callback page waits for the opener's
// answer before it closes itself (dist/callback.js waits as long).
const HandOverWait = 30 * time.Second

// HandOverPorts are the callback page's ways into the browser.
type HandOverPorts struct {
	// ReplaceAddress shows clean in the address bar instead of the callback
	// URL.
	ReplaceAddress func(clean string)
	// PostUp posts msg to window.opener and window.parent (those that are not
	// this window itself), with this page's origin as the exact target.
	PostUp func(msg map[string]any)
	// Broadcast posts msg on HandoffChannel.
	Broadcast func(msg map[string]any)
	// TopLevel reports whether this page is no frame (a popup waits for the
	// reply; a frame is removed by its page).
	TopLevel func() bool
	// ListenReplies passes to reply the data (as JSON) of each message from
	// window.opener of this page's origin and of each message on
	// HandoffChannel, from any goroutine; stop ends the listening.
	ListenReplies func(reply func(data []byte)) (stop func())
	// Submit submits end's form in this window.
	Submit func(end *EndSessionRequest) error
	// CloseSelf closes this window.
	CloseSelf func()
	// Go runs f in a goroutine of its own that recovers panics.
	Go func(f func())
	// Clock times HandOverWait (nil: clock.Real).
	Clock clock.Clock
}

// HandOver is handleCallback in a popup: when u is the callback of a popup
// login of this client (HandedOff), it hands u to the page that opened it,
// both roads, and in a top-level window waits for that page's reply (see
// AwaitReply); ok is false for any other callback, and nothing happens.
func (c *Client) HandOver(u string, p HandOverPorts) (ok bool) {
	if !c.HandedOff(u) {
		return false
	}
	p.ReplaceAddress(CleanCallbackURL(u))
	msg := map[string]any{"type": HandoffType, "url": u}
	p.PostUp(msg)
	p.Broadcast(msg)
	if p.TopLevel() {
		if cb, err := pkce.ParseCallback(u); err == nil && cb.State != "" {
			AwaitReply(cb.State, p)
		}
	}
	return true
}

// AwaitReply waits, in a popup that handed over the callback of the login
// with state, for the opener's HandoffReplyType, then submits its endSession
// form or closes the window; after HandOverWait it closes. It returns at
// once: the window closes no earlier than a task later, so the page's own
// code sees handleCallback resolve.
func AwaitReply(state string, p HandOverPorts) {
	if p.Clock == nil {
		p.Clock = clock.Real
	}
	var (
		once  sync.Once
		mu    sync.Mutex
		stops []func()
	)
	finish := func(end *EndSessionRequest) {
		once.Do(func() {
			mu.Lock()
			ss := stops
			stops = nil
			mu.Unlock()
			for _, s := range ss {
				s()
			}
			if end != nil && p.Submit(end) == nil {
				return
			}
			p.CloseSelf()
		})
	}
	stop := p.ListenReplies(func(data []byte) {
		if end, ok := ReadReply(data, state); ok {
			p.Go(func() { finish(end) })
		}
	})
	wait := p.Clock.AfterFunc(HandOverWait, func() { p.Go(func() { finish(nil) }) })
	mu.Lock()
	stops = append(stops, stop, func() { wait() })
	mu.Unlock()
}

// ReadReply reads a message's data (JSON): ok when it is the opener's reply
// to the login of state, with the end-session form to submit (nil for none:
// without one, or with an action that is not http(s), or no fields).
func ReadReply(data []byte, state string) (end *EndSessionRequest, ok bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil || m == nil || jsonString(m["type"]) != HandoffReplyType || jsonString(m["state"]) != state {
		return nil, false
	}
	var es map[string]json.RawMessage
	if json.Unmarshal(m["endSession"], &es) != nil || es == nil {
		return nil, true
	}
	action := jsonString(es["action"])
	if u, err := url.Parse(action); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, true
	}
	var fields map[string]string
	if json.Unmarshal(es["fields"], &fields) != nil || len(fields) == 0 {
		return nil, true
	}
	form := url.Values{}
	for k, v := range fields {
		form.Set(k, v)
	}
	return &EndSessionRequest{Action: action, Form: form}, true
}

// jsonString is the string raw encodes, "" for anything else.
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}
