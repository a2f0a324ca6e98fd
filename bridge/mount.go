//go:build js && wasm

package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/hack-pad/safejs"
)

// mount is one Corti Assistant iframe: the DOM side of an
// assistant.Controller. It is signed in with one session (js), from
// session.mountAssistant at once, or from client.mountAssistant when the page
// calls authenticate(session) (earlymount.go).
type mount struct {
	cl     *client
	seat   assistant.Seat // which session it signs in with
	frame  assistant.Frame
	target safejs.Value
	iframe safejs.Value
	ctrl   *assistant.Controller
	ev     *emitter

	mu        sync.Mutex
	js        *jsSession    // the session it is signed in with; nil before authenticate
	authDone  chan struct{} // closed when js's first auth has settled (authUser, authErr)
	authUser  assistant.User
	authErr   error
	listener  safejs.Func
	listening bool
	destroyed bool
	obj       safejs.Value // the assistant object, released by destroy
}

// prepareMount checks the arguments of mountAssistant synchronously: target is
// an element or a selector that matches one (else invalid_config).
func (cl *client) prepareMount(target, opts safejs.Value) (*mount, error) {
	b, _ := JSONOf(opts) // options JSON cannot express are no options, as before
	o, err := assistant.ParseMountOptions(b)
	if err != nil {
		return nil, err
	}
	el, err := element(target)
	if err != nil {
		return nil, err
	}
	frame, err := o.Frame(cl.cfg.AssistantBaseURL)
	if err != nil {
		return nil, err
	}
	m := &mount{cl: cl, frame: frame, target: el, ev: newEmitter()}
	co := assistant.Options{
		Frame:            frame,
		Post:             m.post,
		Tokens:           tokenSource{m},
		IsServiceAccount: assistant.IsServiceAccount,
		Warn:             func(msg string) { go console("warn", msg) }, // not on the caller's goroutine: it may hold the session
		ReadyTimeout:     o.ReadyTimeout,
		RequestTimeout:   o.RequestTimeout,
		OnEvent: func(name string, _ bool, payload json.RawMessage) {
			// Confidential events carry clinical content: they go to the
			// listeners the host registered, and are never logged here.
			m.ev.emit(name, payload)
			if js := m.session(); js != nil {
				js.noteAssistantEvent(name) // a clinician's action in the Assistant is activity (idle.go)
			}
		},
		OnError: func(err error) { m.ev.emit("error", err) }, // error.triggered, a version mismatch, the reload limit
		OnAuth: func(u assistant.User, err error) {
			if err != nil {
				m.ev.emit("error", err)
				return
			}
			m.ev.emit("auth", userJS(u))
		},
	}
	co.ShareRefreshToken = o.AssistantRefreshes // who refreshes: assistant/refresh.go
	ctrl, err := assistant.NewController(co)
	if err != nil {
		return nil, err
	}
	m.ctrl = ctrl
	return m, nil
}

// element resolves an element or a selector.
func element(target safejs.Value) (safejs.Value, error) {
	switch target.Type() {
	case safejs.TypeString:
		sel, _ := target.String()
		doc, err := safejs.Global().Get("document")
		if err != nil || doc.IsUndefined() {
			return target, &auth.ConfigError{Key: "mountAssistant", Reason: "no document in this JS host"}
		}
		el, err := doc.Call("querySelector", sel)
		if err != nil {
			return target, &auth.ConfigError{Key: "mountAssistant", Reason: fmt.Sprintf("%q is not a valid selector", sel)}
		}
		if el.IsNull() || el.IsUndefined() {
			return target, &auth.ConfigError{Key: "mountAssistant", Reason: fmt.Sprintf("no element matches %q", sel)}
		}
		return el, nil
	case safejs.TypeObject:
		if !target.IsNull() {
			if app := mustGet(target, "appendChild"); app.Type() == safejs.TypeFunction {
				return target, nil
			}
		}
	}
	return target, &auth.ConfigError{Key: "mountAssistant", Reason: "the target must be an element or a CSS selector"}
}

// tokenSource gives the controller the fresh tokens of the mount's session.
type tokenSource struct{ m *mount }

func (t tokenSource) Fresh(ctx context.Context) (*pkce.TokenResponse, time.Time, assistant.Profile, error) {
	js := t.m.session()
	if js == nil {
		return nil, time.Time{}, assistant.Profile{}, fmt.Errorf("%w: the Assistant is signed in with no session yet", assistant.ErrEnded)
	}
	if _, err := js.s.AccessToken(ctx); err != nil {
		return nil, time.Time{}, assistant.Profile{}, err
	}
	cur := js.s.Current()
	return cur.Response, cur.ExpiresAt, assistant.ProfileOf(cur.Response), nil
}

