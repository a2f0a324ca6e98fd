//go:build js && wasm

package bridge

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/hack-pad/safejs"
)

// siblingWait is how long restore() waits for a sibling tab to answer.
const siblingWait = 500 * time.Millisecond

// channelName names the BroadcastChannel and the Web Lock shared by the tabs of
// one origin (implicit in both APIs), realm and client id.
func channelName(cfg auth.Config) string {
	return "corti-auth:" + cfg.Issuer() + "|" + cfg.ClientID
}

// tabMsg is what tabs say to each other. Tokens stay in memory: they travel
// over a same-origin BroadcastChannel, never through storage.
type tabMsg struct {
	T      string     `json:"t"` // "tokens", "end", "hello"
	Tokens *tabTokens `json:"tokens,omitempty"`
	Reason string     `json:"reason,omitempty"`
}

type tabTokens struct {
	Response         json.RawMessage `json:"response"`
	ReceivedAt       int64           `json:"receivedAt"` // unix ms
	ExpiresAt        int64           `json:"expiresAt"`
	RefreshExpiresAt int64           `json:"refreshExpiresAt,omitempty"`
}

func encodeTokens(t session.Tokens) *tabTokens {
	b, _ := t.Response.MarshalJSON()
	out := &tabTokens{Response: b, ReceivedAt: t.ReceivedAt.UnixMilli(), ExpiresAt: t.ExpiresAt.UnixMilli()}
	if !t.RefreshExpiresAt.IsZero() {
		out.RefreshExpiresAt = t.RefreshExpiresAt.UnixMilli()
	}
	return out
}

func decodeTokens(tt *tabTokens) (session.Tokens, bool) {
	if tt == nil {
		return session.Tokens{}, false
	}
	resp, err := pkce.ParseTokenResponse(tt.Response)
	if err != nil {
		return session.Tokens{}, false
	}
	t := session.Tokens{Response: resp, ReceivedAt: time.UnixMilli(tt.ReceivedAt), ExpiresAt: time.UnixMilli(tt.ExpiresAt)}
	if tt.RefreshExpiresAt != 0 {
		t.RefreshExpiresAt = time.UnixMilli(tt.RefreshExpiresAt)
	}
	return t, true
}

// tabs is the session.Coordinator of shareAcrossTabs: a Web Lock
// (navigator.locks) so one tab refreshes, and a BroadcastChannel that carries
// the result, the end, and answers to tabs opened later.
type tabs struct {
	name  string
	ch    safejs.Value
	onmsg safejs.Func

	mu     sync.Mutex
	s      *session.Session
	closed bool
}

func openTabs(name string) *tabs {
	bc, err := safejs.Global().Get("BroadcastChannel")
	if err != nil || bc.Type() != safejs.TypeFunction {
		return nil
	}
	ch, err := bc.New(name)
	if err != nil {
		return nil
	}
	t := &tabs{name: name, ch: ch}
	t.onmsg, err = safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		data := str(arg(args, 0), "data")
		go t.receive(data)
		return nil
	})
	if err != nil {
		return nil
	}
	_ = ch.Set("onmessage", t.onmsg.Value())
	return t
}

func (t *tabs) attach(s *session.Session) {
	t.mu.Lock()
	t.s = s
	t.mu.Unlock()
}

func (t *tabs) session() *session.Session {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil
	}
	return t.s
}

func (t *tabs) receive(data string) {
	var m tabMsg
	if json.Unmarshal([]byte(data), &m) != nil {
		return
	}
	s := t.session()
	if s == nil {
		return
	}
	switch m.T {
	case "tokens":
		if tok, ok := decodeTokens(m.Tokens); ok {
			s.Adopt(tok)
		}
	case "end":
		s.EndFromSibling(m.Reason)
	case "hello":
		if ended, _ := s.Ended(); !ended {
			t.post(tabMsg{T: "tokens", Tokens: encodeTokens(s.Current())})
		}
	}
}

