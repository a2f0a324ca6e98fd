package assistant

import (
	"crypto/rand"
	"encoding/binary"
	"strconv"
	"sync/atomic"
	"time"
)

// idCounter makes default request ids unique across all controllers of the
// module (two panes on one page), whatever the clock and the random part say.
var idCounter atomic.Uint64

// newID returns "req_<unixms>_<random>", the shape the official component uses.
// The part after the time is a process-wide counter followed by 7 random
// base-36 digits.
func newID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail (Go ≥ 1.24)
	n := idCounter.Add(1)
	r := strconv.FormatUint(uint64(binary.BigEndian.Uint32(b[:])), 36)
	// The random part has a fixed width (36^7 > 2^32), so the variable-width
	// counter before it cannot make two ids equal.
	return "req_" + strconv.FormatInt(now.UnixMilli(), 10) + "_" + strconv.FormatUint(n, 36) +
		"0000000"[len(r):] + r
}
