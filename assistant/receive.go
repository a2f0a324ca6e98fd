package assistant

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Receive handles one message from the iframe: data is the JSON text of
// event.data, origin is event.origin. The bridge has already checked that the
// message comes from this iframe's window; Receive ignores, silently but for a
// debug line, a message from another origin than Frame.Origin, one it cannot
// parse, and everything after Destroy.
//
// The first embedded.ready marks readiness; repeats before the first auth
// response are harmless. An embedded.ready after an auth response means the
// iframe reloaded and lost its session: it is authenticated again, once however
// many ready repeats follow, and at most ReloadLimit times per ReloadWindow.
// Legacy deprecated events never count as ready. A ready announcing another
// version than v1, and every error.triggered event, also go to OnError as an
// *Error.
// A response resolves the pending request with its requestId; others are
// ignored. Every event goes to OnEvent. After Destroy or SessionEnded every
// message is dropped.
func (c *Controller) Receive(origin string, data []byte) {
	if origin != c.o.Frame.Origin {
		c.logf("assistant: ignored a message from origin %q", origin)
		return
	}
	c.mu.Lock()
	stopped := c.stopErr != nil // destroyed, or the session ended: the frame is unloaded
	c.mu.Unlock()
	if stopped {
		return
	}
	m, err := ParseMessage(data)
	if err != nil {
		// Never the message itself: it may hold clinical content.
		c.logf("assistant: ignored an unknown message of %d bytes", len(data))
		return
	}
	switch m.Kind {
	case KindResponse:
		c.resolve(m)
	case KindEvent:
		c.event(m)
	}
}

func (c *Controller) resolve(m Message) {
	c.mu.Lock()
	p := c.pending[m.RequestID]
	if p == nil {
		c.mu.Unlock()
		c.logf("assistant: ignored a response to %s with unknown requestId %q", m.Action, m.RequestID)
		return
	}
	delete(c.pending, m.RequestID)
	c.noteRequestLocked()
	if p.action == "auth" {
		// Set here, in message order: a ready the iframe posted before it
		// handled our auth arrives before this response.
		c.authAnswered = true
		c.reloading = false
	}
	c.mu.Unlock()
	p.ch <- result{msg: m}
}

func (c *Controller) event(m Message) {
	if m.Event == EventReady && !m.Deprecated {
		c.onReady(m)
	}
	if m.Event == EventError && !m.Deprecated {
		c.reportError(TriggeredError(m.Payload))
	}
	if m.Confidential {
		c.logf("assistant: event %s (confidential, %d bytes not logged)", m.Event, len(m.Payload))
	} else {
		c.logf("assistant: event %s %s", m.Event, truncate(m.Payload, 200))
	}
	if c.o.OnEvent != nil {
		c.o.OnEvent(m.Event, m.Confidential, m.Payload)
	}
	if c.o.OnActivity != nil && c.clinicianEvent(m.Event) {
		c.o.OnActivity(m.Event)
	}
}

func (c *Controller) onReady(m Message) {
	var first, reload, limited bool
	var gen int
	c.mu.Lock()
	switch {
	case !c.isReady:
		c.isReady, first = true, true
		close(c.ready)
	case c.authAnswered && !c.reloading && c.stopErr == nil:
		if c.reloads.allow(c.o.Clock.Mono()) {
			c.reloading, reload = true, true
			c.authed = "" // the reloaded frame holds no token
			c.reloadGen++
			gen = c.reloadGen
		} else {
			limited = c.reloads.report()
		}
	}
	c.mu.Unlock()
	if limited {
		c.logf("assistant: %s after auth more than %d times in %s; not authenticating again", EventReady, ReloadLimit, ReloadWindow)
		c.reportError(&Error{Event: EventReady, Code: CodeReloadLimit, Message: fmt.Sprintf(
			"the Assistant announced %s more than %d times within %s after it was authenticated; it is not authenticated again before that window has room (a faulty or looping frame?)",
			EventReady, ReloadLimit, ReloadWindow)})
	}
	if !first && !reload {
		return
	}
	if err := ReadyVersionError(m.Payload); err != nil {
		c.logf("%v", err)
		c.reportError(err)
	} else if v := readyVersion(m.Payload); v != Version {
		c.logf("assistant: %s announces no version, expected %s", EventReady, Version)
	}
	if reload {
		c.logf("assistant: the iframe reloaded; authenticating again")
		go c.reloadAuth(gen)
	}
}

// Reload limits: an embedded.ready after an auth (a reloaded iframe) is
// answered with auth at most once per ready, and at most ReloadLimit times
// within ReloadWindow; a frame that asks for more is reported once
// (CodeReloadLimit) and not answered until the window has room again.
const (
	ReloadLimit  = 3
	ReloadWindow = time.Minute
)

// reloadBudget counts the reload auths of the last ReloadWindow.
type reloadBudget struct {
	at       []time.Duration // Clock.Mono of each reload auth in the window
	reported bool            // the limit was reported since the last allowed reload
}

func (b *reloadBudget) allow(now time.Duration) bool {
	keep := b.at[:0]
	for _, t := range b.at {
		if now-t < ReloadWindow {
			keep = append(keep, t)
		}
	}
	b.at = keep
	if len(b.at) >= ReloadLimit {
		return false
	}
	b.at = append(b.at, now)
	b.reported = false
	return true
}

// report tells whether a refused reload is the first since the last allowed one.
func (b *reloadBudget) report() bool {
	first := !b.reported
	b.reported = true
	return first
}

func readyVersion(payload json.RawMessage) string {
	v, _ := str(member(payload, "version"))
	return v
}

// ReadyVersionError is the error the component raises for an embedded.ready
// whose payload.version is a string other than v1 (Code CodeVersionMismatch);
// nil when it is v1 or absent (the docs' ready carries none).
func ReadyVersionError(payload json.RawMessage) *Error {
	v, ok := str(member(payload, "version"))
	if !ok || v == Version {
		return nil
	}
	return &Error{Event: EventReady, Code: CodeVersionMismatch, Message: fmt.Sprintf(
		"protocol version mismatch: the host speaks %q, the Assistant announced %.40q; some features may not work", Version, v)}
}

// TriggeredError is the error of an error.triggered event, read as the
// component reads it: message from payload.message (a string), else the
// payload itself when it is a string, else a generic text; Code from
// payload.code when it is a string; Details the payload.
func TriggeredError(payload json.RawMessage) *Error {
	e := &Error{Event: EventError, Message: "the Assistant reported an error", Details: nonNull(payload)}
	if s, ok := str(payload); ok && s != "" {
		e.Message = s
		return e
	}
	if len(payload) > 0 && payload[0] == '{' {
		if o, err := members(payload); err == nil {
			if s, ok := str(o["message"]); ok && s != "" {
				e.Message = s
			}
			e.Code, _ = str(o["code"])
		}
	}
	return e
}

// reportError hands an error the iframe reported to OnError.
func (c *Controller) reportError(err error) {
	if c.o.OnError != nil {
		c.o.OnError(err)
	}
}

func (c *Controller) reloadAuth(gen int) {
	defer c.recovered("authenticating after a reload")
	u, err := c.authenticate(c.ctx)
	c.mu.Lock()
	if c.reloadGen == gen {
		c.reloading = false
	}
	c.mu.Unlock()
	if errors.Is(err, errHeld) { // an auth queued before this one already gave the new document the token
		return
	}
	c.reportAuth(u, err)
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
