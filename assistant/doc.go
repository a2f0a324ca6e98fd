// Package assistant speaks the Corti Assistant embedded protocol v1 (host page ⇄
// iframe, see docs/embedded-protocol.md) in pure Go, so that every decision —
// readiness, request correlation, timeouts, authentication and re-authentication —
// is tested natively.
//
// The browser bridge does only DOM work: it creates the iframe with the
// attributes of a Frame, attaches its message listener before setting src,
// forwards messages whose source is the iframe's window and whose origin is
// Frame.Origin to Controller.Deliver (which queues them for Receive, in
// arrival order, without blocking the listener), and posts what the Controller hands to
// Options.Post with targetOrigin = Frame.Origin (never "*").
//
// This package is linked into a wasm module: it must not import net/http or
// syscall/js.
package assistant
