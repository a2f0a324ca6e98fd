// Package serial delivers values in the order they were pushed, one at a time,
// on a goroutine of its own: whoever pushes (a session holding its state, a
// JS callback) never waits for the delivery and never runs it.
package serial

import "sync"

// Queue is one ordered delivery. Make it with New.
type Queue[T any] struct {
	mu       sync.Mutex
	items    []T
	wake     chan struct{}
	draining bool // deliver what is queued, then end; later pushes dropped
	closed   bool // end now; what is queued is dropped
}

// New starts a queue whose goroutine calls deliver with each pushed value, in
// order. A panic in deliver is deliver's own to recover (the callers wrap it):
// an unrecovered one ends the program, as anywhere in Go.
func New[T any](deliver func(T)) *Queue[T] {
	q := &Queue[T]{wake: make(chan struct{}, 1)}
	go q.run(deliver)
	return q
}

// Push queues v; it reports false (and drops v) once the queue is draining or
// closed.
func (q *Queue[T]) Push(v T) bool {
	q.mu.Lock()
	if q.draining || q.closed {
		q.mu.Unlock()
		return false
	}
	q.items = append(q.items, v)
	q.mu.Unlock()
	q.signal()
	return true
}

// Drain lets the goroutine deliver what is already queued and end; nothing
// pushed afterwards is delivered.
func (q *Queue[T]) Drain() {
	q.mu.Lock()
	q.draining = true
	q.mu.Unlock()
	q.signal()
}

// Close ends the goroutine at once: what is queued and not yet delivered is
// dropped (a value being delivered finishes).
func (q *Queue[T]) Close() {
	q.mu.Lock()
	q.closed = true
	q.items = nil
	q.mu.Unlock()
	q.signal()
}

func (q *Queue[T]) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *Queue[T]) run(deliver func(T)) {
	for range q.wake {
		for {
			q.mu.Lock()
			if q.closed {
				q.items = nil
				q.mu.Unlock()
				return
			}
			if len(q.items) == 0 {
				done := q.draining
				q.mu.Unlock()
				if done {
					return
				}
				break
			}
			v := q.items[0]
			var zero T
			q.items[0] = zero // let the delivered value go
			q.items = q.items[1:]
			q.mu.Unlock()
			deliver(v)
		}
	}
}
