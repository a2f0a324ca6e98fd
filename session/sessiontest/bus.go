package sessiontest

import (
	"context"
	"sync"

	"github.com/corti-auth/corti-auth/session"
)

// Bus connects in-process "tabs" the way one browser origin connects its tabs:
// a channel of a name reaches every other open channel of that name (a
// BroadcastChannel: not the sender, each receiver in the order of posting, on
// its own goroutine), and named locks are exclusive across the Bus (Web
// Locks). Bus.Open is a session.OpenChannel.
//
// One ordering is stronger than a browser promises: a lock's next holder runs
// only once every message posted so far has been handled, so that what a
// holder published reaches the tabs before the next one decides (in a browser
// this is only most likely). Message handlers must therefore not wait for a
// lock.
type Bus struct {
	mu      sync.Mutex
	idle    *sync.Cond
	pending int // messages queued or being handled
	chans   map[string][]*busChannel
	locks   map[string]chan struct{}
	posted  [][]byte
	runs    map[string]int
}

// NewBus returns an empty Bus.
func NewBus() *Bus {
	b := &Bus{chans: map[string][]*busChannel{}, locks: map[string]chan struct{}{}, runs: map[string]int{}}
	b.idle = sync.NewCond(&b.mu)
	return b
}

type busChannel struct {
	bus     *Bus
	name    string
	recv    func([]byte)
	queue   [][]byte
	running bool
	closed  bool
}

// Open opens a channel named name on the Bus; onMessage receives what the
// other channels of that name post.
func (b *Bus) Open(name string, onMessage func(msg []byte)) (session.Channel, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := &busChannel{bus: b, name: name, recv: onMessage}
	b.chans[name] = append(b.chans[name], c)
	return c, nil
}

// Settle waits until every message posted so far — and every message posted
// while handling those — has been handled.
func (b *Bus) Settle() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for b.pending > 0 {
		b.idle.Wait()
	}
}

// Posted returns a copy of every message posted on the Bus, in order.
func (b *Bus) Posted() [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([][]byte, len(b.posted))
	copy(out, b.posted)
	return out
}

// LockRuns reports how many times a function ran holding the lock name.
func (b *Bus) LockRuns(name string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.runs[name]
}

// Listeners reports how many channels of name are open.
func (b *Bus) Listeners(name string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.chans[name])
}

func (c *busChannel) Post(msg []byte) {
	b := c.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.closed {
		return
	}
	m := append([]byte(nil), msg...)
	b.posted = append(b.posted, m)
	for _, o := range b.chans[c.name] {
		if o == c || o.closed || o.recv == nil {
			continue
		}
		o.queue = append(o.queue, m)
		b.pending++
		if !o.running {
			o.running = true
			go o.pump()
		}
	}
}

// pump hands c's queued messages to its receiver, one at a time.
func (c *busChannel) pump() {
	b := c.bus
	b.mu.Lock()
	for len(c.queue) > 0 {
		m := c.queue[0]
		c.queue = c.queue[1:]
		closed := c.closed
		b.mu.Unlock()
		if !closed {
			c.recv(m)
		}
		b.mu.Lock()
		b.pending--
	}
	c.running = false
	if b.pending == 0 {
		b.idle.Broadcast()
	}
	b.mu.Unlock()
}

func (c *busChannel) WithLock(ctx context.Context, name string, f func(context.Context) error) error {
	b := c.bus
	b.mu.Lock()
	l, ok := b.locks[name]
	if !ok {
		l = make(chan struct{}, 1)
		b.locks[name] = l
	}
	b.mu.Unlock()
	select {
	case l <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-l }()
	b.mu.Lock()
	for b.pending > 0 {
		b.idle.Wait()
	}
	b.runs[name]++
	b.mu.Unlock()
	return f(ctx)
}

func (c *busChannel) Close() {
	b := c.bus
	b.mu.Lock()
	defer b.mu.Unlock()
	if c.closed {
		return
	}
	c.closed = true
	list := b.chans[c.name]
	for i, o := range list {
		if o == c {
			b.chans[c.name] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
}
