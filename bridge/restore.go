//go:build js && wasm

package bridge

import (
	"context"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/hack-pad/safejs"
)

// restore(opts?) → Promise<Session | null>: the steps of auth.PlanRestore in
// order — a sibling tab's session, a prompt=none authorization in a hidden
// iframe, a top-level prompt=none navigation — until one gives a session;
// null when none does. What each outcome means is auth's (SilentOutcome,
// SilentCSPBlock); this is the glue.
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
		plan, err := auth.PlanRestore(o, cl.cfg.ShareAcrossTabs)
		if err != nil {
			return nil, err
		}
		for _, step := range plan.Steps {
			switch step {
			case auth.StepSibling:
				if sib, ok := cl.askSiblings(ctx); ok {
					return cl.newSessionFrom(sib.Tokens, nil, "", &sib).object(), nil
				}
			case auth.StepSilent:
				s, err := cl.silentRestore(ctx, plan.Timeout)
				if err != nil {
					return nil, err
				}
				if s != nil {
					return s.object(), nil
				}
			case auth.StepRedirect:
				return cl.redirectRestore(ctx, plan.Timeout)
			}
		}
		return safejs.Null(), nil
	}
}

// silentRestore is the silent step: a hidden iframe loads a prompt=none
// authorize URL of its own pending login; the callback page on
// silentRedirectUri hands the callback to this window (bridge/handoff.go),
// and this tab exchanges it with handleCallback's checks. nil, nil: no
// session from this step (the provider needs the user, no answer within
// limit, the page's CSP blocked the iframe). The iframe is removed and the
// pending login deleted whatever happens.
func (cl *client) silentRestore(ctx context.Context, limit time.Duration) (*jsSession, error) {
	origin, err := auth.SilentOrigin(cl.cfg.SilentRedirectURI, locationOrigin())
	if err != nil {
		return nil, err
	}
	doc, err := safejs.Global().Get("document")
	if err != nil || doc.IsUndefined() || doc.IsNull() {
		return nil, &auth.ConfigError{Key: "restore", Reason: "no document in this JS host for the silent step's iframe"}
	}
	parent := mustGet(doc, "body")
	if parent.IsUndefined() || parent.IsNull() {
		parent = mustGet(doc, "documentElement")
	}
	az, err := cl.c.StartSilent()
	if err != nil {
		return nil, err
	}
	defer cl.c.Abandon(az.State) // taken by the exchange already, or deleted here
	iframe, err := doc.Call("createElement", "iframe")
	if err != nil {
		return nil, browserErr("createElement", err)
	}
	defer func() { _, _ = iframe.Call("remove") }()
	for k, v := range map[string]string{"title": "corti-auth silent sign-in", "aria-hidden": "true", "tabindex": "-1"} {
		if _, err := iframe.Call("setAttribute", k, v); err != nil {
			return nil, browserErr("setAttribute "+k, err)
		}
	}
	// Out of sight through the CSSOM: a style attribute would need style-src 'unsafe-inline' under a strict CSP.
	if st := mustGet(iframe, "style"); !st.IsUndefined() {
		for _, p := range [][2]string{{"position", "absolute"}, {"width", "0"}, {"height", "0"}, {"border", "0"}, {"visibility", "hidden"}} {
			_, _ = st.Call("setProperty", p[0], p[1])
		}
	}
	h := listenHandoff(origin, az.State, func() safejs.Value { return mustGet(iframe, "contentWindow") })
	defer h.close()
	csp := listenCSP(doc, az.URL, origin)
	defer csp.close()
	if _, err := parent.Call("appendChild", iframe); err != nil {
		return nil, browserErr("appendChild", err)
	}
	if err := iframe.Set("src", az.URL); err != nil {
		return nil, browserErr("iframe src", err)
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case u := <-h.C:
		h.close()
		csp.close()
		_, _ = iframe.Call("remove")
		// handleCallback's checks; the error never carries the code or state.
		res, err := cl.c.HandleCallbackAt(ctx, u, "", nil)
		switch auth.SilentOutcome(err) {
		case auth.RestoreDone:
			return cl.newSession(res.Tokens, res.ReceivedAt, nil, res.IDToken), nil
		case auth.RestoreNext:
			return nil, nil
		default:
			return nil, err
		}
	case msg := <-csp.C:
		console("error", msg)
		return nil, nil
	case <-timer.C:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// redirectRestore is the last step: a top-level prompt=none navigation to the
// provider, back on redirectUri, where handleCallback() resolves the session
// or rejects oauth_error login_required. The page is left; should the
// navigation not happen (the page cancelled it), the promise resolves null
// after limit (or when ctx ends), leaving the pending login to its TTL in case
// the navigation is only slow.
func (cl *client) redirectRestore(ctx context.Context, limit time.Duration) (any, error) {
	az, err := cl.c.StartRedirectRestore()
	if err != nil {
		return nil, err
	}
	if err := navigate(az.URL); err != nil {
		cl.c.Abandon(az.State)
		return nil, err
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
	return safejs.Null(), nil
}

// cspWatch receives the console message of the first securitypolicyviolation
// on the document that is the silent iframe being blocked.
type cspWatch struct {
	C    <-chan string
	stop func()
	once sync.Once
}

func listenCSP(doc safejs.Value, frameURL, callbackOrigin string) *cspWatch {
	c := make(chan string, 1)
	w := &cspWatch{C: c, stop: func() {}}
	var sent sync.Once
	f, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		ev := arg(args, 0)
		if msg, ok := auth.SilentCSPBlock(str(ev, "effectiveDirective"), str(ev, "blockedURI"), frameURL, callbackOrigin); ok {
			sent.Do(func() { c <- msg })
		}
		return nil
	})
	if err != nil {
		return w
	}
	if _, err := doc.Call("addEventListener", "securitypolicyviolation", f.Value()); err != nil {
		f.Release()
		return w
	}
	w.stop = func() {
		_, _ = doc.Call("removeEventListener", "securitypolicyviolation", f.Value())
		f.Release()
	}
	return w
}

func (w *cspWatch) close() { w.once.Do(w.stop) }
