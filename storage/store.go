// Package storage keeps what corti-auth writes to browser storage: pending
// logins (PKCE verifier, state, nonce) waiting for their callback, and the
// sign-out mark (a time under the issuer and client, auth/signout.go).
// Tokens are never stored.
package storage

import "time"

// Store is a string key/value store with the semantics of the Web Storage API
// (https://developer.mozilla.org/docs/Web/API/Storage). Every method may fail
// with an error wrapping ErrUnavailable (storage disabled, a SecurityError in a
// sandboxed iframe, a full quota).
type Store interface {
	// Get returns the value under key and whether it exists.
	Get(key string) (string, bool, error)
	// Set stores value under key, replacing any earlier value.
	Set(key, value string) error
	// Remove deletes key; removing a missing key is not an error.
	Remove(key string) error
	// Keys lists every key in the store, in no particular order.
	Keys() ([]string, error)
}

// Locker is a Store whose other users can be shut out for a moment: Exclusive
// runs fn while holding a lock named name that every tab of the origin honours
// (in the browser, a Web Lock). It returns an error, without running fn, when
// the lock could not be had (Lazy's error tells when another holder kept it
// past LockWait: Pending.Take then leaves the login to that holder); it runs fn
// unlocked when the store is not shared beyond this program. Pending.Take uses it so that two tabs handling one
// callback cannot both read a pending login before either removes it.
type Locker interface {
	Exclusive(name string, fn func()) error
}

// Claimer is a Store that can claim a name for a while: Claim reports whether
// this caller is the one holding name now (in the browser, a Web Lock taken
// only if free, kept for hold). A lock alone does not order storage across
// tabs: Firefox commits a tab's localStorage writes at the end of its task,
// and Chromium passes them to another renderer a moment later, so the next
// holder of a Locker's lock can still read an entry its last holder removed.
// The claim is decided by the browser's lock manager, not by storage: of the
// tabs that find a pending login, the first to claim it takes it.
type Claimer interface {
	Claim(name string, hold time.Duration) (won bool, err error)
}
