package assistant

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/corti-auth/corti-auth/pkce"
)

// Start waits for the first embedded.ready (ReadyTimeout → ErrTimeout), then
// authenticates: it gets Fresh tokens, refuses with ErrNotUserToken — posting
// nothing — when the access token belongs to a service account, posts auth and
// waits for the response (RequestTimeout → ErrTimeout). A failed response gives
// an *Error whose Code is the Assistant's errorCode ("UNAUTHORIZED", ...).
func (c *Controller) Start(ctx context.Context) (User, error) {
	c.prewarm() // while the frame loads (prepare.go)
	if err := c.waitReady(ctx); err != nil {
		return User{}, err
	}
	c.mu.Lock()
	c.authStarted = true
	c.mu.Unlock()
	u, err := c.authenticate(ctx)
	if errors.Is(err, errHeld) { // cannot be the first auth; kept total all the same
		u, _ = c.User()
		return u, nil
	}
	c.reportAuth(u, err)
	return u, err
}

// Reauth sends auth again with Fresh tokens; the bridge calls it after every
// session refresh. Auths never interleave: a Reauth waits for the one in
// flight. Before Start has begun authenticating it does nothing and returns nil.
// When the fresh access token is the one the frame last accepted, nothing is
// posted nor reported and it returns nil: the auth that sent it, say Start's
// whose Fresh refreshed first, already did this one's work. Otherwise the
// result is also reported to OnAuth.
func (c *Controller) Reauth(ctx context.Context) error {
	c.mu.Lock()
	started, stopErr := c.authStarted, c.stopErr
	c.mu.Unlock()
	if stopErr != nil {
		return stopErr
	}
	if !started {
		return nil
	}
	u, err := c.authenticate(ctx)
	if errors.Is(err, errHeld) {
		return nil
	}
	c.reportAuth(u, err)
	return err
}

// errHeld: the frame already holds the fresh access token; nothing was posted.
var errHeld = errors.New("assistant: the frame holds this token already")

// authenticate does one auth round trip, serialized with the others, unless
// the frame already holds the fresh access token (errHeld).
func (c *Controller) authenticate(ctx context.Context) (User, error) {
	// queued: another auth was in flight when this one came (a refresh that the
	// first auth's own Fresh started queues its Reauth here). Only such an auth
	// may find its work done; one made after the last has ended always posts,
	// as the component's auth(tokens) does.
	queued := false
	select {
	case c.authSem <- struct{}{}:
	default:
		queued = true
	}
	if queued {
		if err := c.acquireAuth(ctx); err != nil {
			return User{}, err
		}
	}
	return c.authenticateHeld(ctx, queued)
}

// acquireAuth waits for the auth slot.
func (c *Controller) acquireAuth(ctx context.Context) error {
	select {
	case c.authSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.done:
		return c.stopped()
	}
}

// authenticateHeld is authenticate once the auth slot is held.
func (c *Controller) authenticateHeld(ctx context.Context, queued bool) (User, error) {
	defer func() { <-c.authSem }()
	if err := c.stopped(); err != nil {
		return User{}, err
	}
	resp, expiresAt, profile, err := c.o.Tokens.Fresh(ctx)
	if err != nil {
		return User{}, fmt.Errorf("assistant: fresh tokens for auth: %w", err)
	}
	if resp == nil || resp.AccessToken == "" {
		return User{}, errors.New("assistant: fresh tokens for auth: no access token")
	}
	if c.o.IsServiceAccount != nil && c.o.IsServiceAccount(resp.AccessToken) {
		return User{}, ErrNotUserToken
	}
	c.mu.Lock()
	held := queued && c.authed != "" && c.authed == resp.AccessToken
	if !held {
		c.authed = "" // until this auth is answered: a refused one may leave the frame signed out
	}
	c.mu.Unlock()
	if held {
		return User{}, errHeld
	}
	sent := ForAuth(resp, c.o.ShareRefreshToken)
	payload, err := AuthPayload(sent, expiresAt, profile)
	if err != nil {
		return User{}, err
	}
	c.warnMissing(resp)
	c.noteSentRefresh(sent.RefreshToken)
	m, err := c.roundTrip(ctx, "auth", payload)
	if err != nil {
		return User{}, err
	}
	u := parseUser(m.Payload)
	c.mu.Lock()
	c.user, c.hasUser = u, true
	c.authed = resp.AccessToken
	c.mu.Unlock()
	return u, nil
}

// reportAuth hands an auth outcome to OnAuth, except once the controller is
// destroyed.
func (c *Controller) reportAuth(u User, err error) {
	if c.o.OnAuth == nil || errors.Is(err, ErrDestroyed) {
		return
	}
	c.o.OnAuth(u, err)
}

// maxSentRefresh bounds SentRefreshTokens: the token of the refresh in flight
// and the one before it are enough to recognise a refused shared token.
const maxSentRefresh = 4

// warnMissing warns once when the tokens lack a member Corti's docs mark
// required. The refresh token counts only with ShareRefreshToken: without it
// the host leaves it out on purpose.
func (c *Controller) warnMissing(resp *pkce.TokenResponse) {
	miss := MissingForAuth(resp)
	if !c.o.ShareRefreshToken {
		miss = slices.DeleteFunc(miss, func(m string) bool { return m == "refresh_token" })
	}
	if len(miss) == 0 || c.o.Warn == nil {
		return
	}
	c.mu.Lock()
	warned := c.warned
	c.warned = true
	c.mu.Unlock()
	if !warned {
		c.o.Warn("corti-auth: the tokens sent to the Corti Assistant have no " + strings.Join(miss, " and ") +
			"; Corti's embedded API marks them required (request the openid scope for an id_token; a refresh token lets the session last)")
	}
}

// noteSentRefresh records a refresh token handed to the Assistant (auth with
// ShareRefreshToken, showDeviceLinkQR): SentRefreshTokens.
func (c *Controller) noteSentRefresh(rt string) {
	if rt == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sentRefresh = append(c.sentRefresh, rt)
	if n := len(c.sentRefresh); n > maxSentRefresh {
		c.sentRefresh = append([]string(nil), c.sentRefresh[n-maxSentRefresh:]...)
	}
}
