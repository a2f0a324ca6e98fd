// Package body assembles an HTTP response body read in chunks (the browser's
// fetch stream, read by bridge's Fetcher) within a limit: a Content-Length
// over the limit is refused before anything is read, a chunk that would pass
// it is refused before it is copied, the buffer grows by doubling but never
// past the limit, and a UTF-8 byte order mark is dropped as response.text()
// drops it.
package body

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/corti-auth/corti-auth/pkce"
)

// Max bounds what a response may carry (token responses and JWKS are small).
const Max = 1 << 20

// ErrTooLarge reports a response over Max (1 MiB). It wraps
// pkce.ErrBadResponse, so it reaches JS with code "bad_response".
var ErrTooLarge = fmt.Errorf("%w: response body over 1 MiB", pkce.ErrBadResponse)

// minGrow is the first allocation when no Content-Length said better.
const minGrow = 16 << 10

// Buffer collects one body. The zero value is ready; Expect is optional.
type Buffer struct {
	b []byte
}

// Expect takes the Content-Length header's value ("" when absent or unreadable:
// a compressed body's length says nothing of the decoded one). Over Max it is
// refused; otherwise it sizes the buffer, which may still grow past it.
func (w *Buffer) Expect(contentLength string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(contentLength), 10, 64)
	if err != nil {
		return nil
	}
	if n > Max {
		return fmt.Errorf("%w: Content-Length %d", ErrTooLarge, n)
	}
	if n > 0 && len(w.b) == 0 {
		w.b = make([]byte, 0, n)
	}
	return nil
}

// Next returns the n bytes where the next chunk goes, or an error wrapping
// ErrTooLarge when the body would pass Max (the reader should then cancel the
// stream: nothing more is wanted).
func (w *Buffer) Next(n int) ([]byte, error) {
	start := len(w.b)
	if n < 0 || start+n > Max {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, Max)
	}
	if start+n > cap(w.b) {
		// Double (append grows large slices by only 1.25×), never past Max.
		grown := make([]byte, start, min(max(2*cap(w.b), start+n, minGrow), Max))
		copy(grown, w.b)
		w.b = grown
	}
	w.b = w.b[:start+n]
	return w.b[start:], nil
}

// Bytes is the body read so far, without a leading UTF-8 byte order mark
// (never nil: an empty body is an empty slice).
func (w *Buffer) Bytes() []byte {
	if w.b == nil {
		return []byte{}
	}
	return bytes.TrimPrefix(w.b, []byte("\xef\xbb\xbf"))
}
