package assistant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
)

// Request sends action with payload (nil → {}) and returns the response's
// payload. It waits for readiness first (ReadyTimeout), then for the response
// (RequestTimeout); a timeout gives an error wrapping ErrTimeout, a failed
// response (see Failed) an *Error. It fails with ErrDestroyed after Destroy, ErrEnded after
// SessionEnded, and ErrActionNotAllowed for _init, configure, configureSession
// (deprecated) and auth (use Start or Reauth).
func (c *Controller) Request(ctx context.Context, action string, payload any) (json.RawMessage, error) {
	switch action {
	case "":
		return nil, errors.New("assistant: request without an action")
	case "_init", "configure", "configureSession", "auth":
		return nil, fmt.Errorf("%w: %s", ErrActionNotAllowed, action)
	}
	m, err := c.roundTrip(ctx, action, payload)
	if err != nil {
		return nil, err
	}
	return m.Payload, nil
}

// roundTrip posts one request and waits for its response; a failed response
// gives an *Error.
func (c *Controller) roundTrip(ctx context.Context, action string, payload any) (Message, error) {
	if err := c.stopped(); err != nil {
		return Message{}, err
	}
	if err := c.waitReady(ctx); err != nil {
		return Message{}, err
	}
	id := c.o.NewID()
	msg, err := EncodeRequest(action, id, payload)
	if err != nil {
		return Message{}, err
	}
	p := &pending{action: action, ch: make(chan result, 1)}

	c.sendMu.Lock()
	c.mu.Lock()
	if c.stopErr != nil {
		err = c.stopErr
	} else if _, dup := c.pending[id]; dup {
		err = fmt.Errorf("assistant: requestId %q is already pending", id)
	} else {
		c.pending[id] = p
		c.noteRequestLocked()
	}
	c.mu.Unlock()
	if err == nil {
		if err = c.o.Post(msg); err != nil {
			c.forget(id)
			err = fmt.Errorf("assistant: posting %s: %w", action, err)
		}
	}
	c.sendMu.Unlock()
	if err != nil {
		return Message{}, err
	}

	d := c.o.RequestTimeout
	stop := c.o.Clock.AfterFunc(d, func() {
		c.fail(id, fmt.Errorf("%w: no response to %s within %s", ErrTimeout, action, d))
	})
	defer stop()
	select {
	case r := <-p.ch:
		if r.err != nil {
			return Message{}, r.err
		}
		if Failed(r.msg) {
			msg := r.msg.ErrMessage
			if msg == "" {
				msg = "Request failed" // the component's words for a failure without a message
			}
			return r.msg, &Error{Action: action, Code: r.msg.ErrCode, Message: msg, Details: r.msg.ErrDetails}
		}
		return r.msg, nil
	case <-ctx.Done():
		c.forget(id)
		return Message{}, ctx.Err()
	}
}

// Failed judges a response as the component does: a failure unless success is
// true and no error member is set (an error with success: true fails too).
func Failed(m Message) bool { return !m.Success || m.HasError }

// waitReady waits for the first embedded.ready, at most ReadyTimeout.
func (c *Controller) waitReady(ctx context.Context) error {
	select {
	case <-c.ready:
		return nil
	default:
	}
	d := c.o.ReadyTimeout
	fired := make(chan struct{})
	stop := c.o.Clock.AfterFunc(d, func() { close(fired) })
	defer stop()
	select {
	case <-c.ready:
		return nil
	case <-fired:
		return fmt.Errorf("%w: no %s within %s", ErrTimeout, EventReady, d)
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return c.stopped()
	}
}

// fail resolves a pending request with err, unless it was resolved already.
func (c *Controller) fail(id string, err error) {
	c.mu.Lock()
	p := c.pending[id]
	delete(c.pending, id)
	if p != nil {
		c.noteRequestLocked()
	}
	c.mu.Unlock()
	if p != nil {
		p.ch <- result{err: err}
	}
}

func (c *Controller) forget(id string) {
	c.mu.Lock()
	if c.pending[id] != nil {
		delete(c.pending, id)
		c.noteRequestLocked()
	}
	c.mu.Unlock()
}
