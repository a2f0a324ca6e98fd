package storage

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// PendingLogin is what an authorize request leaves behind for its callback:
// the PKCE verifier, the state and nonce to check, and where the request went.
type PendingLogin struct {
	State       string
	Verifier    string
	Nonce       string
	RedirectURI string
	ClientID    string
	Issuer      string
	CreatedAt   time.Time // stored as unix milliseconds
	// MaxAge and ACRValues are the step-up parameters the request sent
	// (max_age in seconds, nil when not sent; acr_values space-separated), for
	// the ID token's auth_time and acr checks. Entries stored without them
	// (before they existed) read as nil and "": nothing to check.
	MaxAge    *int64
	ACRValues string
	// Handoff marks a login whose callback page hands the callback back to the
	// tab that started it (loginWithPopup, restore()'s silent step): a page
	// that gets such a callback hands it over instead of exchanging the code
	// itself. Such a login lives in the starting tab's memory; what goes to
	// storage is its HandoffSign, without Verifier and Nonce.
	Handoff bool
}

// HandoffSign is what of a handed-off login is stored: the state, client,
// issuer, creation time and the Handoff mark — what tells a page the callback
// lands on to hand it over. The PKCE verifier, the nonce, the redirect URI and
// the step-up parameters stay in the memory of the tab that started it: a
// script or a later user of the browser finds no secret of a login in storage.
func HandoffSign(l PendingLogin) PendingLogin {
	return PendingLogin{State: l.State, ClientID: l.ClientID, Issuer: l.Issuer, CreatedAt: l.CreatedAt, Handoff: true}
}

// IsSign reports whether l is a HandoffSign read back (no verifier): it
// cannot complete a login.
func (l PendingLogin) IsSign() bool { return l.Handoff && l.Verifier == "" }

// PendingPrefix starts the key of every pending login; the state follows it.
const PendingPrefix = "corti-auth:pending:"

// TakenPrefix names the claim a tab makes on a pending login as it takes it
// (Claimer): a lock name, not a storage key.
const TakenPrefix = "corti-auth:taken:"

// ClaimHold is how long the tab that took a pending login keeps its claim:
// far longer than a removal takes to reach the other tabs' storage.
const ClaimHold = 5 * time.Second

// PendingTTL is how long a pending login waits for its callback by default.
const PendingTTL = 10 * time.Minute

// SweepInterval bounds how often Save sweeps the whole store: a sweep reads
// every key of the store (the host page's too) and every pending entry, so
// doing it at each Save made n back-to-back logins cost O(n²). Between sweeps
// Save still sweeps as soon as an entry it saved itself may have gone stale;
// entries other tabs saved are their own Save's business, and stale or corrupt
// ones left by anybody are gone at the next sweep, at most SweepInterval later.
const SweepInterval = time.Minute

// Pending keeps pending logins in a Store, one entry per login under
// PendingPrefix+state, so that logins started in two tabs never overwrite each
// other (the flaw of a single global verifier slot). Entries are deleted when
// taken and swept when stale.
type Pending struct {
	Store Store
	Now   func() time.Time // nil → time.Now
	TTL   time.Duration    // 0 → PendingTTL

	mu      sync.Mutex
	sweptAt time.Time // the last full sweep; zero: none yet
	dueAt   time.Time // Save sweeps from then on (see SweepInterval)
}

// pendingEntry is the stored JSON form of a PendingLogin.
type pendingEntry struct {
	State       string `json:"state"`
	Verifier    string `json:"verifier,omitempty"` // absent in a HandoffSign
	Nonce       string `json:"nonce,omitempty"`
	RedirectURI string `json:"redirect_uri,omitempty"`
	ClientID    string `json:"client_id"`
	Issuer      string `json:"issuer,omitempty"`
	CreatedAt   int64  `json:"created_at"` // unix milliseconds
	MaxAge      *int64 `json:"max_age,omitempty"`
	ACRValues   string `json:"acr_values,omitempty"`
	Handoff     bool   `json:"handoff,omitempty"`
}

func (p *Pending) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pending) ttl() time.Duration {
	if p.TTL > 0 {
		return p.TTL
	}
	return PendingTTL
}

