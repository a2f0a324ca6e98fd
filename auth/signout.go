package auth

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
)

// A sign-out that sticks (issue 22 §1). A session that ends with reason
// "logout" or "idle" leaves a mark: the time of that end, stored under a key
// naming the issuer and client (localStorage in the browser, so that every
// tab of the origin sees it, and a reload too). While the mark stands,
// restore() resolves null without asking the provider, and every authorize
// request asks for the password (prompt=login): the provider's SSO cookie,
// which outlives a local sign-out, signs nobody back in. A sign-in whose ID
// token says the user authenticated at or after the end (auth_time) clears
// it. The mark holds a time and nothing else: no token, nothing about the
// user.

// SignOutPrefix starts the key of a sign-out mark; ChannelName's
// "issuer|clientId" follows it.
const SignOutPrefix = "corti-auth:signedout:"

// SignOutKey is the storage key of the sign-out mark of issuer and clientID.
func SignOutKey(issuer, clientID string) string { return SignOutPrefix + issuer + "|" + clientID }

// SignOutSticks reports whether an end with reason leaves a sign-out mark:
// "logout" and "idle" do; an expiry, a revoked grant, another user's sign-in
// or close() do not (they are no decision to sign out).
func SignOutSticks(reason string) bool {
	return session.SignOut(reason)
}

// ParseSignOutMark reads a stored mark (unix milliseconds). A value that is
// no such number still says that somebody signed out: it reads as a mark at
// the zero time, which any sign-in with an auth_time clears.
func ParseSignOutMark(v string) time.Time {
	ms, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || ms <= 0 || ms > maxMarkMillis {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// maxMarkMillis is year 9999 in unix milliseconds.
const maxMarkMillis = 253402300799999

// ClearsSignOut reports whether a sign-in whose ID token carries authTime is
// later than a sign-out at mark: its auth_time (whole seconds) is not before
// the second of the end. A sign-in without auth_time proves nothing and
// clears nothing.
func ClearsSignOut(authTime, mark time.Time) bool {
	if authTime.IsZero() {
		return false
	}
	return authTime.Unix() >= mark.Unix()
}

// StickyPrompt is the prompt an authorize request sends while a sign-out
// mark stands: "login" added to the requested prompt values ("none" cannot
// stand beside it and is dropped: the user has to be asked).
func StickyPrompt(prompt string) string {
	out := []string{"login"}
	for _, v := range strings.Fields(prompt) {
		if v != "login" && v != "none" {
			out = append(out, v)
		}
	}
	return strings.Join(out, " ")
}

// EndsOnShow reports whether a page shown again from the back/forward cache
// (pageshow with persisted) must end its session: a sign-out mark stands that
// is not older than the session's start here (the clinician signed out, here
// or in another tab, while the page lay in the cache).
func EndsOnShow(persisted bool, mark time.Time, marked bool, started time.Time) bool {
	return persisted && marked && !mark.Before(started.Truncate(time.Second))
}

// signOutMarks keeps the client's sign-out mark in a Store, and a copy in
// memory for when the store cannot be written (a sandboxed frame without
// storage: the mark then lasts as long as the page).
type signOutMarks struct {
	key   string
	store storage.Store
	mu    sync.Mutex
	mem   time.Time
	inMem bool
}

func (m *signOutMarks) get() (time.Time, bool) {
	m.mu.Lock()
	mem, inMem, store := m.mem, m.inMem, m.store
	m.mu.Unlock()
	if store != nil {
		if v, ok, err := store.Get(m.key); err == nil {
			if !ok {
				if inMem { // the store refused to keep it (set)
					return mem, true
				}
				return time.Time{}, false
			}
			at := ParseSignOutMark(v)
			if inMem && mem.After(at) {
				at = mem
			}
			return at, true
		}
	}
	return mem, inMem
}

func (m *signOutMarks) set(at time.Time) {
	at = at.Round(0)
	m.mu.Lock()
	if !m.inMem || at.After(m.mem) {
		m.mem, m.inMem = at, true
	}
	store := m.store
	m.mu.Unlock()
	if store == nil {
		return
	}
	v, ok, err := store.Get(m.key)
	if err == nil && ok && !ParseSignOutMark(v).Before(at) {
		err = nil // a later end is marked already
	} else {
		err = store.Set(m.key, strconv.FormatInt(at.UnixMilli(), 10))
	}
	if err == nil {
		m.mu.Lock()
		m.inMem = false // the store holds it, and a sign-in elsewhere may clear it there
		m.mu.Unlock()
	}
}

func (m *signOutMarks) clear() {
	m.mu.Lock()
	m.mem, m.inMem = time.Time{}, false
	store := m.store
	m.mu.Unlock()
	if store != nil {
		_ = store.Remove(m.key)
	}
}

// SetSignOutStore makes store hold the client's sign-out mark (the browser
// bridge passes localStorage whatever pendingLoginStorage says: the mark is
// for every tab of the origin). By default it is the pending logins' store.
func (c *Client) SetSignOutStore(store storage.Store) {
	c.marks.mu.Lock()
	c.marks.store = store
	c.marks.mu.Unlock()
}

// SignedOut reports the sign-out mark of this client's issuer and client:
// the time of the last end by logout or idle not yet followed by a sign-in.
func (c *Client) SignedOut() (time.Time, bool) { return c.marks.get() }

// MarkSignedOut records a sign-out at at (a session's end with a reason of
// SignOutSticks); a later mark already there stays.
func (c *Client) MarkSignedOut(at time.Time) { c.marks.set(at) }

// NoteSignedOut marks the sign-out when reason sticks (see SignOutSticks).
func (c *Client) NoteSignedOut(reason string) {
	if SignOutSticks(reason) {
		c.MarkSignedOut(c.now())
	}
}

// checkSignIn applies the mark to a completed sign-in's ID token: one that
// authenticated after the sign-out clears it; while it stands, a sign-in
// without that proof (the provider signed the user in from its SSO session,
// whatever prompt=login asked) is refused with an id_token_invalid error of
// check auth_time.
func (c *Client) checkSignIn(id *token.IDToken) error {
	mark, ok := c.SignedOut()
	if !ok {
		return nil
	}
	if id != nil && ClearsSignOut(id.AuthTime, mark) {
		c.marks.clear()
		return nil
	}
	at := "no auth_time"
	if id != nil && !id.AuthTime.IsZero() {
		at = "auth_time " + id.AuthTime.UTC().Format(time.RFC3339)
	}
	return &token.IDTokenError{Check: token.CheckAuthTime, Err: fmt.Errorf(
		"signed out at %s, and this sign-in (%s) is not a later authentication: the provider did not ask for the password",
		mark.UTC().Format(time.RFC3339), at)}
}
