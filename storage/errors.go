package storage

import (
	"errors"
	"fmt"
)

// ErrUnavailable reports storage that cannot be used: missing, disabled, denied
// (SecurityError) or full (QuotaExceededError).
var ErrUnavailable = errors.New("storage: unavailable")

// ErrNoPending reports that no pending login is stored under a state: the
// callback is stale, replayed, from another browser, or forged.
var ErrNoPending = errors.New("storage: no pending login")

// ErrExpired reports a pending login older than its TTL; it is deleted all the
// same.
var ErrExpired = errors.New("storage: pending login expired")

// unavailable wraps a store failure for op so that it always matches
// ErrUnavailable, even when a Store implementation forgot to wrap it.
func unavailable(op string, err error) error {
	if errors.Is(err, ErrUnavailable) {
		return fmt.Errorf("storage: %s: %w", op, err)
	}
	return fmt.Errorf("storage: %s: %w: %w", op, ErrUnavailable, err)
}
