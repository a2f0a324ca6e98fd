//go:build js && wasm

package bridge

import (
	"sync"

	"github.com/corti-auth/corti-auth/internal/serial"
	"github.com/hack-pad/safejs"
)

// emitter delivers named events to JS listeners, in order, from its own
// goroutine: whoever emits (a session holding its state, a message handler)
// never calls JS and never waits for a listener.
type emitter struct {
	mu   sync.Mutex
	next int
	subs map[string]map[int]safejs.Value
	// q delivers the emitted events in order (stop drains it: what is queued
	// is delivered, later emits are dropped).
	q *serial.Queue[queued]
	// remove is the Go function behind every unsubscribe closure.
	remove safejs.Value
}

type queued struct {
	name   string
	detail any // Go value (converted with ToJS), error (a CortiAuthError) or safejs.Value
}

func newEmitter() *emitter {
	e := &emitter{subs: map[string]map[int]safejs.Value{}, remove: safejs.Undefined()}
	e.q = serial.New(e.dispatch)
	return e
}

// on adds a listener and returns a JS function that removes it. That function
// is a JS closure around the emitter's one Go remover, so calling it twice (or
// never) neither reaches a released Go function nor leaks one.
func (e *emitter) on(name string, fn safejs.Value) safejs.Value {
	e.mu.Lock()
	e.next++
	id := e.next
	if e.subs[name] == nil {
		e.subs[name] = map[int]safejs.Value{}
	}
	e.subs[name][id] = fn
	if e.remove.Type() != safejs.TypeFunction {
		e.remove = keep(func(_ safejs.Value, args []safejs.Value) any {
			n, _ := arg(args, 0).String()
			i, _ := arg(args, 1).Int()
			e.mu.Lock()
			delete(e.subs[n], i)
			e.mu.Unlock()
			return nil
		})
	}
	remove := e.remove
	e.mu.Unlock()
	off, err := rt.once.Invoke(remove, name, id)
	if err != nil {
		return safejs.Undefined()
	}
	return off
}

func (e *emitter) emit(name string, detail any) {
	e.q.Push(queued{name, detail})
}

// stop lets the queue deliver what is already queued (an "ended" event, say)
// and end; nothing emitted afterwards is delivered.
func (e *emitter) stop() {
	e.mu.Lock()
	defer releaseFunc(e.remove) // unsubscribing from a stopped emitter does nothing
	e.mu.Unlock()
	e.q.Drain()
}

// dispatch delivers one event to the listeners of its name and of "*", as
// they are when its turn comes.
func (e *emitter) dispatch(q queued) {
	e.mu.Lock()
	var fns []safejs.Value
	for _, f := range e.subs[q.name] {
		fns = append(fns, f)
	}
	for _, f := range e.subs["*"] {
		fns = append(fns, f)
	}
	e.mu.Unlock()
	if len(fns) > 0 {
		e.deliver(q, fns)
	}
}

// deliver calls the listeners fns with q. A panic is recovered: it becomes an
// "error" event (code internal) on this emitter, unless it happened while
// delivering such an error (then a console line: no loop of errors), and the
// queue goes on with the next event.
func (e *emitter) deliver(q queued, fns []safejs.Value) {
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
	for _, f := range fns {
		if _, err := f.Invoke(detail, q.name); err != nil {
			console("error", "corti-auth: a "+q.name+" listener threw:", jsErrorValue(err))
		}
	}
}
