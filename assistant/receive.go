package assistant

import (
	"encoding/json"
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
// many ready repeats follow. Legacy deprecated events never count as ready.
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
	if m.Confidential {
		c.logf("assistant: event %s (confidential, %d bytes not logged)", m.Event, len(m.Payload))
	} else {
		c.logf("assistant: event %s %s", m.Event, truncate(m.Payload, 200))
	}
	if c.o.OnEvent != nil {
		c.o.OnEvent(m.Event, m.Confidential, m.Payload)
	}
}

func (c *Controller) onReady(m Message) {
	var first, reload bool
	var gen int
	c.mu.Lock()
	switch {
	case !c.isReady:
		c.isReady, first = true, true
		close(c.ready)
	case c.authAnswered && !c.reloading && c.stopErr == nil:
		c.reloading, reload = true, true
		c.reloadGen++
		gen = c.reloadGen
	}
	c.mu.Unlock()
	if !first && !reload {
		return
	}
	var p struct {
		Version json.RawMessage `json:"version"`
	}
	_ = json.Unmarshal(m.Payload, &p)
	if v, _ := str(p.Version); v != Version {
		c.logf("assistant: %s announces version %.40q, expected %s", EventReady, v, Version)
	}
	if reload {
		c.logf("assistant: the iframe reloaded; authenticating again")
		go c.reloadAuth(gen)
	}
}

func (c *Controller) reloadAuth(gen int) {
	u, err := c.authenticate(c.ctx)
	c.mu.Lock()
	if c.reloadGen == gen {
		c.reloading = false
	}
	c.mu.Unlock()
	c.reportAuth(u, err)
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