// Save stores l under its state, after sweeping stale entries (see Sweep) when
// a sweep is due: on the first Save, when an entry this Pending saved may have
// gone stale since the last sweep, when the clock went back, and at least every
// SweepInterval. A zero CreatedAt is set to the current time. It returns an
// error when State or Verifier is empty (a HandoffSign has no verifier), and
// an error wrapping ErrUnavailable when the store fails (a full quota, storage
// denied).
func (p *Pending) Save(l PendingLogin) error {
	if l.State == "" || l.Verifier == "" && !l.Handoff {
		return errors.New("storage: pending login needs a state and a verifier")
	}
	now := p.now()
	if p.sweepDue(now) {
		if _, err := p.Sweep(); err != nil {
			return err
		}
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = now
	}
	b, err := json.Marshal(pendingEntry{
		State: l.State, Verifier: l.Verifier, Nonce: l.Nonce, RedirectURI: l.RedirectURI,
		ClientID: l.ClientID, Issuer: l.Issuer, CreatedAt: l.CreatedAt.UnixMilli(),
		MaxAge: l.MaxAge, ACRValues: l.ACRValues, Handoff: l.Handoff,
	})
	if err != nil {
		return fmt.Errorf("storage: encode pending login: %w", err)
	}
	if err := p.Store.Set(PendingPrefix+l.State, string(b)); err != nil {
		return unavailable("save pending login", err)
	}
	p.noteKept(l, now)
	return nil
}

// sweepDue reports whether Save must sweep at now.
func (p *Pending) sweepDue(now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sweptAt.IsZero() || now.Before(p.sweptAt) || !now.Before(p.dueAt)
}

