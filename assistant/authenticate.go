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
	c.reportAuth(u, err)
	return u, err
}

// Reauth sends auth again with Fresh tokens; the bridge calls it after every
// session refresh. Auths never interleave: a Reauth waits for the one in
// flight. Before Start has begun authenticating it does nothing and returns nil.
// The result is also reported to OnAuth.
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
	c.reportAuth(u, err)
	return err
}

// authenticate does one auth round trip, serialized with the others.
func (c *Controller) authenticate(ctx context.Context) (User, error) {
	select {
	case c.authSem <- struct{}{}:
	case <-ctx.Done():
		return User{}, ctx.Err()
	case <-c.done:
		return User{}, c.stopped()
	}
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
	sent := ForAuth(resp, c.o.ShareRefreshToken)
	payload, err := AuthPayload(sent, expiresAt, profile)
	if err != nil {
		return User{}, err
	}
	c.warnMissing(resp)
	if sent.RefreshToken != "" {
		c.mu.Lock()
		c.sentRefresh = append(c.sentRefresh, sent.RefreshToken)
		if n := len(c.sentRefresh); n > maxSentRefresh {
			c.sentRefresh = append([]string(nil), c.sentRefresh[n-maxSentRefresh:]...)
		}
		c.mu.Unlock()
	}
	m, err := c.roundTrip(ctx, "auth", payload)
	if err != nil {
		return User{}, err
	}
	u := parseUser(m.Payload)
	c.mu.Lock()
	c.user, c.hasUser = u, true
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
