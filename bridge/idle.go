//go:build js && wasm

package bridge

import (
	"context"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/session"
	"github.com/hack-pad/safejs"
)

// Idle sign-out in the page: the policy is session.Idle (the input throttle,
// the cross-tab activity over session.Tabs included); this file only adds the
// DOM listeners that feed it (input on the page, visibility, wake-ups,
// session.touch(), the Assistant's events through noteAssistantEvent) and
// turns its callbacks into the session's "idle" and "active" events.

// idleInputs are the page inputs that count as activity (the contract's
// pointer, key, touch and wheel input), listened to passively in the capture
// phase so that a page's stopPropagation cannot hide them.
var idleInputs = []string{"pointerdown", "pointermove", "keydown", "touchstart", "wheel"}

// startIdle starts idle sign-out for js when the config asks for it
// (idleTimeoutSeconds > 0); the session's release stops it.
func (js *jsSession) startIdle() {
	cfg := js.cl.cfg
	timeout := cfg.IdleTimeout()
	if timeout <= 0 {
		return
	}
	idle := session.NewIdle(js.s, session.IdleConfig{
		Timeout: timeout,
		Warning: cfg.IdleWarning(),
		Revoke: func(ctx context.Context, rt string) error {
			return js.cl.c.Revoke(ctx, rt, "refresh_token")
		},
		OnWarn:   func(left int) { js.ev.emit("idle", map[string]any{"secondsLeft": left}) },
		OnActive: func() { js.ev.emit("active", map[string]any{}) },
		OnError:  func(err error) { js.ev.emit("error", err) },
		// The sign-out sticks; with idleSignOut "provider" the page then
		// goes to the provider's end-session endpoint (onEvent, after "ended").
		OnExpire: func(held session.Tokens) {
			req := js.cl.c.IdleEnd(held)
			js.mu.Lock()
			js.idleEnd = req
			js.mu.Unlock()
		},
		Tabs: js.tab, // nil without shareAcrossTabs
	})
	js.mu.Lock()
	js.idle = idle
	js.mu.Unlock()

	g := safejs.Global()
	for _, name := range idleInputs {
		// Only the browser's own input is a person (session.Idle.PageInput):
		// a script's dispatchEvent or element.click() is not activity.
		js.listen(g, name, func(ev safejs.Value) { idle.PageInput(boolOf(ev, "isTrusted")) })
	}
	doc, _ := g.Get("document")
	js.listen(doc, "visibilitychange", func(safejs.Value) { idle.Visible(str(doc, "visibilityState") == "visible") })
	for _, name := range wakeEvents {
		js.listen(g, name, func(safejs.Value) { idle.Wake() })
	}
	js.keep(func() {
		idle.Stop()
		js.mu.Lock()
		js.idle = nil
		js.mu.Unlock()
	})
}

// endProviderSession sends the page to the provider's end-session endpoint
// after an idle end with idleSignOut "provider", as logout() does (a form
// POST with id_token_hint, landing on redirectUri). A failure is an "error"
// event: the session has ended here all the same.
func (js *jsSession) endProviderSession(req *auth.EndSessionRequest) {
	_, err := protect(func() (any, error) {
		if req.Post() {
			return nil, submitForm(req.Action, req.Form)
		}
		return nil, navigate(req.URL)
	})
	if err != nil {
		console("error", "corti-auth: idleSignOut \"provider\": the provider's end-session request failed: "+err.Error())
	}
}

// noteActivity is the hook for activity the page's listeners do not see: a
// mounted Assistant's events that a clinician caused (assistant.Options.
// OnActivity, in mount.go) call it, as does session.touch(). Without idle
// sign-out it does nothing.
func (js *jsSession) noteActivity() {
	js.mu.Lock()
	idle := js.idle
	js.mu.Unlock()
	if idle != nil {
		idle.Activity()
	}
}

// touch is session.touch().
func (js *jsSession) touch(*argReader) (any, error) {
	js.noteActivity()
	return nil, nil
}

// listen adds a passive capture listener, removed at release; fn gets the
// event.
func (js *jsSession) listen(target safejs.Value, name string, fn func(ev safejs.Value)) {
	off, _ := on(target, name, "idle."+name, js.Report, map[string]any{"passive": true, "capture": true}, fn)
	js.keep(off)
}
