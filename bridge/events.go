//go:build js && wasm

package bridge

import (
	"sync"

	"github.com/hack-pad/safejs"
)

// emitter delivers named events to JS listeners, in order, from its own
// goroutine: whoever emits (a session holding its state, a message handler)
// never calls JS and never waits for a listener.
type emitter struct {
	mu    sync.Mutex
	next  int
	subs  map[string]map[int]safejs.Value
	queue []queued
	wake  chan struct{}
	// remove is the Go function behind every unsubscribe closure.
	remove safejs.Value
	// stopping: deliver what is queued, then end the loop; later emits are dropped.
	stopping bool
}

type queued struct {
	name   string
	detail any // Go value (converted with ToJS), error (a CortiAuthError) or safejs.Value
}

func newEmitter() *emitter {
	e := &emitter{subs: map[string]map[int]safejs.Value{}, wake: make(chan struct{}, 1), remove: safejs.Undefined()}
	go e.loop()
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
	e.mu.Lock()
	if e.stopping {
		e.mu.Unlock()
		return
	}
	e.queue = append(e.queue, queued{name, detail})
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

// stop lets the loop deliver what is already queued (an "ended" event, say)
// and end; nothing emitted afterwards is delivered.
func (e *emitter) stop() {
	e.mu.Lock()
	e.stopping = true
	defer releaseFunc(e.remove) // unsubscribing from a stopped emitter does nothing
	e.mu.Unlock()
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *emitter) loop() {
	for range e.wake {
		for {
			e.mu.Lock()
			if len(e.queue) == 0 {
				done := e.stopping
				e.mu.Unlock()
				if done {
					return
				}
				break
			}
			q := e.queue[0]
			e.queue = e.queue[1:]
			var fns []safejs.Value
			for _, f := range e.subs[q.name] {
				fns = append(fns, f)
			}
			for _, f := range e.subs["*"] {
				fns = append(fns, f)
			}
			e.mu.Unlock()
			if len(fns) == 0 {
				continue
			}
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
	}
}
