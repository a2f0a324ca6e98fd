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
	"github.com/corti-auth/corti-auth/hub"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/hack-pad/safejs"
)

// mount is one Corti Assistant iframe: the DOM side of an
// assistant.Controller, and the hub.Frame of its hub.Mount, which signs it in
// with one session, from session.mountAssistant at once, or from
// client.mountAssistant when the page calls authenticate(session)
// (authenticate.go).
type mount struct {
	cl     *client
	hub    *hub.Mount // which session it signs in with
	frame  assistant.Frame
	target safejs.Value
	iframe safejs.Value
	ctrl   *assistant.Controller
	ev     *emitter

	mu            sync.Mutex
	stopListening func() // the window message listener's off (nil until listening)
	destroyed     bool
	srcSet        bool   // the iframe's src was set (setSrc)
	h             uint32 // the assistant object's handle, ended by the unload
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
		Warn:             func(msg string) { goSafe(nil, func() { console("warn", msg) }) }, // not on the caller's goroutine: it may hold the session
		ReadyTimeout:     o.ReadyTimeout,
		RequestTimeout:   o.RequestTimeout,
		OnEvent: func(name string, _ bool, payload json.RawMessage) {
			// Confidential events carry clinical content: they go to the
			// listeners the host registered, and are never logged here.
			m.ev.emit(name, payload)
		},
		// A clinician's action inside the Assistant (an event no request of
		// the page caused) is activity for idle sign-out (idle.go).
		OnActivity: func(string) {
			if js := m.session(); js != nil {
				js.noteActivity()
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
	m.hub = hub.NewMount(ctrl, m)
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

// Report is the assistant's "error" event (hub.Frame).
func (m *mount) Report(err error) { m.ev.emit("error", err) }

// Create makes the iframe (listener first, src last): it starts loading at
// once, signed in with no session yet.
func (m *mount) Create() error {
	doc, err := safejs.Global().Get("document")
	if err != nil || doc.IsUndefined() {
		return &auth.ConfigError{Key: "mountAssistant", Reason: "no document in this JS host"}
	}
	m.iframe, err = doc.Call("createElement", "iframe")
	if err != nil {
		return browserErr("createElement", err)
	}
	for k, v := range map[string]string{"title": m.frame.Title, "sandbox": m.frame.Sandbox, "allow": m.frame.Allow,
		"referrerpolicy": m.frame.ReferrerPolicy} {
		if _, err := m.iframe.Call("setAttribute", k, v); err != nil {
			return browserErr("setAttribute "+k, err)
		}
	}
	_, _ = m.iframe.Call("setAttribute", "class", "corti-assistant")
	if err := m.listen(); err != nil {
		return err
	}
	if _, err := m.target.Call("appendChild", m.iframe); err != nil {
		m.Destroy()
		return browserErr("appendChild", err)
	}
	if addressHasCallback() {
		// An early mount on the callback page: the frame loads once
		// handleCallback() has cleaned the code and state out of the address
		// (replaceAddress), or at authenticate() — never with them in its
		// Referer, whatever the page's referrer policy and the engine's support
		// of the iframe's referrerpolicy (WebKit sends the page's whole address
		// under a page-wide unsafe-url policy regardless).
		whenAddressClean(func() { _ = m.Load() })
		return nil
	}
	if err := m.Load(); err != nil {
		m.Destroy()
		return err
	}
	return nil
}

// Load starts the frame loading (once; not after the unload).
func (m *mount) Load() error {
	m.mu.Lock()
	if m.srcSet || m.destroyed {
		m.mu.Unlock()
		return nil
	}
	m.srcSet = true
	m.mu.Unlock()
	if err := m.iframe.Set("src", m.frame.Src); err != nil {
		return browserErr("iframe.src", err)
	}
	return nil
}

// The frames waiting for a clean address bar (an early mount on the callback
// page), started by replaceAddress.
var cleanWait struct {
	mu  sync.Mutex
	fns []func()
}

// addressHasCallback reports whether the address bar holds an authorization
// response (code, state, …).
func addressHasCallback() bool {
	href := locationHref()
	return href != "" && auth.CleanCallbackURL(href) != href
}

// whenAddressClean runs f once the address bar holds no authorization
// response (replaceAddress calls addressCleaned).
func whenAddressClean(f func()) {
	cleanWait.mu.Lock()
	cleanWait.fns = append(cleanWait.fns, f)
	cleanWait.mu.Unlock()
}

// addressCleaned runs the functions waiting for a clean address, if it is.
func addressCleaned() {
	if addressHasCallback() {
		return
	}
	cleanWait.mu.Lock()
	fns := cleanWait.fns
	cleanWait.fns = nil
	cleanWait.mu.Unlock()
	for _, f := range fns {
		f()
	}
}

// publish makes the assistant object the page gets.
func (m *mount) publish() safejs.Value {
	obj, h := m.object()
	m.ev.to(h)
	m.mu.Lock()
	destroyed := m.destroyed
	m.h = h
	m.mu.Unlock()
	if destroyed { // destroyed meanwhile (the session closed, say): hand out a dead object
		end(h, assistant.ErrDestroyed)
		letGo(h)
	}
	return obj
}

// listen attaches the window message listener. It accepts a message only when
// it comes from this iframe's window and from the Assistant origin; everything
// else is ignored silently.
func (m *mount) listen() error {
	off, err := on(safejs.Global(), "message", "mount.message", m.Report, nil, func(e safejs.Value) {
		src, err := e.Get("source")
		if err != nil {
			return
		}
		win, err := m.iframe.Get("contentWindow")
		if err != nil || win.IsNull() || !src.Equal(win) || str(e, "origin") != m.frame.Origin {
			return
		}
		data, _ := e.Get("data")
		b, err := JSONOf(data)
		if err != nil || len(b) == 0 {
			return
		}
		m.ctrl.Deliver(m.frame.Origin, b) // in order, never blocking this callback
	})
	if err != nil {
		return browserErr("message listener", err)
	}
	m.mu.Lock()
	m.stopListening = off
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

// End runs on the session's goroutine: the controller stops at once
// (nothing is posted after it returns), "ended" is queued, and the frame is
// unloaded from a goroutine of its own, since this one must not call JS.
func (m *mount) End(reason string) {
	u := assistant.EndOf(reason, m.ctrl.SessionEnded(reason))
	if u.Ended {
		m.ev.emit("ended", map[string]any{"reason": u.Reason})
	}
	err := fmt.Errorf("%w: %s", assistant.ErrEnded, reason)
	goSafe(reportInternal, func() { m.unload(u, err) })
}

// Destroy is the page's destroy(): the frame is blanked and removed as at
// the end of the session, pending requests reject with ErrDestroyed.
func (m *mount) Destroy() {
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
	stop, h := m.stopListening, m.h
	m.stopListening = nil
	m.mu.Unlock()
	m.hub.Unloaded(err) // authenticate now fails with err; the session forgets it
	// Delivers a queued "ended", then nothing more; only then may the object
	// go with the page (a listener kept without it hears "ended").
	m.ev.stopThen(func() { letGo(h) })
	if stop != nil {
		stop()
	}
	if !m.iframe.IsUndefined() {
		if u.Blank {
			_ = m.iframe.Set("src", assistant.BlankURL)
		}
		if u.Remove {
			_, _ = m.iframe.Call("remove")
		}
	}
	end(h, err)
}

// object is the assistant object mountAssistant resolves with, and its handle.
func (m *mount) object() (safejs.Value, uint32) {
	ms := methods{
		"user":             {get: m.user},
		"visible":          {get: m.visible},
		"navigate":         {async: m.rawArg(m.ctrl.NavigateTo)},
		"setCredentials":   {async: m.rawArg(m.ctrl.SetCredentials)},
		"showDeviceLinkQR": {async: m.showDeviceLinkQR},
		"show":             {sync: func(*argReader) (any, error) { return nil, m.setVisible(true) }},
		"hide":             {sync: func(*argReader) (any, error) { return nil, m.setVisible(false) }},
		"request":          {async: m.request},
		"authenticate":     {async: m.authenticateJS},
		"on":               {sync: m.on},
		"destroy":          {sync: func(*argReader) (any, error) { m.Destroy(); return nil, nil }},
		// Typed v1 requests: one optional JSON payload, or none.
		"createInteraction":     {async: withPayload(m.ctrl.CreateInteraction)},
		"configureApp":          {async: withPayload(m.ctrl.ConfigureApp)},
		"setInteractionOptions": {async: withPayload(m.ctrl.SetInteractionOptions)},
		"addFacts":              {async: withPayload(m.ctrl.AddFacts)},
		"startRecording":        {async: noArgs(m.ctrl.StartRecording)},
		"stopRecording":         {async: noArgs(m.ctrl.StopRecording)},
		"getStatus":             {async: noArgs(m.ctrl.GetStatus)},
		"getTemplates":          {async: noArgs(m.ctrl.GetTemplates)},
	}
	return publish("Assistant", m, ms, map[string]any{"iframe": m.iframe, "origin": m.frame.Origin})
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

// on(event | "*", fn): the loader adds the listener once this accepts them.
func (m *mount) on(a *argReader) (any, error) {
	const usage = `takes (event name or "*", listener function)`
	a.nonEmpty(0, usage)
	a.fn(1, usage)
	return nil, a.err
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

// showDeviceLinkQR({ shareRefreshToken? }?): the refresh token goes to the
// Assistant only with assistantRefreshes or shareRefreshToken: true (package
// assistant decides).
func (m *mount) showDeviceLinkQR(a *argReader) func(context.Context) (any, error) {
	share := false
	if v := a.value(0); v.Type() == safejs.TypeObject && !v.IsNull() {
		if s := mustGet(v, "shareRefreshToken"); s.Type() == safejs.TypeBoolean {
			share, _ = s.Bool()
		}
	}
	return func(ctx context.Context) (any, error) { return m.ctrl.ShowDeviceLinkQR(ctx, share) }
}

// rawArg is a method taking one JSON argument, handed over as it is (nil when
// absent: the method refuses it).
func (m *mount) rawArg(f func(ctx context.Context, arg json.RawMessage) (json.RawMessage, error)) func(*argReader) func(context.Context) (any, error) {
	return func(a *argReader) func(context.Context) (any, error) {
		raw, _ := a.json(0).(json.RawMessage)
		return func(ctx context.Context) (any, error) { return f(ctx, raw) }
	}
}

// setVisible is show() / hide(): the iframe's display, as the component
// styles its iframe (assistant.Display).
func (m *mount) setVisible(v bool) error {
	style, err := m.iframe.Get("style")
	if err != nil {
		return browserErr("iframe.style", err)
	}
	if err := style.Set("display", assistant.Display(v)); err != nil {
		return browserErr("iframe.style.display", err)
	}
	return nil
}

// visible is false after hide() (the iframe's display is "none"), else true.
func (m *mount) visible() (any, error) {
	style, err := m.iframe.Get("style")
	if err != nil || style.IsUndefined() {
		return true, nil
	}
	return str(style, "display") != assistant.Display(false), nil
}
