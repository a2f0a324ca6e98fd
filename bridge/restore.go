//go:build js && wasm

package bridge

import (
	"context"
	"sync"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/session"
	"github.com/hack-pad/safejs"
)

// restore(opts?) → Promise<Session | null>: auth.Client.Restore's flow, here
// its ports — the sibling tabs, the hidden iframe (iframe below), the
// navigation, the console — and the session it gives as a JS object.
func (cl *client) restore(a *argReader) func(context.Context) (any, error) {
	b, jerr := JSONOf(a.value(0))
	return func(ctx context.Context) (any, error) {
		if jerr != nil {
			return nil, &auth.ConfigError{Key: "restore options", Reason: jerr.Error()}
		}
		o, err := auth.ParseRestoreOptions(b)
		if err != nil {
			return nil, err
		}
		r, err := cl.c.Restore(ctx, o, auth.RestorePorts{
			PageOrigin: locationOrigin(),
			Siblings:   func(ctx context.Context) (session.Sibling, bool) { return cl.askSiblings(ctx) },
			NewFrame:   newIframe,
			Navigate:   navigate,
			Console:    func(level, msg string) { console(level, msg) },
		})
		switch {
		case err != nil:
			return nil, err
		case r.Sibling != nil:
			return cl.newSessionFrom(r.Sibling.Tokens, nil, "", r.Sibling).object(), nil
		case r.Callback != nil:
			return cl.newSession(r.Callback.Tokens, r.Callback.ReceivedAt, nil, r.Callback.IDToken).object(), nil
		}
		return safejs.Null(), nil
	}
}

// iframe is the silent step's hidden iframe (auth.Frame).
type iframe struct {
	doc, parent, el safejs.Value

	mu    sync.Mutex
	stops []func()
	once  sync.Once
}

// newIframe makes the hidden iframe, out of sight and out of the tab order.
func newIframe() (auth.Frame, error) {
	doc, err := safejs.Global().Get("document")
	if err != nil || doc.IsUndefined() || doc.IsNull() {
		return nil, &auth.ConfigError{Key: "restore", Reason: "no document in this JS host for the silent step's iframe"}
	}
	parent := mustGet(doc, "body")
	if parent.IsUndefined() || parent.IsNull() {
		parent = mustGet(doc, "documentElement")
	}
	el, err := doc.Call("createElement", "iframe")
	if err != nil {
		return nil, browserErr("createElement", err)
	}
	for k, v := range map[string]string{"title": "corti-auth silent sign-in", "aria-hidden": "true", "tabindex": "-1"} {
		if _, err := el.Call("setAttribute", k, v); err != nil {
			return nil, browserErr("setAttribute "+k, err)
		}
	}
	// Out of sight through the CSSOM: a style attribute would need style-src 'unsafe-inline' under a strict CSP.
	if st := mustGet(el, "style"); !st.IsUndefined() {
		for _, p := range [][2]string{{"position", "absolute"}, {"width", "0"}, {"height", "0"}, {"border", "0"}, {"visibility", "hidden"}} {
			_, _ = st.Call("setProperty", p[0], p[1])
		}
	}
	return &iframe{doc: doc, parent: parent, el: el}, nil
}

func (f *iframe) Load(url, origin, state string, violation func(dir, uri string)) (<-chan string, error) {
	h := listenHandoff(origin, state, func() safejs.Value { return mustGet(f.el, "contentWindow") })
	f.add(h.close)
	f.add(listenCSP(f.doc, violation))
	if _, err := f.parent.Call("appendChild", f.el); err != nil {
		return nil, browserErr("appendChild", err)
	}
	if err := f.el.Set("src", url); err != nil {
		return nil, browserErr("iframe src", err)
	}
	return h.C, nil
}

func (f *iframe) add(stop func()) {
	f.mu.Lock()
	f.stops = append(f.stops, stop)
	f.mu.Unlock()
}

func (f *iframe) Close() {
	f.once.Do(func() {
		f.mu.Lock()
		stops := f.stops
		f.mu.Unlock()
		for _, s := range stops {
			s()
		}
		_, _ = f.el.Call("remove")
	})
}

// listenCSP passes each securitypolicyviolation on doc to violation; the
// returned func stops listening.
func listenCSP(doc safejs.Value, violation func(dir, uri string)) (stop func()) {
	stop, _ = on(doc, "securitypolicyviolation", "restore.csp", reportInternal, nil, func(ev safejs.Value) {
		violation(str(ev, "effectiveDirective"), str(ev, "blockedURI"))
	})
	return stop
}
