//go:build js && wasm

package bridge

import (
	"context"
	"encoding/json"

	"github.com/corti-auth/corti-auth/assistant"
)

// The typed methods of the rest of v1 on the assistant object (issue 15 §5):
// glue only, the arguments are read in package assistant.

// moreMethods adds navigate(path | {path}), setCredentials({password}),
// showDeviceLinkQR(), show(), hide() and the visible getter to o.
func (m *mount) moreMethods(o object) object {
	return o.
		set("navigate", asyncMethod("navigate", m.rawArg(m.ctrl.NavigateTo))).
		set("setCredentials", asyncMethod("setCredentials", m.rawArg(m.ctrl.SetCredentials))).
		set("showDeviceLinkQR", asyncMethod("showDeviceLinkQR", noArgs(m.ctrl.ShowDeviceLinkQR))).
		set("show", syncMethod("show", func(*argReader) (any, error) { return nil, m.setVisible(true) })).
		set("hide", syncMethod("hide", func(*argReader) (any, error) { return nil, m.setVisible(false) })).
		getter("visible", m.visible)
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
