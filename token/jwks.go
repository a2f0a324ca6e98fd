package token

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

const (
	// refetchInterval is how long after a fetch a kid that was already looked
	// for (and not found) is answered from the cache instead of fetching the
	// JWKS again: tokens with a made-up kid cannot turn every call into a
	// request. A kid not yet looked for is fetched for at once: a Keycloak admin
	// who adds a key of higher priority signs with it from that moment on.
	refetchInterval = 10 * time.Second
	// maxSought bounds the memory of kids looked for.
	maxSought = 64
	// fetchTimeout bounds one JWKS fetch, which no single caller can cancel.
	fetchTimeout = 30 * time.Second
)

// Fetcher fetches url with GET and returns the HTTP status and the body; the
// browser bridge implements it with fetch(). It must honour ctx.
type Fetcher func(ctx context.Context, url string) (status int, body []byte, err error)

// KeySet is the JWK Set (RFC 7517 §5) of one issuer, fetched lazily from its
// URL and cached. It is safe for concurrent use, and concurrent fetches are
// single-flighted: the first caller starts the fetch, the others wait for its
// result or for their own context.
type KeySet struct {
	url   string
	fetch Fetcher
	now   func() time.Time // nil means time.Now; set by tests

	mu          sync.Mutex
	keys        []jwk
	gen         uint64            // number of successful fetches
	lastAttempt time.Time         // end of the last fetch, successful or not
	sought      map[string]uint64 // unknown kid → the generation fetched for it
	inflight    *inflight
}

// inflight is a fetch in progress; done is closed once keys and err are set.
type inflight struct {
	done chan struct{}
	keys []jwk
	err  error
}

// NewKeySet returns the KeySet of the JWKS at jwksURL, fetched with fetch. It
// fetches nothing until Key is called.
func NewKeySet(jwksURL string, fetch Fetcher) *KeySet {
	return &KeySet{url: jwksURL, fetch: fetch}
}

func (k *KeySet) clock() time.Time {
	if k.now != nil {
		return k.now()
	}
	return time.Now()
}

// URL returns the JWKS URL.
func (k *KeySet) URL() string { return k.url }

// Key returns the public key (*rsa.PublicKey or *ecdsa.PublicKey) that verifies
// a JWS with header kid and alg (RS256, PS256 or ES256). An empty kid selects
// the only key of a JWKS that holds exactly one signing key.
//
// When kid is not in the cached JWKS, Key fetches the JWKS again, at most once
// per call: at once for a kid not looked for in the cached JWKS yet (so a
// rotated key is found on the first call that needs it, however recent the
// last fetch), and for a kid already looked for in vain only if the last fetch
// ended at least 10 s ago (so made-up kids cannot make every call a request). While no fetch has succeeded, every call fetches (one
// fetch at a time). It returns an error wrapping ErrJWKS when the JWKS
// cannot be fetched or used, or when ctx ends while waiting for it; another
// error when kid is still unknown, when kid is empty and the JWKS holds several
// keys, or when the JWK cannot verify alg (its kty, crv or alg does not fit).
func (k *KeySet) Key(ctx context.Context, kid, alg string) (crypto.PublicKey, error) {
	if !slices.Contains(verifyAlgs, alg) {
		return nil, fmt.Errorf("%w: alg %q is not supported", errKeyAlg, alg)
	}
	k.mu.Lock()
	keys, gen, last := k.keys, k.gen, k.lastAttempt
	k.mu.Unlock()
	if gen > 0 {
		key, err := pick(keys, kid, alg)
		if !errors.Is(err, errUnknownKey) || kid == "" {
			return key, err
		}
		k.mu.Lock()
		sought := k.sought[kid] == gen
		k.mu.Unlock()
		if sought && k.clock().Sub(last) < refetchInterval {
			return key, err
		}
	}
	keys, err := k.refresh(ctx, gen)
	if err != nil {
		return nil, err
	}
	key, err := pick(keys, kid, alg)
	if errors.Is(err, errUnknownKey) && kid != "" {
		k.mu.Lock()
		if k.sought == nil || len(k.sought) >= maxSought {
			k.sought = map[string]uint64{}
		}
		k.sought[kid] = k.gen
		k.mu.Unlock()
	}
	return key, err
}

