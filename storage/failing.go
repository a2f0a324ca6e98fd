package storage

import "fmt"

// Failing is a Store whose every method fails with an error wrapping
// ErrUnavailable, for tests of the error path (storage disabled, a sandboxed
// iframe).
type Failing struct{}

// Get fails with ErrUnavailable.
func (Failing) Get(string) (string, bool, error) { return "", false, errFailing() }

// Set fails with ErrUnavailable.
func (Failing) Set(string, string) error { return errFailing() }

// Remove fails with ErrUnavailable.
func (Failing) Remove(string) error { return errFailing() }

// Keys fails with ErrUnavailable.
func (Failing) Keys() ([]string, error) { return nil, errFailing() }

// errFailing is built at the first call, not at package init (start-up time in
// the browser counts).
func errFailing() error { return fmt.Errorf("%w: failing store", ErrUnavailable) }
