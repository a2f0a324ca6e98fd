//go:build js && wasm

package bridge

import (
	"sync"

	"github.com/corti-auth/corti-auth/internal/serial"
	"github.com/hack-pad/safejs"
)

// emitter delivers named events to the JS listeners of one object (the
// loader's emit: the listeners live in JS), in order, from its own goroutine:
// whoever emits (a session holding its state, a message handler) never calls
// JS and never waits for a listener. Events delivered before the object is
// published (target) reach no listener, as no page could have added one.
type emitter struct {
	mu     sync.Mutex
	target uint32 // the handle of the object whose listeners get the events (0: none yet)
	// q delivers the emitted events in order (stop drains it: what is queued
	// is delivered, later emits are dropped).
	q *serial.Queue[queued]
}

type queued struct {
	name   string
	detail any    // Go value (converted with ToJS), error (a CortiAuthError) or safejs.Value
	then   func() // instead of an event: runs in its turn (stopThen)
}

func newEmitter() *emitter {
	e := &emitter{}
	e.q = serial.New(e.dispatch)
	return e
}

// to sets the object whose listeners get the events.
func (e *emitter) to(h uint32) {
	e.mu.Lock()
	e.target = h
	e.mu.Unlock()
}

func (e *emitter) emit(name string, detail any) {
	e.q.Push(queued{name: name, detail: detail})
}

// stop lets the queue deliver what is already queued (an "ended" event, say)
// and end; nothing emitted afterwards is delivered.
func (e *emitter) stop() { e.q.Drain() }

// stopThen is stop, with then run once what is queued has been delivered.
// On an emitter already stopped, then does not run: the first stop's then
// (the same letGo, wherever it is called) comes after what it queued.
func (e *emitter) stopThen(then func()) {
	e.q.Push(queued{then: then})
	e.q.Drain()
}

// dispatch delivers one event to the target's listeners (of its name, then
// of "*", as they are when its turn comes).
func (e *emitter) dispatch(q queued) {
	if q.then != nil {
		defer recovered(reportInternal)
		q.then()
		return
	}
	e.mu.Lock()
	target := e.target
	e.mu.Unlock()
	if target != 0 {
		e.deliver(q, target)
	}
}

// deliver hands q to the target's listeners. A panic is recovered: it becomes an
// "error" event (code internal) on this emitter, unless it happened while
// delivering such an error (then a console line: no loop of errors), and the
// queue goes on with the next event.
func (e *emitter) deliver(q queued, target uint32) {
	defer recovered(func(err error) {
		if d, ok := q.detail.(error); ok && isPanic(d) {
			console("error", "corti-auth: internal error:", err.Error())
			return
		}
		e.emit("error", err)
	})
	hook("events.loop")
	var detail safejs.Value
	switch d := q.detail.(type) {
	case error:
		detail = ErrorValue(d)
	default:
		detail, _ = ToJS(d)
	}
	_, _ = rt.emit.Invoke(target, q.name, detail) // a listener that throws is logged there
}
