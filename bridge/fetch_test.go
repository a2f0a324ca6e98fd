//go:build js && wasm

package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/errcode"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/hack-pad/safejs"
)

// bigServer starts a Node HTTP server whose answers are larger than a
// response may be. /stream/N sends N bytes in 64 KiB chunks without
// Content-Length, honouring back-pressure; /length/N announces
// Content-Length: N and streams the same way; /exact sends body.Max bytes.
// GET /sent/<path> answers how many bytes the last request to <path> got
// written before the client stopped reading (or all of them).
func bigServer(t *testing.T) string {
	t.Helper()
	fn, _ := safejs.Global().Get("Function")
	mk, err := fn.New(`return new Promise((resolve) => {
		const http = require("http");
		const sent = {};
		const chunk = Buffer.alloc(64 << 10, 0x61);
		const srv = http.createServer((req, res) => {
			const m = req.url.match(/^\/(stream|length|exact)(?:\/(\d+))?$/);
			if (req.url.startsWith("/sent/")) {
				const s = sent["/" + req.url.slice(6)];
				return res.end(JSON.stringify(s || null));
			}
			if (!m) { res.statusCode = 404; return res.end(); }
			const total = m[1] === "exact" ? 1 << 20 : Number(m[2]);
			if (m[1] === "length" || m[1] === "exact") res.setHeader("Content-Length", String(total));
			res.setHeader("Content-Type", "application/json");
			const rec = sent[req.url] = { bytes: 0, done: false, closed: false };
			res.on("close", () => { rec.closed = true; });
			const pump = () => {
				while (rec.bytes < total && !rec.closed) {
					const n = Math.min(chunk.length, total - rec.bytes);
					rec.bytes += n;
					if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return res.once("drain", pump);
				}
				if (!rec.closed) { rec.done = true; res.end(); }
			};
			pump();
		});
		srv.listen(0, "127.0.0.1", () => { srv.unref(); resolve("http://127.0.0.1:" + srv.address().port); });
	})`)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := mk.Invoke()
	v, err := settle(t, p)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := v.String()
	return s
}

// sentBytes asks bigServer how much of path it wrote, polling until the
// server saw the request end one way or the other.
func sentBytes(t *testing.T, f Fetcher, base, path string) (bytes int, done bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body, err := f.Get(context.Background(), base+"/sent"+path)
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Bytes        int
			Done, Closed bool
		}
		if err := json.Unmarshal(body, &rec); err != nil {
			t.Fatalf("sent %s: %s: %v", path, body, err)
		}
		if rec.Done || rec.Closed || time.Now().After(deadline) {
			return rec.Bytes, rec.Done
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFetchBoundsTheBody: a response over 1 MiB is refused without being read
// whole. Announced by Content-Length, it is refused before its body is read;
// streamed without one, reading stops just past 1 MiB. The server's count of
// bytes written shows the client stopped pulling.
func TestFetchBoundsTheBody(t *testing.T) {
	base := bigServer(t)
	f := Fetcher{Timeout: 30 * time.Second}
	const huge = 64 << 20
	const bound = 16 << 20 // what socket and stream buffers may hold beyond the 1 MiB read

	for _, path := range []string{"/length/67108864", "/stream/67108864"} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		status, body, err := f.Get(context.Background(), base+path)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrBodyTooLarge) || !errors.Is(err, pkce.ErrBadResponse) || errcode.Code(err) != "bad_response" {
			t.Errorf("%s: status %d, %d bytes, err %v; want ErrBodyTooLarge (bad_response)", path, status, len(body), err)
		}
		if body != nil {
			t.Errorf("%s: returned %d bytes of an oversized body", path, len(body))
		}
		n, done := sentBytes(t, f, base, path)
		t.Logf("%s: server wrote %d of %d bytes; Go heap grew by %d KiB (TotalAlloc)", path, n, huge, (after.TotalAlloc-before.TotalAlloc)>>10)
		if done || n > bound {
			t.Errorf("%s: the server wrote %d of %d bytes (done %v): the client read on past the limit", path, n, huge, done)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
			t.Errorf("%s: Go allocated %d bytes for one refused response", path, grew)
		}
	}

	// At the limit, and one byte over it without Content-Length.
	status, body, err := f.Get(context.Background(), base+"/exact")
	if err != nil || status != 200 || len(body) != 1<<20 || strings.Trim(string(body), "a") != "" {
		t.Fatalf("exactly 1 MiB: status %d, %d bytes, %v", status, len(body), err)
	}
	if _, _, err := f.Get(context.Background(), base+"/stream/1048577"); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("1 MiB + 1 byte: %v, want ErrBodyTooLarge", err)
	}
	if _, _, err := f.Get(context.Background(), base+"/length/1048577"); !errors.Is(err, ErrBodyTooLarge) {
		t.Fatalf("Content-Length 1 MiB + 1: %v, want ErrBodyTooLarge", err)
	}
}
