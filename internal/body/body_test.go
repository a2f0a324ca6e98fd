package body

import (
	"bytes"
	"errors"
	"testing"

	"github.com/corti-auth/corti-auth/pkce"
)

func fill(t *testing.T, w *Buffer, chunks ...[]byte) error {
	t.Helper()
	for _, c := range chunks {
		dst, err := w.Next(len(c))
		if err != nil {
			return err
		}
		copy(dst, c)
	}
	return nil
}

func TestChunksAssemble(t *testing.T) {
	var w Buffer
	if err := fill(t, &w, []byte(`{"access_`), []byte(`token":"x"}`)); err != nil {
		t.Fatal(err)
	}
	if got := string(w.Bytes()); got != `{"access_token":"x"}` {
		t.Fatalf("got %q", got)
	}
}

func TestEmptyBodyIsEmptyNotNil(t *testing.T) {
	var w Buffer
	if b := w.Bytes(); b == nil || len(b) != 0 {
		t.Fatalf("got %#v, want an empty slice", b)
	}
}

func TestByteOrderMarkDropped(t *testing.T) {
	for _, chunks := range [][][]byte{
		{[]byte("\xef\xbb\xbf{}")},
		{[]byte("\xef"), []byte("\xbb"), []byte("\xbf{}")}, // split across chunks
	} {
		var w Buffer
		if err := fill(t, &w, chunks...); err != nil {
			t.Fatal(err)
		}
		if got := string(w.Bytes()); got != "{}" {
			t.Errorf("got %q, want {}", got)
		}
	}
	// Only a leading one, and only once.
	var w Buffer
	_ = fill(t, &w, []byte("\xef\xbb\xbf\xef\xbb\xbf{}"))
	if got := w.Bytes(); !bytes.Equal(got, []byte("\xef\xbb\xbf{}")) {
		t.Errorf("got %q", got)
	}
}

func TestContentLengthOverMaxRefused(t *testing.T) {
	var w Buffer
	err := w.Expect("1048577")
	if !errors.Is(err, ErrTooLarge) || !errors.Is(err, pkce.ErrBadResponse) {
		t.Fatalf("Expect(Max+1) = %v, want ErrTooLarge wrapping pkce.ErrBadResponse", err)
	}
	for _, ok := range []string{"", "abc", "-5", " 1048576 ", "0"} {
		var w Buffer
		if err := w.Expect(ok); err != nil {
			t.Errorf("Expect(%q) = %v, want nil", ok, err)
		}
	}
}

func TestContentLengthSizesButDoesNotBound(t *testing.T) {
	var w Buffer
	if err := w.Expect("4"); err != nil {
		t.Fatal(err)
	}
	if cap(w.b) != 4 {
		t.Fatalf("cap %d, want 4", cap(w.b))
	}
	// A compressed body decodes to more than its Content-Length.
	if err := fill(t, &w, []byte("abcd"), []byte("efgh")); err != nil {
		t.Fatal(err)
	}
	if string(w.Bytes()) != "abcdefgh" {
		t.Fatalf("got %q", w.Bytes())
	}
}

func TestMaxExactlyAccepted(t *testing.T) {
	var w Buffer
	if err := fill(t, &w, make([]byte, Max-1), []byte{1}); err != nil {
		t.Fatalf("Max bytes: %v", err)
	}
	if len(w.Bytes()) != Max || cap(w.b) > Max {
		t.Fatalf("len %d cap %d", len(w.Bytes()), cap(w.b))
	}
}

func TestOverMaxRefusedBeforeCopy(t *testing.T) {
	var w Buffer
	if err := fill(t, &w, make([]byte, Max)); err != nil {
		t.Fatal(err)
	}
	dst, err := w.Next(1)
	if !errors.Is(err, ErrTooLarge) || dst != nil {
		t.Fatalf("Next past Max = %v, %v; want nil, ErrTooLarge", dst, err)
	}
	if len(w.b) != Max {
		t.Fatalf("the refused chunk changed the buffer: len %d", len(w.b))
	}
	if _, err := new(Buffer).Next(-1); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Next(-1) = %v", err)
	}
}

func TestGrowthDoublesAndStaysUnderMax(t *testing.T) {
	var w Buffer
	caps := []int{}
	for i := 0; i < 200; i++ {
		if _, err := w.Next(8 << 10); err != nil {
			if !errors.Is(err, ErrTooLarge) {
				t.Fatal(err)
			}
			break
		}
		if c := cap(w.b); len(caps) == 0 || caps[len(caps)-1] != c {
			caps = append(caps, c)
		}
	}
	want := []int{16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10, Max}
	if len(caps) != len(want) {
		t.Fatalf("capacities %v, want %v", caps, want)
	}
	for i := range want {
		if caps[i] != want[i] {
			t.Fatalf("capacities %v, want %v", caps, want)
		}
	}
}
