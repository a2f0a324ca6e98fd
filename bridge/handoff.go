//go:build js && wasm

package bridge

import (
	"sync"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/hack-pad/safejs"
)

// A handoff receives the callback of one login from a callback page
// (dist/callback.html: auth.HandoffType): loginWithPopup's popup and
// restore()'s hidden iframe land there, and the page hands the URL over. Two
// roads, either enough:
//   - a "message" event on this window whose origin is the callback page's
//     origin and whose source is the window the login runs in (the popup, the
//     iframe's contentWindow) — both checked, the source by identity;
//   - a message on the same-origin BroadcastChannel auth.HandoffChannel (a
//     popup whose opener a Cross-Origin-Opener-Policy severed), which carries
//     no source: there the login's state, unguessable and single-use, is the
//     check (auth.HandoffURL), as it is on the first road too.
//
// What it decides lives in auth.HandoffURL; this is the listening.
type handoff struct {
	// C receives the callback URL once.
	C <-chan string

	mu       sync.Mutex
	releases []func()
	once     sync.Once
}

// listenHandoff starts listening for the callback of the login with state,
// coming from a page of origin. source returns the window the login runs in
// (nil until it exists, e.g. before window.open returned). Stop it with close.
func listenHandoff(origin, state string, source func() safejs.Value) *handoff {
	c := make(chan string, 1)
	h := &handoff{C: c}
	deliver := func(typ, u string) {
		if got, ok := auth.HandoffURL(typ, u, state); ok {
			h.once.Do(func() { c <- got })
		}
	}
	off, _ := on(safejs.Global(), "message", "handoff.message", reportInternal, nil, func(ev safejs.Value) {
		if str(ev, "origin") != origin {
			return
		}
		src := source()
		if src.IsUndefined() || src.IsNull() || !mustGet(ev, "source").Equal(src) {
			return
		}
		data := mustGet(ev, "data")
		deliver(str(data, "type"), str(data, "url"))
	})
	h.add(off)
	h.add(onChannel(auth.HandoffChannel, "handoff.channel", reportInternal, func(data safejs.Value) {
		deliver(str(data, "type"), str(data, "url"))
	}))
	return h
}

func (h *handoff) add(f func()) {
	h.mu.Lock()
	h.releases = append(h.releases, f)
	h.mu.Unlock()
}

// close stops listening; a callback arriving later is not received.
func (h *handoff) close() {
	h.mu.Lock()
	rs := h.releases
	h.releases = nil
	h.mu.Unlock()
	for _, f := range rs {
		f()
	}
}