func userJS(u assistant.User) map[string]any {
	return map[string]any{"id": u.ID, "email": u.Email, "name": u.Name}
}

// start is session.mountAssistant: it creates the iframe, signs it in with js
// (waiting for ready and the first auth), and resolves with the assistant
// object; on failure the frame is destroyed.
func (m *mount) start(ctx context.Context, js *jsSession) (any, error) {
	if ended, reason := js.s.Ended(); ended {
		return nil, fmt.Errorf("%w: %s", assistant.ErrEnded, reason)
	}
	// A client-credentials token never reaches the Assistant: with one, no
	// frame is even made (authenticate refuses it too, for an early mount).
	if assistant.IsServiceAccount(js.s.Current().Response.AccessToken) {
		return nil, assistant.ErrNotUserToken
	}
	if err := m.create(); err != nil {
		return nil, err
	}
	if _, err := m.authenticate(ctx, js); err != nil {
		m.destroy()
		return nil, err
	}
	return m.publish(), nil
}

// create makes the iframe (listener first, src last): it starts loading at
// once, signed in with no session yet.
func (m *mount) create() error {
	doc, err := safejs.Global().Get("document")
	if err != nil || doc.IsUndefined() {
		return &auth.ConfigError{Key: "mountAssistant", Reason: "no document in this JS host"}
	}
	m.iframe, err = doc.Call("createElement", "iframe")
	if err != nil {
		return browserErr("createElement", err)
	}
	for k, v := range map[string]string{"title": m.frame.Title, "sandbox": m.frame.Sandbox, "allow": m.frame.Allow} {
		if _, err := m.iframe.Call("setAttribute", k, v); err != nil {
			return browserErr("setAttribute "+k, err)
		}
	}
	_, _ = m.iframe.Call("setAttribute", "class", "corti-assistant")
	if err := m.listen(); err != nil {
		return err
	}
	if _, err := m.target.Call("appendChild", m.iframe); err != nil {
		m.destroy()
		return browserErr("appendChild", err)
	}
	if err := m.iframe.Set("src", m.frame.Src); err != nil {
		m.destroy()
		return browserErr("iframe.src", err)
	}
	return nil
}

// publish makes the assistant object the page gets.
func (m *mount) publish() safejs.Value {
	obj := m.object()
	m.mu.Lock()
	destroyed := m.destroyed
	m.obj = obj
	m.mu.Unlock()
	if destroyed { // destroyed meanwhile (the session closed, say): hand out a dead object
		release(obj, assistant.ErrDestroyed)
	}
	return obj
}

// listen attaches the window message listener. It accepts a message only when
// it comes from this iframe's window and from the Assistant origin; everything
// else is ignored silently.
func (m *mount) listen() error {
	f, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		e := arg(args, 0)
		src, err := e.Get("source")
		if err != nil {
			return nil
		}
		win, err := m.iframe.Get("contentWindow")
		if err != nil || win.IsNull() || !src.Equal(win) || str(e, "origin") != m.frame.Origin {
			return nil
		}
		data, _ := e.Get("data")
		b, err := JSONOf(data)
		if err != nil || len(b) == 0 {
			return nil
		}
		m.ctrl.Deliver(m.frame.Origin, b) // in order, never blocking this callback
		return nil
	})
	if err != nil {
		return browserErr("message listener", err)
	}
	if _, err := safejs.Global().Call("addEventListener", "message", f.Value()); err != nil {
		f.Release()
		return browserErr("addEventListener", err)
	}
	m.mu.Lock()
	m.listener, m.listening = f, true
	m.mu.Unlock()
	return nil
}

// post sends one message to the iframe with targetOrigin = the Assistant
// origin, never "*".
func (m *mount) post(msg []byte) error {
	win, err := m.iframe.Get("contentWindow")
	if err != nil || win.IsNull() || win.IsUndefined() {
		return fmt.Errorf("%w: the iframe has no window", assistant.ErrDestroyed)
	}
	v, err := parseJSON(msg)
	if err != nil {
		return err
	}
	if _, err = win.Call("postMessage", v, m.frame.Origin); err != nil {
		return browserErr("postMessage", err)
	}
	return nil
}

func (m *mount) reauth() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = m.ctrl.Reauth(ctx)
}

// sessionEnded runs on the session's goroutine: the controller stops at once
// (nothing is posted after it returns), "ended" is queued, and the frame is
// unloaded from a goroutine of its own, since this one must not call JS.
func (m *mount) sessionEnded(reason string) {
	u := assistant.EndOf(reason, m.ctrl.SessionEnded(reason))
	if u.Ended {
		m.ev.emit("ended", map[string]any{"reason": u.Reason})
	}
	err := fmt.Errorf("%w: %s", assistant.ErrEnded, reason)
	go m.unload(u, err)
}