// noteKept brings the next sweep forward to when l goes stale (at once for an
// entry that is stale already, dated more than a TTL ahead).
func (p *Pending) noteKept(l PendingLogin, now time.Time) {
	due := l.CreatedAt.Add(p.ttl())
	if p.stale(l) {
		due = now
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if due.Before(p.dueAt) {
		p.dueAt = due
	}
}

// Take returns the pending login saved under state and deletes it; the
// deletion happens before Take returns, so a replayed callback finds nothing.
// It returns an error wrapping ErrNoPending when there is none (or the entry
// is corrupt, which is deleted too), ErrExpired when it is older than the TTL
// (deleted all the same), and ErrUnavailable when the store fails — in which
// case the login is not returned, since it could not be consumed.
//
// When the Store is a Locker, the read and the removal happen under its lock
// named after the entry's key, so that of two tabs handling one callback at the
// same instant only one gets the login (the other finds nothing, instead of
// exchanging the code a second time: a provider may then revoke the tokens the
// first exchange gave). When another tab holds that lock for longer than
// LockWait (errLockHeld), it is taking the login: Take returns an error
// wrapping ErrNoPending, rather than racing the other waiters without the
// lock. When the lock cannot be had at all, Take goes on without it. When the
// Store is also a Claimer, a Take that finds the entry claims the state before
// removing it, and finds nothing when another tab claimed it first.
func (p *Pending) Take(state string) (PendingLogin, error) {
	if state == "" {
		return PendingLogin{}, fmt.Errorf("%w: empty state", ErrNoPending)
	}
	if lk, ok := p.Store.(Locker); ok {
		var (
			l   PendingLogin
			err error
			ran bool
		)
		lockErr := lk.Exclusive(PendingPrefix+state, func() { l, err = p.take(state); ran = true })
		if ran {
			return l, err
		}
		if errors.Is(lockErr, errLockHeld) {
			return PendingLogin{}, fmt.Errorf("%w: another tab is taking it (%v)", ErrNoPending, lockErr)
		}
		// The lock could not be had: take it as a store without locks would.
	}
	return p.take(state)
}

func (p *Pending) take(state string) (PendingLogin, error) {
	key := PendingPrefix + state
	raw, ok, err := p.Store.Get(key)
	if err != nil {
		return PendingLogin{}, unavailable("read pending login", err)
	}
	if !ok {
		return PendingLogin{}, ErrNoPending
	}
	if c, ok := p.Store.(Claimer); ok {
		// The lock alone does not make a removal visible to the next holder
		// (see Claimer): the first claim on the state decides who has it.
		if won, err := c.Claim(TakenPrefix+state, ClaimHold); err == nil && !won {
			return PendingLogin{}, fmt.Errorf("%w: another tab took it", ErrNoPending)
		}
	}
	if err := p.Store.Remove(key); err != nil {
		return PendingLogin{}, unavailable("delete pending login", err)
	}
	l, err := decodePending(raw, state)
	if err != nil {
		return PendingLogin{}, err
	}
	if p.stale(l) {
		return PendingLogin{}, fmt.Errorf("%w: created %s", ErrExpired, l.CreatedAt.UTC().Format(time.RFC3339))
	}
	return l, nil
}

// Peek returns the pending login saved under state without deleting it; ok is
// false when there is none, or it is corrupt or expired. The error wraps
// ErrUnavailable when the store fails.
func (p *Pending) Peek(state string) (l PendingLogin, ok bool, err error) {
	raw, ok, err := p.Store.Get(PendingPrefix + state)
	if err != nil {
		return PendingLogin{}, false, unavailable("read pending login", err)
	}
	if !ok || state == "" {
		return PendingLogin{}, false, nil
	}
	l, err = decodePending(raw, state)
	if err != nil || p.stale(l) {
		return PendingLogin{}, false, nil
	}
	return l, true, nil
}

// Sweep deletes every pending login that is older than the TTL, dated more
// than a TTL in the future (a clock set back), or unparseable, and returns how
// many it removed. Entries of other logins still waiting are kept. It returns an
// error wrapping ErrUnavailable when the store fails.
func (p *Pending) Sweep() (removed int, err error) {
	now := p.now()
	keys, err := p.Store.Keys()
	if err != nil {
		return 0, unavailable("list pending logins", err)
	}
	due := now.Add(SweepInterval)
	defer func() {
		if err == nil {
			p.mu.Lock()
			p.sweptAt, p.dueAt = now, due
			p.mu.Unlock()
		}
	}()
	for _, key := range keys {
		state, ok := strings.CutPrefix(key, PendingPrefix)
		if !ok {
			continue
		}
		raw, ok, err := p.Store.Get(key)
		if err != nil {
			return removed, unavailable("read pending login", err)
		}
		if !ok {
			continue // removed meanwhile, by another tab
		}
		if l, err := decodePending(raw, state); err == nil && !p.stale(l) {
			if exp := l.CreatedAt.Add(p.ttl()); exp.Before(due) {
				due = exp // kept, but stale before the next interval's sweep
			}
			continue
		}
		if err := p.Store.Remove(key); err != nil {
			return removed, unavailable("delete pending login", err)
		}
		removed++
	}
	return removed, nil
}

func (p *Pending) stale(l PendingLogin) bool {
	age := p.now().Sub(l.CreatedAt)
	return age > p.ttl() || age < -p.ttl()
}

// decodePending parses a stored entry; a corrupt one gives an error wrapping
// ErrNoPending with the reason.
func decodePending(raw, state string) (PendingLogin, error) {
	var e pendingEntry
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		return PendingLogin{}, fmt.Errorf("%w: corrupt entry: %v", ErrNoPending, err)
	}
	switch {
	case e.State != state:
		return PendingLogin{}, fmt.Errorf("%w: corrupt entry: stored under state %q but holds %q", ErrNoPending, state, e.State)
	case e.Verifier == "" && !e.Handoff:
		return PendingLogin{}, fmt.Errorf("%w: corrupt entry: no verifier", ErrNoPending)
	case e.CreatedAt <= 0:
		return PendingLogin{}, fmt.Errorf("%w: corrupt entry: no creation time", ErrNoPending)
	}
	return PendingLogin{
		State: e.State, Verifier: e.Verifier, Nonce: e.Nonce, RedirectURI: e.RedirectURI,
		ClientID: e.ClientID, Issuer: e.Issuer, CreatedAt: time.UnixMilli(e.CreatedAt),
		MaxAge: e.MaxAge, ACRValues: e.ACRValues, Handoff: e.Handoff,
	}, nil
}