func (t *tabs) post(m tabMsg) {
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	t.mu.Lock()
	closed := t.closed
	t.mu.Unlock()
	if !closed {
		_, _ = t.ch.Call("postMessage", string(b))
	}
}

// Publish sends new tokens to the sibling tabs.
func (t *tabs) Publish(tok session.Tokens) { t.post(tabMsg{T: "tokens", Tokens: encodeTokens(tok)}) }

// PublishEnd tells the sibling tabs that the session ended (logout, revoked).
func (t *tabs) PublishEnd(reason string) { t.post(tabMsg{T: "end", Reason: reason}) }

// WithLock runs f holding the Web Lock named after the channel; without Web
// Locks (old browsers) it runs f at once.
func (t *tabs) WithLock(ctx context.Context, f func(ctx context.Context) error) error {
	return webLock(ctx, t.name, f)
}

// webLock runs f holding the exclusive Web Lock name, which every tab of the
// origin honours; without Web Locks (old browsers, Node) it runs f at once.
// When ctx ends before the lock is granted, the request is aborted and f does
// not run (webLock returns ctx's error); f never runs after webLock returned.
func webLock(ctx context.Context, name string, f func(ctx context.Context) error) error {
	nav, _ := safejs.Global().Get("navigator")
	locks := safejs.Undefined()
	if !nav.IsUndefined() {
		locks, _ = nav.Get("locks")
	}
	if locks.IsUndefined() || locks.IsNull() {
		return f(ctx)
	}
	done := make(chan error, 1)
	held, err := safejs.FuncOf(func(_ safejs.Value, _ []safejs.Value) any {
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
	var abort safejs.Value
	if ac, err := safejs.Global().Get("AbortController"); err == nil && ac.Type() == safejs.TypeFunction {
		if abort, err = ac.New(); err == nil {
			opts["signal"], _ = abort.Get("signal")
		}
	}
	p, err := locks.Call("request", name, opts, held.Value())
	if err != nil {
		held.Release()
		return f(ctx)
	}
	settled := make(chan struct{})
	go func() {
		_, _ = Await(context.Background(), p)
		held.Release()
		close(settled)
	}()
	select {
	case err := <-done:
		return err
	case <-settled:
		// The request failed (aborted) before the lock was granted.
		select {
		case err := <-done:
			return err
		default:
			return ctx.Err()
		}
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

func (t *tabs) close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	t.mu.Unlock()
	_, _ = t.ch.Call("close")
	t.onmsg.Release()
}

// askSiblings asks the tabs of the same origin and client for their live
// session; it gives up after siblingWait.
func askSiblings(ctx context.Context, name string) (session.Tokens, bool) {
	bc, err := safejs.Global().Get("BroadcastChannel")
	if err != nil || bc.Type() != safejs.TypeFunction {
		return session.Tokens{}, false
	}
	ch, err := bc.New(name)
	if err != nil {
		return session.Tokens{}, false
	}
	got := make(chan session.Tokens, 1)
	onmsg, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		var m tabMsg
		if json.Unmarshal([]byte(str(arg(args, 0), "data")), &m) == nil && m.T == "tokens" {
			if tok, ok := decodeTokens(m.Tokens); ok && tok.ExpiresAt.After(time.Now()) {
				select {
				case got <- tok:
				default:
				}
			}
		}
		return nil
	})
	if err != nil {
		_, _ = ch.Call("close")
		return session.Tokens{}, false
	}
	defer func() {
		_, _ = ch.Call("close")
		onmsg.Release()
	}()
	_ = ch.Set("onmessage", onmsg.Value())
	b, _ := json.Marshal(tabMsg{T: "hello"})
	_, _ = ch.Call("postMessage", string(b))
	timer := time.NewTimer(siblingWait)
	defer timer.Stop()
	select {
	case tok := <-got:
		return tok, true
	case <-timer.C:
	case <-ctx.Done():
	}
	return session.Tokens{}, false
}
