package assistant

import (
	"fmt"
	"sync"

	"github.com/corti-auth/corti-auth/internal/fault"
)

// MaxQueuedBytes bounds the messages Deliver holds for Receive: a burst past
// it (an iframe flooding the host faster than Go gets to run) is dropped, with
// a debug line, rather than growing memory without limit.
const MaxQueuedBytes = 8 << 20

// inbox is the FIFO between Deliver and Receive. One drain goroutine runs
// while it holds messages and ends when it is empty, so an idle or destroyed
// controller keeps no goroutine.
type inbox struct {
	mu       sync.Mutex
	q        []inMsg
	bytes    int
	draining bool
	closed   bool // Destroy: drop what is queued and what comes
	max      int  // 0 → MaxQueuedBytes; tests set less
}

type inMsg struct {
	origin string
	data   []byte
}

// Deliver queues one message for Receive and returns at once: the bridge calls
// it from the JS message listener, which must not block. Messages reach
// Receive one at a time, in the order Deliver got them; after Destroy they are
// dropped.
func (c *Controller) Deliver(origin string, data []byte) {
	in := &c.in
	in.mu.Lock()
	if in.closed {
		in.mu.Unlock()
		return
	}
	limit := in.max
	if limit == 0 {
		limit = MaxQueuedBytes
	}
	if in.bytes+len(data) > limit {
		queued := in.bytes
		in.mu.Unlock()
		c.logf("assistant: dropped a message of %d bytes: %d bytes already queued", len(data), queued)
		return
	}
	in.q = append(in.q, inMsg{origin, data})
	in.bytes += len(data)
	start := !in.draining
	in.draining = true
	in.mu.Unlock()
	if start {
		go c.drain()
	}
}

func (c *Controller) drain() {
	in := &c.in
	for {
		in.mu.Lock()
		if len(in.q) == 0 || in.closed {
			in.q, in.bytes, in.draining = nil, 0, false
			in.mu.Unlock()
			return
		}
		m := in.q[0]
		in.q[0] = inMsg{}
		in.q = in.q[1:]
		in.bytes -= len(m.data)
		in.mu.Unlock()
		c.receiveSafe(m)
	}
}

// receiveSafe is Receive for the drain goroutine: a panic (in OnEvent, say)
// is recovered and handed to OnError as an error wrapping fault.ErrPanic
// (code "internal"); the drain goes on with the next message.
func (c *Controller) receiveSafe(m inMsg) {
	defer c.recovered("receiving a message")
	c.Receive(m.origin, m.data)
}

// recovered is deferred directly by the controller's goroutines: it recovers
// a panic and reports it to OnError (a panicking OnError is dropped).
func (c *Controller) recovered(what string) {
	if r := recover(); r != nil {
		defer func() { _ = recover() }()
		c.reportError(fmt.Errorf("%w: assistant: %s: %v", fault.ErrPanic, what, r))
	}
}

// closeInbox drops what is queued; the drain goroutine, if any, ends at its
// next message.
func (c *Controller) closeInbox() {
	c.in.mu.Lock()
	c.in.closed = true
	c.in.q, c.in.bytes = nil, 0
	c.in.mu.Unlock()
}