// pick returns the first key named kid that can verify alg.
func pick(keys []jwk, kid, alg string) (crypto.PublicKey, error) {
	if kid == "" {
		if len(keys) != 1 {
			return nil, fmt.Errorf("%w: the token has no kid and the JWKS holds %d keys", errUnknownKey, len(keys))
		}
		if !keys[0].canVerify(alg) {
			return nil, fmt.Errorf("%w: the only JWK (%s, alg %q) cannot verify %s", errKeyAlg, keys[0].kty, keys[0].alg, alg)
		}
		return keys[0].key, nil
	}
	found := false
	for i := range keys {
		if keys[i].kid == kid {
			if keys[i].canVerify(alg) {
				return keys[i].key, nil
			}
			found = true
		}
	}
	if found {
		return nil, fmt.Errorf("%w: JWK %q cannot verify %s", errKeyAlg, kid, alg)
	}
	return nil, fmt.Errorf("%w: kid %q", errUnknownKey, kid)
}

// Prefetch starts fetching the JWKS when none has been fetched yet and returns
// at once; a later Key call joins that fetch. Sign-in calls it before the code
// exchange, so the keys arrive while the token request is on its way instead
// of after it.
func (k *KeySet) Prefetch(ctx context.Context) {
	k.mu.Lock()
	start := k.gen == 0 && k.inflight == nil
	if start {
		fl := &inflight{done: make(chan struct{})}
		k.inflight = fl
		go k.update(context.WithoutCancel(ctx), fl)
	}
	k.mu.Unlock()
}

// refresh returns the keys of a fetch that ended after generation seen: one
// already done, the one in flight, or a new one. The fetch runs detached from
// ctx (keeping its values), so a caller giving up does not fail the others.
func (k *KeySet) refresh(ctx context.Context, seen uint64) ([]jwk, error) {
	k.mu.Lock()
	if k.gen != seen {
		keys := k.keys
		k.mu.Unlock()
		return keys, nil
	}
	fl := k.inflight
	if fl == nil {
		fl = &inflight{done: make(chan struct{})}
		k.inflight = fl
		go k.update(context.WithoutCancel(ctx), fl)
	}
	k.mu.Unlock()
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for %s: %w", ErrJWKS, k.url, ctx.Err())
	case <-fl.done:
		return fl.keys, fl.err
	}
}

func (k *KeySet) update(ctx context.Context, fl *inflight) {
	keys, err := k.load(ctx)
	k.mu.Lock()
	if err == nil {
		k.keys = keys
		k.gen++
	}
	k.lastAttempt = k.clock()
	k.inflight = nil
	k.mu.Unlock()
	fl.keys, fl.err = keys, err
	close(fl.done)
}

// load fetches and parses the JWKS; a panicking Fetcher becomes an error, as
// a panic in this goroutine would end the whole wasm program.
func (k *KeySet) load(ctx context.Context) (keys []jwk, err error) {
	defer func() {
		if r := recover(); r != nil {
			keys, err = nil, fmt.Errorf("%w: fetching %s panicked: %v", ErrJWKS, k.url, r)
		}
	}()
	if k.fetch == nil {
		return nil, fmt.Errorf("%w: no Fetcher", ErrJWKS)
	}
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	status, body, err := k.fetch(ctx, k.url)
	if err != nil {
		return nil, fmt.Errorf("%w: fetching %s: %w", ErrJWKS, k.url, err)
	}
	if status != 200 {
		return nil, fmt.Errorf("%w: %s answered HTTP %d", ErrJWKS, k.url, status)
	}
	return parseJWKS(body)
}

// KeySets caches one KeySet per issuer. It is safe for concurrent use. Pass it
// configured issuers only: it never forgets one.
type KeySets struct {
	fetch Fetcher
	mu    sync.Mutex
	sets  map[string]*KeySet
}

// NewKeySets returns an empty cache whose KeySets fetch with fetch.
func NewKeySets(fetch Fetcher) *KeySets {
	return &KeySets{fetch: fetch, sets: map[string]*KeySet{}}
}

// For returns the KeySet of a Keycloak realm issuer, creating it on first use.
// Its JWKS URL is issuer + "/protocol/openid-connect/certs" (a trailing slash
// of issuer is dropped first).
func (s *KeySets) For(issuer string) *KeySet {
	s.mu.Lock()
	defer s.mu.Unlock()
	ks, ok := s.sets[issuer]
	if !ok {
		ks = NewKeySet(strings.TrimSuffix(issuer, "/")+"/protocol/openid-connect/certs", s.fetch)
		s.sets[issuer] = ks
	}
	return ks
}
