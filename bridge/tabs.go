//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/internal/jsx"
	"github.com/corti-auth/corti-auth/internal/serial"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/token"
	"github.com/hack-pad/safejs"
)

// tabsConfig is the cross-tab sharing of cl's sessions (session.Tabs decides
// what a message does; this file only carries them).
func (cl *client) tabsConfig() session.TabsConfig {
	return session.TabsConfig{
		Name:     session.ChannelName(cl.cfg.Issuer(), cl.cfg.ClientID),
		Issuer:   cl.cfg.Issuer(),
		ClientID: cl.cfg.ClientID,
		VerifyIDToken: func(ctx context.Context, raw string) (*token.IDToken, error) {
			return cl.c.VerifyIDToken(ctx, raw, "")
		},
	}
}

// openTabs opens the tab channel of a session, nil without BroadcastChannel.
func (cl *client) openTabs() *session.Tabs {
	t, err := session.OpenTabs(openChannel, cl.tabsConfig())
	if err != nil {
		return nil
	}
	return t
}

// askSiblings is restore()'s question to the sibling tabs.
func (cl *client) askSiblings(ctx context.Context) (session.Sibling, bool) {
	return session.AskSiblings(ctx, openChannel, cl.tabsConfig(), session.SiblingWait)
}

// bcChannel is a session.Channel over a BroadcastChannel and Web Locks.
type bcChannel struct {
	ch    safejs.Value
	onmsg safejs.Func
	q     *serial.Queue[[]byte] // the received messages, handed on in order

	mu     sync.Mutex
	closed bool
}

// openChannel is the session.OpenChannel of a browser: a BroadcastChannel of
// name. Messages are strings; they are handed to onMessage one at a time, in
// the order they arrived, on a goroutine of the channel.
func openChannel(name string, onMessage func([]byte)) (session.Channel, error) {
	bc, err := safejs.Global().Get("BroadcastChannel")
	if err != nil {
		return nil, err
	}
	if bc.Type() != safejs.TypeFunction {
		return nil, errNoBroadcastChannel
	}
	ch, err := bc.New(name)
	if err != nil {
		return nil, err
	}
	c := &bcChannel{ch: ch}
	c.q = serial.New(func(m []byte) { c.deliver(onMessage, m) })
	c.onmsg, err = funcOf("tabs.onmessage", reportInternal, func(_ safejs.Value, args []safejs.Value) any {
		// Messages are strings; anything else (or a read that throws) is
		// dropped here, the empty string by the decoder.
		if s := str(arg(args, 0), "data"); s != "" {
			c.q.Push([]byte(s))
		}
		return nil
	})
	if err != nil {
		_, _ = ch.Call("close")
		c.q.Close()
		return nil, err
	}
	if err := ch.Set("onmessage", c.onmsg.Value()); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

var errNoBroadcastChannel = errors.New("bridge: no BroadcastChannel")

// deliver hands one message to onMessage; a panic there is recovered
// (reportInternal) and the queue goes on with the next message.
func (c *bcChannel) deliver(onMessage func([]byte), m []byte) {
	defer recovered(reportInternal)
	hook("tabs.pump")
	onMessage(m)
}

func (c *bcChannel) Post(msg []byte) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if !closed {
		_, _ = c.ch.Call("postMessage", string(msg))
	}
}

// WithLock is webLock; when another holder has the lock as it is asked for,
// f's context says so (session.LockWaited): that holder's tokens may still be
// on their way.
func (c *bcChannel) WithLock(ctx context.Context, name string, f func(context.Context) error) error {
	if lockHeld(ctx, name) {
		ctx = session.LockWaited(ctx)
	}
	return webLock(ctx, name, f)
}

// lockHeld reports whether the Web Lock name is held now (navigator.locks.query).
func lockHeld(ctx context.Context, name string) bool {
	locks := webLocks()
	if locks.IsUndefined() || locks.IsNull() {
		return false
	}
	p, err := locks.Call("query")
	if err != nil {
		return false
	}
	snap, err := Await(ctx, p)
	if err != nil || snap.Type() != safejs.TypeObject {
		return false
	}
	held, err := snap.Get("held")
	if err != nil {
		return false
	}
	n, _ := held.Length()
	for i := 0; i < n; i++ {
		l, _ := held.Index(i)
		if jsx.String(l, "name") == name {
			return true
		}
	}
	return false
}

