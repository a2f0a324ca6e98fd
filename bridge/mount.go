//go:build js && wasm

package bridge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/token"
	"github.com/hack-pad/safejs"
)

// mount is one Corti Assistant iframe hosted for a session: the DOM side of an
// assistant.Controller.
type mount struct {
	js     *jsSession
	frame  assistant.Frame
	target safejs.Value
	iframe safejs.Value
	ctrl   *assistant.Controller
	ev     *emitter
	inbox  chan []byte

	mu        sync.Mutex
	listener  safejs.Func
	listening bool
	destroyed bool
}

type mountOptions struct {
	BaseURL          string  `json:"baseURL"`
	ReadyTimeoutMs   float64 `json:"readyTimeoutMs"`
	RequestTimeoutMs float64 `json:"requestTimeoutMs"`
	Title            string  `json:"title"`
}

// prepareMount checks the arguments of mountAssistant synchronously: target is
// an element or a selector that matches one (else invalid_config).
func (js *jsSession) prepareMount(target, opts safejs.Value) (*mount, error) {
	var o mountOptions
	if b, err := JSONOf(opts); err == nil && len(b) > 0 && string(b) != "null" {
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		if err := d.Decode(&o); err != nil {
			return nil, &auth.ConfigError{Key: "mountAssistant options", Reason: "expected {baseURL?, readyTimeoutMs?, requestTimeoutMs?, title?}: " + err.Error()}
		}
	}
	el, err := element(target)
	if err != nil {
		return nil, err
	}
	base := o.BaseURL
	if base == "" {
		base = js.cl.cfg.AssistantBaseURL
	}
	frame, err := assistant.NewFrame(base)
	if err != nil {
		return nil, err
	}
	if o.Title != "" {
		frame.Title = o.Title
	}
	m := &mount{js: js, frame: frame, target: el, ev: newEmitter(), inbox: make(chan []byte, 64)}
	ctrl, err := assistant.NewController(assistant.Options{
		Frame:            frame,
		Post:             m.post,
		Tokens:           tokenSource{js},
		IsServiceAccount: isServiceAccount,
		ReadyTimeout:     time.Duration(o.ReadyTimeoutMs * float64(time.Millisecond)),
		RequestTimeout:   time.Duration(o.RequestTimeoutMs * float64(time.Millisecond)),
		OnEvent: func(name string, _ bool, payload json.RawMessage) {
			// Confidential events carry clinical content: they go to the
			// listeners the host registered, and are never logged here.
			m.ev.emit(name, payload)
		},
		OnAuth: func(u assistant.User, err error) {
			if err != nil {
				m.ev.emit("error", err)
				return
			}
			m.ev.emit("auth", userJS(u))
		},
	})
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

func isServiceAccount(at string) bool {
	c, err := token.DecodeUnverified(at)
	// A token that cannot be decoded is not known to be a user's: never hand it on.
	return err != nil || c.IsServiceAccount
}

// tokenSource gives the controller the session's fresh tokens.
type tokenSource struct{ js *jsSession }

func (t tokenSource) Fresh(ctx context.Context) (*pkce.TokenResponse, time.Time, assistant.Profile, error) {
	if _, err := t.js.s.AccessToken(ctx); err != nil {
		return nil, time.Time{}, assistant.Profile{}, err
	}
	cur := t.js.s.Current()
	return cur.Response, cur.ExpiresAt, profile(cur.Response), nil
}

// profile is the Assistant's display profile: from the ID token, with what it
// lacks (an email outside the requested scopes, say) from the access token's
// claims — display only, never an authorization decision.
func profile(r *pkce.TokenResponse) assistant.Profile {
	var p assistant.Profile
	for _, raw := range []string{r.IDToken, r.AccessToken} {
		c, err := token.DecodeUnverified(raw)
		if raw == "" || err != nil {
			continue
		}
		if p.Sub == "" {
			p.Sub = c.Subject
		}
		if p.Name == "" {
			p.Name = c.Name
		}
		if p.Email == "" {
			p.Email = c.Email
		}
	}
	return p
}

func userJS(u assistant.User) map[string]any {
	return map[string]any{"id": u.ID, "email": u.Email, "name": u.Name}
}

// start creates the iframe (listener first, src last), waits for ready and the
// first auth, and resolves with the assistant object.
func (m *mount) start(ctx context.Context) (any, error) {
	if ended, reason := m.js.s.Ended(); ended {
		return nil, fmt.Errorf("%w: %s", assistant.ErrEnded, reason)
	}
	doc, err := safejs.Global().Get("document")
	if err != nil || doc.IsUndefined() {
		return nil, &auth.ConfigError{Key: "mountAssistant", Reason: "no document in this JS host"}
	}
	m.iframe, err = doc.Call("createElement", "iframe")
	if err != nil {
		return nil, browserErr("createElement", err)
	}
	for k, v := range map[string]string{"title": m.frame.Title, "sandbox": m.frame.Sandbox, "allow": m.frame.Allow} {
		if _, err := m.iframe.Call("setAttribute", k, v); err != nil {
			return nil, browserErr("setAttribute "+k, err)
		}
	}
	_, _ = m.iframe.Call("setAttribute", "class", "corti-assistant")
	if err := m.listen(); err != nil {
		return nil, err
	}
	go m.pump()
	if _, err := m.target.Call("appendChild", m.iframe); err != nil {
		m.destroy()
		return nil, browserErr("appendChild", err)
	}
	m.js.mu.Lock()
	m.js.mounts[m] = struct{}{}
	m.js.mu.Unlock()
	if err := m.iframe.Set("src", m.frame.Src); err != nil {
		m.destroy()
		return nil, browserErr("iframe.src", err)
	}
	if _, err := m.ctrl.Start(ctx); err != nil {
		m.destroy()
		return nil, err
	}
	return m.object(), nil
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
		select {
		case m.inbox <- b:
		default:
			go func() { m.inbox <- b }()
		}
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

// pump hands incoming messages to the controller outside the JS callback.
func (m *mount) pump() {
	for b := range m.inbox {
		if b == nil {
			return
		}
		m.ctrl.Receive(m.frame.Origin, b)
	}
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

func (m *mount) sessionEnded(reason string) {
	m.ctrl.SessionEnded(reason)
	m.ev.emit("ended", map[string]any{"reason": reason})
}

// destroy removes the iframe and the listener and rejects pending requests.
func (m *mount) destroy() {
	m.mu.Lock()
	if m.destroyed {
		m.mu.Unlock()
		return
	}
	m.destroyed = true
	f, listening := m.listener, m.listening
	m.listening = false
	m.mu.Unlock()
	m.ctrl.Destroy()
	m.ev.stop()
	if listening {
		_, _ = safejs.Global().Call("removeEventListener", "message", f.Value())
		f.Release()
	}
	if !m.iframe.IsUndefined() {
		_, _ = m.iframe.Call("remove")
	}
	m.js.mu.Lock()
	delete(m.js.mounts, m)
	m.js.mu.Unlock()
	select {
	case m.inbox <- nil:
	default:
		go func() { m.inbox <- nil }()
	}
}

func (m *mount) object() safejs.Value {
	call := func(fn func(ctx context.Context, args []safejs.Value) (json.RawMessage, error)) safejs.Value {
		return Func(func(args []safejs.Value) func(context.Context) (any, error) {
			return func(ctx context.Context) (any, error) {
				r, err := fn(ctx, args)
				if err != nil {
					return nil, err
				}
				return r, nil
			}
		})
	}
	payload := func(args []safejs.Value, i int) (any, error) {
		b, err := JSONOf(arg(args, i))
		if err != nil {
			return nil, &auth.ConfigError{Key: "payload", Reason: err.Error()}
		}
		if len(b) == 0 {
			return nil, nil
		}
		return json.RawMessage(b), nil
	}
	simple := func(f func(ctx context.Context, p any) (json.RawMessage, error)) safejs.Value {
		return call(func(ctx context.Context, args []safejs.Value) (json.RawMessage, error) {
			p, err := payload(args, 0)
			if err != nil {
				return nil, err
			}
			return f(ctx, p)
		})
	}
	return newObject().
		set("iframe", m.iframe).
		set("origin", m.frame.Origin).
		getter("user", func() (any, error) {
			u, ok := m.ctrl.User()
			if !ok {
				return nil, nil
			}
			return userJS(u), nil
		}).
		set("request", call(func(ctx context.Context, args []safejs.Value) (json.RawMessage, error) {
			action, ok := argString(args, 0, "")
			if !ok || action == "" {
				return nil, &auth.ConfigError{Key: "request", Reason: "takes (action, payload?)"}
			}
			p, err := payload(args, 1)
			if err != nil {
				return nil, err
			}
			return m.ctrl.Request(ctx, action, p)
		})).
		set("on", SyncFunc(func(args []safejs.Value) (any, error) {
			name, ok := argString(args, 0, "")
			fn := arg(args, 1)
			if !ok || name == "" || fn.Type() != safejs.TypeFunction {
				return nil, &auth.ConfigError{Key: "on", Reason: `takes (event name or "*", listener function)`}
			}
			return m.ev.on(name, fn), nil
		})).
		set("createInteraction", simple(m.ctrl.CreateInteraction)).
		set("configureApp", simple(m.ctrl.ConfigureApp)).
		set("setInteractionOptions", simple(m.ctrl.SetInteractionOptions)).
		set("addFacts", simple(m.ctrl.AddFacts)).
		set("navigate", call(func(ctx context.Context, args []safejs.Value) (json.RawMessage, error) {
			path, ok := argString(args, 0, "")
			if !ok || path == "" {
				return nil, &auth.ConfigError{Key: "navigate", Reason: "takes a path string"}
			}
			return m.ctrl.Navigate(ctx, path)
		})).
		set("startRecording", call(func(ctx context.Context, _ []safejs.Value) (json.RawMessage, error) {
			return m.ctrl.StartRecording(ctx)
		})).
		set("stopRecording", call(func(ctx context.Context, _ []safejs.Value) (json.RawMessage, error) { return m.ctrl.StopRecording(ctx) })).
		set("getStatus", call(func(ctx context.Context, _ []safejs.Value) (json.RawMessage, error) { return m.ctrl.GetStatus(ctx) })).
		set("getTemplates", call(func(ctx context.Context, _ []safejs.Value) (json.RawMessage, error) { return m.ctrl.GetTemplates(ctx) })).
		set("destroy", SyncFunc(func([]safejs.Value) (any, error) {
			m.destroy()
			return nil, nil
		})).v
}
