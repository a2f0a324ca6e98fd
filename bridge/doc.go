//go:build js && wasm

// Package bridge is corti-auth's only JavaScript glue: every JS call goes through
// github.com/hack-pad/safejs. It turns Go work into Promises (recovering panics),
// awaits JS promises, fetches, reaches the DOM, timers, postMessage, Web Locks and
// BroadcastChannel, and translates Go errors into CortiAuthError at one place
// (errors.go). The decisions themselves live in the pure packages.
package bridge