func (c *bcChannel) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.mu.Unlock()
	_, _ = c.ch.Call("close")
	c.onmsg.Release()
	c.q.Close() // messages not yet handed on are dropped
}

// webClaim takes the Web Lock name only if no one holds it (ifAvailable) and
// keeps it for hold; won is false when another holder has it. Without Web
// Locks, or where every request is refused (opaque origins), every claim is
// won: there is nothing to claim with (storage.Claimer).
func webClaim(name string, hold time.Duration) (won bool, err error) {
	locks := webLocks()
	if locks.IsUndefined() || locks.IsNull() {
		return true, nil
	}
	got := make(chan bool, 2)
	cb, err := funcOf("tabs.claim", reportInternal, func(_ safejs.Value, args []safejs.Value) any {
		if a := arg(args, 0); a.IsNull() || a.IsUndefined() {
			got <- false // held by another
			return nil
		}
		got <- true
		// Kept for hold: the lock is let go when this promise settles.
		return NewPromise(func(context.Context) (any, error) { time.Sleep(hold); return nil, nil })
	})
	if err != nil {
		return true, nil
	}
	p, err := locks.Call("request", name, map[string]any{"mode": "exclusive", "ifAvailable": true}, cb.Value())
	if err != nil {
		cb.Release()
		return true, nil
	}
	goSafe(reportInternal, func() {
		_, err := Await(context.Background(), p)
		cb.Release()
		if err != nil {
			got <- true // refused before the callback: no Web Locks here
		}
	})
	return <-got, nil
}

// webLocks is navigator.locks, or undefined.
func webLocks() safejs.Value {
	nav, _ := safejs.Global().Get("navigator")
	if nav.IsUndefined() {
		return safejs.Undefined()
	}
	locks, _ := nav.Get("locks")
	return locks
}

// webLock runs f holding the exclusive Web Lock name, which every tab of the
// origin honours; without Web Locks (old browsers, Node), or where every
// request is refused (opaque origins), it runs f without the lock.
// When ctx ends before the lock is granted, the request is aborted and f does
// not run (webLock returns ctx's error); f never runs after webLock returned.
func webLock(ctx context.Context, name string, f func(ctx context.Context) error) error {
	locks := webLocks()
	if locks.IsUndefined() || locks.IsNull() {
		return f(ctx)
	}
	done := make(chan error, 1)
	held, err := funcOf("tabs.lock", reportInternal, func(_ safejs.Value, _ []safejs.Value) any {
		// The lock is held until the promise returned here settles.
		return NewPromise(func(context.Context) (any, error) {
			err := f(ctx)
			done <- err
			return nil, nil
		})
	})
	if err != nil {
		return f(ctx)
	}
	opts := map[string]any{"mode": "exclusive"}
	abort, signal := newAbort()
	if !signal.IsUndefined() {
		opts["signal"] = signal
	}
	p, err := locks.Call("request", name, opts, held.Value())
	if err != nil {
		held.Release()
		return f(ctx)
	}
	settled := make(chan struct{})
	goSafe(reportInternal, func() {
		defer close(settled)
		_, _ = Await(context.Background(), p)
		held.Release()
	})
	select {
	case err := <-done:
		return err
	case <-settled:
		select {
		case err := <-done:
			return err
		default:
		}
		if err := ctx.Err(); err != nil {
			return err // aborted: ctx ended while waiting
		}
		// Refused before the lock was granted: Web Locks are unavailable
		// here (an opaque origin — a sandboxed frame without
		// allow-same-origin, file: — rejects every request). Run without
		// the lock, as in a browser without Web Locks.
		return f(ctx)
	case <-ctx.Done():
		if !abort.IsUndefined() {
			_, _ = abort.Call("abort")
		}
		select {
		case err := <-done:
			return err
		case <-settled:
			return ctx.Err()
		}
	}
}
