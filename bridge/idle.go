//go:build js && wasm

package bridge

import (
	"context"
	"sync"

	"github.com/corti-auth/corti-auth/assistant"
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

// idleWatches maps a *jsSession to its *session.Idle (bridge/session.go keeps
// no field for it). A plain map: sync.Map would add its generic trie to the
// wasm.
var idleWatches = struct {
	sync.Mutex
	m map[*jsSession]*session.Idle
}{m: map[*jsSession]*session.Idle{}}

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
		Tabs:     js.tab, // nil without shareAcrossTabs
	})
	idleWatches.Lock()
	idleWatches.m[js] = idle
	idleWatches.Unlock()

	g := safejs.Global()
	for _, name := range idleInputs {
		js.listen(g, name, func() { idle.Input() })
	}
	doc, _ := g.Get("document")
	js.listen(doc, "visibilitychange", func() { idle.Visible(str(doc, "visibilityState") == "visible") })
	for _, name := range []string{"focus", "pageshow", "online"} {
		js.listen(g, name, idle.Wake)
	}
	js.mu.Lock()
	js.releases = append(js.releases, func() {
		idle.Stop()
		idleWatches.Lock()
		delete(idleWatches.m, js)
		idleWatches.Unlock()
	})
	js.mu.Unlock()
}

// noteActivity is the hook for activity the page's listeners do not see: the
// Assistant's events (recording, navigation, interactions) call it, as does
// session.touch(). Without idle sign-out it does nothing.
func (js *jsSession) noteActivity() {
	idleWatches.Lock()
	idle := idleWatches.m[js]
	idleWatches.Unlock()
	if idle != nil {
		idle.Activity()
	}
}

// noteAssistantEvent is the hook for a mounted Assistant's events: those a
// clinician's own action causes (assistant.IsActivity: navigation,
// interactions, recording, documents) are activity. The mount's OnEvent
// (mount.go) calls it with each event's name.
func (js *jsSession) noteAssistantEvent(name string) {
	if assistant.IsActivity(name) {
		js.noteActivity()
	}
}

// touchJS is session.touch().
func (js *jsSession) touchJS([]safejs.Value) (any, error) {
	js.noteActivity()
	return nil, nil
}

// listen adds a passive capture listener, removed at release.
func (js *jsSession) listen(target safejs.Value, name string, fn func()) {
	if target.IsUndefined() || target.IsNull() {
		return
	}
	f, err := safejs.FuncOf(func(safejs.Value, []safejs.Value) any { fn(); return nil })
	if err != nil {
		return
	}
	opts, err := ToJS(map[string]any{"passive": true, "capture": true})
	if err != nil {
		f.Release()
		return
	}
	if _, err := target.Call("addEventListener", name, f.Value(), opts); err != nil {
		f.Release()
		return
	}
	js.mu.Lock()
	js.releases = append(js.releases, func() {
		_, _ = target.Call("removeEventListener", name, f.Value(), opts)
		f.Release()
	})
	js.mu.Unlock()
}
