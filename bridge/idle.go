//go:build js && wasm

package bridge

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
	"github.com/hack-pad/safejs"
)

// Idle sign-out in the page: the policy is session.Idle; this file feeds it
// activity (input on the page, a tab becoming visible, session.touch(), the
// Assistant's events through noteAssistantEvent, and activity in sibling tabs with
// shareAcrossTabs) and turns its callbacks into the session's "idle" and
// "active" events.

// idleInputs are the page inputs that count as activity (the contract's
// pointer, key, touch and wheel input), listened to passively in the capture
// phase so that a page's stopPropagation cannot hide them.
var idleInputs = []string{"pointerdown", "pointermove", "keydown", "touchstart", "wheel"}

// idleInputEvery bounds how often input reaches the policy: pointermove fires
// at the frame rate, and a touch a quarter of a second later says nothing new.
const idleInputEvery = 250 * time.Millisecond

// idleWatches maps a *jsSession to its *idleWatch (bridge/session.go keeps no
// field for it). A plain map: sync.Map would add its generic trie to the wasm.
var idleWatches = struct {
	sync.Mutex
	m map[*jsSession]*idleWatch
}{m: map[*jsSession]*idleWatch{}}

// idleWatch is the page side of one session's idle policy.
type idleWatch struct {
	js        *jsSession
	idle      *session.Idle
	sub       string       // the user: only this user's activity in a sibling tab counts
	ch        safejs.Value // the activity BroadcastChannel; undefined without shareAcrossTabs
	onmsg     safejs.Func
	postEvery time.Duration

	mu        sync.Mutex
	lastInput time.Time
	lastPost  time.Time
}

// idleMsg is what a tab posts on the activity channel.
type idleMsg struct {
	T   string `json:"t"`   // "activity"
	Sub string `json:"sub"` // whose session was active
}

// startIdle starts idle sign-out for js when the config asks for it
// (idleTimeoutSeconds > 0); the session's release stops it.
func (js *jsSession) startIdle() {
	cfg := js.cl.cfg
	timeout := cfg.IdleTimeout()
	if timeout <= 0 {
		return
	}
	w := &idleWatch{js: js, ch: safejs.Undefined(), postEvery: min(max(timeout/10, idleInputEvery), 5*time.Second)}
	if c, err := token.DecodeUnverified(js.s.Current().Response.AccessToken); err == nil {
		w.sub = c.Subject
	}
	w.idle = session.NewIdle(js.s, session.IdleConfig{
		Timeout: timeout,
		Warning: cfg.IdleWarning(),
		Revoke: func(ctx context.Context, rt string) error {
			return js.cl.c.Revoke(ctx, rt, "refresh_token")
		},
		OnWarn:   func(left int) { js.ev.emit("idle", map[string]any{"secondsLeft": left}) },
		OnActive: func() { js.ev.emit("active", map[string]any{}) },
		OnError:  func(err error) { js.ev.emit("error", err) },
	})
	idleWatches.Lock()
	idleWatches.m[js] = w
	idleWatches.Unlock()

	g := safejs.Global()
	for _, name := range idleInputs {
		w.listen(g, name, func(safejs.Value, []safejs.Value) any { w.input(); return nil })
	}
	doc, _ := g.Get("document")
	w.listen(doc, "visibilitychange", func(safejs.Value, []safejs.Value) any {
		if str(doc, "visibilityState") == "visible" {
			w.input() // activity, and Touch checks the deadline first: a wake after it ends the session
		} else {
			go w.idle.Check()
		}
		return nil
	})
	for _, name := range []string{"focus", "pageshow", "online"} {
		w.listen(g, name, func(safejs.Value, []safejs.Value) any { go w.idle.Check(); return nil })
	}
	if cfg.ShareAcrossTabs {
		w.openChannel(session.ChannelName(cfg.Issuer(), cfg.ClientID) + "|activity")
	}
	js.mu.Lock()
	js.releases = append(js.releases, w.release)
	js.mu.Unlock()
}

// noteActivity is the hook for activity the page's listeners do not see: the
// Assistant's events (recording, navigation, interactions) call it, as does
// session.touch(). Without idle sign-out it does nothing.
func (js *jsSession) noteActivity() {
	idleWatches.Lock()
	w := idleWatches.m[js]
	idleWatches.Unlock()
	if w != nil {
		w.activity(true)
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

// input is a page input: throttled, then activity.
func (w *idleWatch) input() {
	w.activity(false)
}

// activity touches the policy (at most every idleInputEvery for page input;
// always when forced) and tells the sibling tabs (at most every postEvery).
// It runs inside JS event dispatch: it never blocks.
func (w *idleWatch) activity(force bool) {
	now := time.Now()
	w.mu.Lock()
	if !force && now.Sub(w.lastInput) < idleInputEvery {
		w.mu.Unlock()
		return
	}
	w.lastInput = now
	post := !w.ch.IsUndefined() && now.Sub(w.lastPost) >= w.postEvery
	if post {
		w.lastPost = now
	}
	w.mu.Unlock()
	go func() {
		w.idle.Touch()
		if post {
			if ended, _ := w.js.s.Ended(); !ended {
				w.post()
			}
		}
	}()
}

func (w *idleWatch) post() {
	w.mu.Lock()
	ch := w.ch
	w.mu.Unlock()
	b, err := json.Marshal(idleMsg{T: "activity", Sub: w.sub})
	if err == nil && !ch.IsUndefined() {
		_, _ = ch.Call("postMessage", string(b))
	}
}

// openChannel listens for sibling tabs' activity: a message for this user
// counts as activity here (it is not posted on again).
func (w *idleWatch) openChannel(name string) {
	bc, err := safejs.Global().Get("BroadcastChannel")
	if err != nil || bc.Type() != safejs.TypeFunction {
		return
	}
	ch, err := bc.New(name)
	if err != nil {
		return
	}
	w.onmsg, err = safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		var m idleMsg
		if json.Unmarshal([]byte(str(arg(args, 0), "data")), &m) == nil && m.T == "activity" && m.Sub == w.sub && w.sub != "" {
			go w.idle.Touch()
		}
		return nil
	})
	if err != nil {
		_, _ = ch.Call("close")
		return
	}
	_ = ch.Set("onmessage", w.onmsg.Value())
	w.ch = ch
}

// listen adds a passive capture listener, removed at release.
func (w *idleWatch) listen(target safejs.Value, name string, fn func(safejs.Value, []safejs.Value) any) {
	if target.IsUndefined() || target.IsNull() {
		return
	}
	f, err := safejs.FuncOf(fn)
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
	w.js.mu.Lock()
	w.js.releases = append(w.js.releases, func() {
		_, _ = target.Call("removeEventListener", name, f.Value(), opts)
		f.Release()
	})
	w.js.mu.Unlock()
}

// release stops the policy and closes the channel (the session ended or was
// closed).
func (w *idleWatch) release() {
	w.idle.Stop()
	idleWatches.Lock()
	delete(idleWatches.m, w.js)
	idleWatches.Unlock()
	w.mu.Lock()
	ch := w.ch
	w.ch = safejs.Undefined()
	w.mu.Unlock()
	if !ch.IsUndefined() {
		_ = ch.Set("onmessage", safejs.Null())
		_, _ = ch.Call("close")
		w.onmsg.Release()
	}
}
