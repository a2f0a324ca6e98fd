package storage

import "errors"

// ErrUnavailable reports storage that cannot be used: missing, disabled, denied
// (SecurityError) or full (QuotaExceededError).
var ErrUnavailable = errors.New("storage: unavailable")
