package session

import "context"

// Channel is what the tabs of one origin share to keep one session: a
// broadcast of messages (BroadcastChannel in a browser) and exclusive named
// locks (Web Locks). The bridge implements it; package sessiontest has an
// in-process fake (Bus) that connects several "tabs".
type Channel interface {
	// Post sends msg to every other open Channel of the same name (not back
	// to this one). It does not block and reports nothing: a tab that is not
	// listening simply misses it.
	Post(msg []byte)
	// WithLock runs f holding the exclusive lock name, which every tab of the
	// origin honours. ctx cancels waiting; f never runs after WithLock
	// returned. It returns f's error, or why f could not run. Where locks
	// cannot be had at all (an old browser, an opaque origin) it runs f
	// without one.
	WithLock(ctx context.Context, name string, f func(ctx context.Context) error) error
	// Close stops the delivery of messages; later Posts do nothing.
	Close()
}

// OpenChannel opens the Channel named name. onMessage receives what the other
// tabs post, one message at a time, in the order they arrived.
type OpenChannel func(name string, onMessage func(msg []byte)) (Channel, error)

// ChannelName names the channel and the refresh lock shared by the tabs of
// one origin (implicit in both browser APIs), realm (issuer) and client id.
func ChannelName(issuer, clientID string) string {
	return "corti-auth:" + issuer + "|" + clientID
}

type lockWaitedKey struct{}

// LockWaited marks ctx — the context a Channel's WithLock hands to f — as
// that of a lock granted after waiting for another holder. The holder before
// may have published tokens that have not arrived yet: a BroadcastChannel
// message and a Web Lock's next grant travel apart (Tabs.WithLock).
func LockWaited(ctx context.Context) context.Context {
	return context.WithValue(ctx, lockWaitedKey{}, true)
}

func waitedForLock(ctx context.Context) bool {
	v, _ := ctx.Value(lockWaitedKey{}).(bool)
	return v
}
