//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/hack-pad/safejs"
)

// DefaultFetchTimeout bounds one request when the context has no earlier deadline.
const DefaultFetchTimeout = 15 * time.Second

// maxBody bounds what a response may carry (token responses and JWKS are small).
const maxBody = 1 << 20

// Fetcher sends requests with the browser's fetch (never net/http, which would
// add megabytes to the wasm). It implements auth.Fetcher and token.Fetcher.
type Fetcher struct {
	Timeout time.Duration // 0 → DefaultFetchTimeout
}

// PostForm POSTs form with only Content-Type: application/x-www-form-urlencoded
// (a CORS-safelisted request: no preflight) and credentials "omit".
func (f Fetcher) PostForm(ctx context.Context, u string, form url.Values) (int, []byte, error) {
	return f.do(ctx, "POST", u, form.Encode())
}

// Get fetches u with credentials "omit".
func (f Fetcher) Get(ctx context.Context, u string) (int, []byte, error) {
	return f.do(ctx, "GET", u, "")
}

// GetFunc adapts Get to token.Fetcher's function shape.
func (f Fetcher) GetFunc() func(ctx context.Context, u string) (int, []byte, error) { return f.Get }

// do is modelled on net/http's roundtrip_js.go: presence checks for fetch and
// AbortController, one promise awaited with the context, abort on cancel.
// Errors: ErrTimeout when the deadline passes, ErrNetwork when fetch rejects
// (offline, DNS, CORS refusal), ErrNetwork-wrapped when the body cannot be read.
func (f Fetcher) do(ctx context.Context, method, u, body string) (int, []byte, error) {
	timeout := f.Timeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	g := safejs.Global()
	fetch, err := g.Get("fetch")
	if err != nil || fetch.Type() != safejs.TypeFunction {
		return 0, nil, fmt.Errorf("%w: fetch is not available in this JS host", ErrNetwork)
	}
	init := map[string]any{
		"method":      method,
		"credentials": "omit",
		"cache":       "no-store",
		"redirect":    "error",
		"mode":        "cors",
	}
	if method == "POST" {
		init["headers"] = map[string]any{"Content-Type": "application/x-www-form-urlencoded"}
		init["body"] = body
	}
	var abort safejs.Value
	if ac, err := g.Get("AbortController"); err == nil && ac.Type() == safejs.TypeFunction {
		if abort, err = ac.New(); err == nil {
			if sig, err := abort.Get("signal"); err == nil {
				init["signal"] = sig
			}
		}
	}
	p, err := fetch.Invoke(u, init)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %s %s: %v", ErrNetwork, method, u, err)
	}
	resp, err := Await(ctx, p)
	if err != nil {
		return 0, nil, f.fail(ctx, abort, method, u, err)
	}
	status, err := getInt(resp, "status")
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %s %s: no status", ErrNetwork, method, u)
	}
	tp, err := resp.Call("text")
	if err != nil {
		return status, nil, fmt.Errorf("%w: %s %s: reading the body: %v", ErrNetwork, method, u, err)
	}
	text, err := Await(ctx, tp)
	if err != nil {
		return status, nil, f.fail(ctx, abort, method, u, err)
	}
	s, err := text.String()
	if err != nil {
		return status, nil, fmt.Errorf("%w: %s %s: body is not text", ErrNetwork, method, u)
	}
	if len(s) > maxBody {
		s = s[:maxBody+1] // the parsers refuse it as too large
	}
	return status, []byte(s), nil
}

func (f Fetcher) fail(ctx context.Context, abort safejs.Value, method, u string, err error) error {
	if ctx.Err() != nil {
		if !abort.IsUndefined() {
			_, _ = abort.Call("abort")
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("%w: %s %s: no answer in time", ErrTimeout, method, u)
		}
		return ctx.Err()
	}
	return fmt.Errorf("%w: %s %s: %v", ErrNetwork, method, u, err)
}

func getInt(v safejs.Value, key string) (int, error) {
	p, err := v.Get(key)
	if err != nil {
		return 0, err
	}
	return p.Int()
}