// destroy is the page's destroy(): the frame is blanked and removed as at
// the end of the session, pending requests reject with ErrDestroyed.
func (m *mount) destroy() {
	m.ctrl.Destroy()
	m.unload(assistant.DestroyOf(true), assistant.ErrDestroyed)
}

// unload navigates the iframe to about:blank and removes it (per u), removes
// the listener and releases the assistant object: the page may keep it (its
// methods then reject with err), but Go holds nothing of this mount any more.
// Only the first call does anything.
func (m *mount) unload(u assistant.Unload, err error) {
	m.mu.Lock()
	if m.destroyed {
		m.mu.Unlock()
		return
	}
	m.destroyed = true
	f, listening, obj, js := m.listener, m.listening, m.obj, m.js
	m.listening = false
	m.mu.Unlock()
	m.seat.Close(err) // authenticate now fails with err
	m.ev.stop()       // delivers a queued "ended", then nothing more
	if listening {
		_, _ = safejs.Global().Call("removeEventListener", "message", f.Value())
		f.Release()
	}
	if !m.iframe.IsUndefined() {
		if u.Blank {
			_ = m.iframe.Set("src", assistant.BlankURL)
		}
		if u.Remove {
			_, _ = m.iframe.Call("remove")
		}
	}
	if js != nil {
		js.mu.Lock()
		delete(js.mounts, m)
		js.mu.Unlock()
	}
	release(obj, err)
}

// object is the assistant object mountAssistant resolves with.
func (m *mount) object() safejs.Value {
	o := newObject().
		set("iframe", m.iframe).
		set("origin", m.frame.Origin).
		getter("user", m.user)
	for _, p := range []struct {
		name string
		f    func(ctx context.Context, payload any) (json.RawMessage, error)
	}{
		{"createInteraction", m.ctrl.CreateInteraction},
		{"configureApp", m.ctrl.ConfigureApp},
		{"setInteractionOptions", m.ctrl.SetInteractionOptions},
		{"addFacts", m.ctrl.AddFacts},
	} {
		o.set(p.name, asyncMethod(p.name, withPayload(p.f)))
	}
	for _, n := range []struct {
		name string
		f    func(ctx context.Context) (json.RawMessage, error)
	}{
		{"startRecording", m.ctrl.StartRecording},
		{"stopRecording", m.ctrl.StopRecording},
		{"getStatus", m.ctrl.GetStatus},
		{"getTemplates", m.ctrl.GetTemplates},
	} {
		o.set(n.name, asyncMethod(n.name, noArgs(n.f)))
	}
	m.moreMethods(o)
	return o.
		set("request", asyncMethod("request", m.request)).
		set("authenticate", asyncMethod("authenticate", m.authenticateJS)).
		set("on", syncMethod("on", m.on)).
		set("destroy", syncMethod("destroy", func(*argReader) (any, error) { m.destroy(); return nil, nil })).v
}

func (m *mount) user() (any, error) {
	u, ok := m.ctrl.User()
	if !ok {
		return safejs.Null(), nil // not signed in yet (client.mountAssistant before authenticate)
	}
	return userJS(u), nil
}

// request(action, payload?) → Promise<payload>.
func (m *mount) request(a *argReader) func(context.Context) (any, error) {
	action, payload := a.nonEmpty(0, "takes (action, payload?)"), a.json(1)
	return func(ctx context.Context) (any, error) { return m.ctrl.Request(ctx, action, payload) }
}

// on(event | "*", fn) → unsubscribe.
func (m *mount) on(a *argReader) (any, error) {
	const usage = `takes (event name or "*", listener function)`
	name, fn := a.nonEmpty(0, usage), a.fn(1, usage)
	if a.err != nil {
		return nil, a.err
	}
	return m.ev.on(name, fn), nil
}

// withPayload is a method taking one optional JSON payload.
func withPayload(f func(ctx context.Context, payload any) (json.RawMessage, error)) func(*argReader) func(context.Context) (any, error) {
	return func(a *argReader) func(context.Context) (any, error) {
		p := a.json(0)
		return func(ctx context.Context) (any, error) { return f(ctx, p) }
	}
}

// noArgs is a method that ignores its arguments.
func noArgs(f func(ctx context.Context) (json.RawMessage, error)) func(*argReader) func(context.Context) (any, error) {
	return func(*argReader) func(context.Context) (any, error) {
		return func(ctx context.Context) (any, error) { return f(ctx) }
	}
}
