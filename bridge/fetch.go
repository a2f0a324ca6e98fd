//go:build js && wasm

package bridge

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/corti-auth/corti-auth/internal/body"
	"github.com/hack-pad/safejs"
)

// DefaultFetchTimeout bounds one request when the context has no earlier deadline.
const DefaultFetchTimeout = 15 * time.Second

// ErrBodyTooLarge reports a response over body.Max (1 MiB). It wraps
// pkce.ErrBadResponse, so it reaches JS with code "bad_response".
var ErrBodyTooLarge = body.ErrTooLarge

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
// (offline, DNS, CORS refusal) or the body cannot be read, ErrBodyTooLarge
// when the body is over 1 MiB (see readBody).
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
		// No Referer: the page's URL (a callback's code, an app route) is
		// none of the provider's business (RFC 9700 §4.2.4).
		"referrerPolicy": "no-referrer",
	}
	if method == "POST" {
		init["headers"] = map[string]any{"Content-Type": "application/x-www-form-urlencoded"}
		init["body"] = body
	}
	abort, signal := newAbort()
	if !signal.IsUndefined() {
		init["signal"] = signal
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
	b, err := readBody(ctx, resp)
	if err != nil {
		if !abort.IsUndefined() {
			_, _ = abort.Call("abort") // drop the rest of the body and its connection
		}
		if errors.Is(err, ErrBodyTooLarge) {
			return status, nil, fmt.Errorf("%w: %s %s: %v", ErrBodyTooLarge, method, u, err)
		}
		return status, nil, f.fail(ctx, abort, method, u, err)
	}
	return status, b, nil
}

// readBody reads a fetch Response's body, at most body.Max bytes: a
// Content-Length over the limit is refused before the body is read, and the
// stream (response.body.getReader(), https://developer.mozilla.org/docs/Web/API/ReadableStreamDefaultReader)
// is read chunk by chunk and cancelled as soon as it passes the limit, so
// that neither JS nor Go ever holds more than the limit and one chunk. Errors:
// one wrapping ErrBodyTooLarge, or the stream's own.
func readBody(ctx context.Context, resp safejs.Value) ([]byte, error) {
	var out body.Buffer
	if cl, err := mustGet(resp, "headers").Call("get", "content-length"); err == nil && cl.Type() == safejs.TypeString {
		s, _ := cl.String()
		if err := out.Expect(s); err != nil {
			return nil, err
		}
	}
	stream := mustGet(resp, "body")
	if stream.IsNull() || stream.IsUndefined() {
		return []byte{}, nil // no body (204, HEAD)
	}
	reader, err := stream.Call("getReader")
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	for {
		p, err := reader.Call("read")
		if err != nil {
			return nil, fmt.Errorf("reading the body: %w", err)
		}
		r, err := Await(ctx, p)
		if err != nil {
			return nil, err
		}
		if done, _ := mustGet(r, "done").Bool(); done {
			break
		}
		chunk := mustGet(r, "value")
		n, err := chunk.Length()
		if err != nil {
			return nil, errors.New("reading the body: a chunk is not a Uint8Array")
		}
		dst, err := out.Next(n)
		if err != nil {
			_, _ = reader.Call("cancel")
			return nil, err
		}
		if _, err := safejs.CopyBytesToGo(dst, chunk); err != nil {
			return nil, fmt.Errorf("reading the body: %w", err)
		}
	}
	return out.Bytes(), nil
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

// newAbort makes an AbortController and its signal; both undefined where the
// browser has none (the request then runs to its end, and is only not waited
// for).
func newAbort() (ctrl, signal safejs.Value) {
	ac, err := safejs.Global().Get("AbortController")
	if err != nil || ac.Type() != safejs.TypeFunction {
		return safejs.Undefined(), safejs.Undefined()
	}
	ctrl, err = ac.New()
	if err != nil {
		return safejs.Undefined(), safejs.Undefined()
	}
	signal, err = ctrl.Get("signal")
	if err != nil {
		return ctrl, safejs.Undefined()
	}
	return ctrl, signal
}
