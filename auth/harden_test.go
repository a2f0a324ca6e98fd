package auth

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/session/sessiontest"
	"github.com/corti-auth/corti-auth/token"
	"github.com/golang-jwt/jwt/v5"
)

// TestTakePendingComparesFirst: two clients (say eu and us) on one page share
// one store. The callback of one handed to the other must leave the right
// client's pending login in place, so that its own HandleCallback still works.
func TestTakePendingComparesFirst(t *testing.T) {
	h := newHarness(t, "")
	other := newFakeRealm(t, h.clock)
	f := httpFetcher{c: other.srv.Client()}
	us := NewClient(other.config(t, ""), f, h.store, token.NewKeySets(f.Get), h.clock.Now)

	_, cb := h.startLogin(t) // the eu client's login
	if _, err := us.HandleCallback(context.Background(), cb); !errors.Is(err, ErrStateMismatch) {
		t.Fatalf("the other client's callback: %v, want ErrStateMismatch", err)
	}
	if n := h.pendingCount(t); n != 1 {
		t.Fatalf("the wrong client's HandleCallback consumed the pending login: %d left", n)
	}
	if _, err := h.client.HandleCallback(context.Background(), cb); err != nil {
		t.Fatalf("the right client's HandleCallback afterwards: %v", err)
	}
}

// TestHandleCallbackRequiresIss: Keycloak (since 23) and the local provider
// always send iss (RFC 9207), so a callback without it is refused (RFC 9207
// §2.4) — unless the config's requireIss is false, the escape hatch for a
// provider that does not send it.
func TestHandleCallbackRequiresIss(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	if _, err := h.client.HandleCallback(context.Background(), withParam(t, cb, "iss", "")); !errors.Is(err, ErrIssMismatch) {
		t.Errorf("a callback without iss: %v, want ErrIssMismatch", err)
	}
	if n := h.realm.tokenRequests(); n != 0 {
		t.Errorf("%d token requests for a callback without iss", n)
	}
	// An error response without iss is refused too: it may come from anywhere.
	_, cb = h.startLogin(t)
	errCB := testRedirect + "?error=access_denied&state=" + param(t, cb, "state")
	if _, err := h.client.HandleCallback(context.Background(), errCB); !errors.Is(err, ErrIssMismatch) {
		t.Errorf("an error callback without iss: %v, want ErrIssMismatch", err)
	}

	h = newHarness(t, `,"requireIss":false`)
	_, cb = h.startLogin(t)
	if _, err := h.client.HandleCallback(context.Background(), withParam(t, cb, "iss", "")); err != nil {
		t.Errorf("requireIss false, a callback without iss: %v", err)
	}
	_, cb = h.startLogin(t)
	if _, err := h.client.HandleCallback(context.Background(), withParam(t, cb, "iss", "https://evil.example/realms/base")); !errors.Is(err, ErrIssMismatch) {
		t.Errorf("requireIss false still compares a present iss: %v", err)
	}
}

// TestExchangeDatedFromTheRequest: expires_in counts from the provider's issue
// time, after the request was sent; the expiries are dated from the send, less
// the second a whole-second exp loses — not from the answer's arrival.
func TestExchangeDatedFromTheRequest(t *testing.T) {
	h := newHarness(t, "")
	_, cb := h.startLogin(t)
	sent := h.clock.Now()
	h.realm.onToken = func(url.Values) *tokenReply {
		h.clock.Add(3 * time.Second) // a slow network
		return nil
	}
	res, err := h.client.HandleCallback(context.Background(), cb)
	if err != nil {
		t.Fatal(err)
	}
	if want := sent.Add(-time.Second); !res.ReceivedAt.Equal(want) {
		t.Fatalf("expiries dated %v after the send, want −1s", res.ReceivedAt.Sub(sent))
	}
	h.realm.onToken = func(url.Values) *tokenReply {
		h.clock.Add(3 * time.Second)
		return nil
	}
	sent = h.clock.Now()
	_, dated, err := h.client.Refresh(context.Background(), res.Tokens.RefreshToken, testSub)
	if err != nil || !dated.Equal(sent.Add(-time.Second)) {
		t.Fatalf("Refresh dated %v after the send (%v), want −1s", dated.Sub(sent), err)
	}
}

// blipFetcher fails the next JWKS fetch when failCerts is set.
type blipFetcher struct {
	httpFetcher
	failCerts *atomic.Bool
	certs     *atomic.Int32
}

func (f blipFetcher) Get(ctx context.Context, u string) (int, []byte, error) {
	if strings.HasSuffix(u, "/certs") {
		f.certs.Add(1)
		if f.failCerts.CompareAndSwap(true, false) {
			return 0, nil, errors.New("network error: Failed to fetch")
		}
	}
	return f.httpFetcher.Get(ctx, u)
}

// rotatingRealm makes the fake realm rotate refresh tokens as Keycloak does
// with "Revoke Refresh Token" on: each refresh token works once, and a spent
// one is invalid_grant. It returns a first token response whose refresh token
// is live.
func rotatingRealm(t *testing.T, r *fakeRealm) *pkce.TokenResponse {
	t.Helper()
	var mu sync.Mutex
	live := map[string]bool{}
	issue := func() map[string]any {
		body := r.tokens("", testSub)
		mu.Lock()
		live[body["refresh_token"].(string)] = true
		mu.Unlock()
		return body
	}
	r.onToken = func(form url.Values) *tokenReply {
		if form.Get("grant_type") != "refresh_token" {
			return nil
		}
		mu.Lock()
		ok := live[form.Get("refresh_token")]
		delete(live, form.Get("refresh_token"))
		mu.Unlock()
		if !ok {
			return &tokenReply{400, map[string]string{"error": "invalid_grant", "error_description": "Maximum allowed refresh token reuse exceeded"}}
		}
		return &tokenReply{200, issue()}
	}
	b, err := json.Marshal(issue())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := pkce.ParseTokenResponse(b)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestRotationSurvivesKeyRotationAndJWKSBlip: refresh token rotation on, the
// realm's signing key rotated, and the one JWKS fetch that would find the new
// key fails. The token endpoint's answer — whose refresh token is the only live
// one — is kept and only the verification retried: the session goes on.
func TestRotationSurvivesKeyRotationAndJWKSBlip(t *testing.T) {
	h := newHarness(t, "")
	clock := sessiontest.NewClock(h.clock.Now())
	var failCerts atomic.Bool
	var certs atomic.Int32
	f := blipFetcher{httpFetcher{h.realm.srv.Client()}, &failCerts, &certs}
	c := NewClient(h.realm.config(t, ""), f, h.store, token.NewKeySets(f.Get), clock.Now)
	c.mono = clock.Mono
	first := rotatingRealm(t, h.realm)
	if _, err := c.VerifyIDToken(context.Background(), first.IDToken, ""); err != nil {
		t.Fatal(err) // the keys of kc-rsa-1 are cached now
	}
	initial, _ := session.NewTokens(first, clock.Now(), nil)
	var mu sync.Mutex
	var ended []string
	s := session.New(session.Config{
		Clock: clock,
		Rand:  func() float64 { return 0 },
		Refresh: func(ctx context.Context, cur session.Tokens) (*pkce.TokenResponse, error) {
			resp, _, err := c.Refresh(ctx, cur.Response.RefreshToken, testSub)
			return resp, err
		},
		OnEvent: func(e session.Event) {
			if e.Name == session.EventEnded {
				mu.Lock()
				ended = append(ended, e.Reason)
				mu.Unlock()
			}
		},
	}, initial)
	t.Cleanup(s.Close)

	h.realm.mu.Lock()
	h.realm.kid, h.realm.key = "kc-rsa-2", otherKey // the realm rotates its key
	h.realm.mu.Unlock()
	failCerts.Store(true) // and the fetch that would find it fails once

	clock.Advance(200 * time.Second) // the planned refresh at 180 s, its retry
	mu.Lock()
	defer mu.Unlock()
	if len(ended) != 0 {
		t.Fatalf("the session ended %v", ended)
	}
	cur := s.Current()
	if cur.Response.AccessToken == first.AccessToken || cur.Response.RefreshToken == first.RefreshToken {
		t.Fatal("the session did not take the new tokens")
	}
	if n := h.realm.tokenRequests(); n != 1 {
		t.Fatalf("%d token requests, want 1: only the verification is retried", n)
	}
	if n := certs.Load(); n != 3 {
		t.Fatalf("%d JWKS fetches, want 3 (the first, the failed one, the retry)", n)
	}
	tok, err := s.AccessToken(context.Background())
	if err != nil || tok != cur.Response.AccessToken {
		t.Fatalf("AccessToken = %v", err)
	}
}

// TestRefreshAfterClockSet: a refreshed ID token's iat and exp are judged at
// receipt against the wall clock and the monotonic estimate of the provider's
// time: a wall clock set back more than the 60 s leeway (iat would look
// future), or forward past the ID token's exp, fails nothing; a token that is
// expired by both still fails.
func TestRefreshAfterClockSet(t *testing.T) {
	for _, tt := range []struct {
		name      string
		set       time.Duration
		exp       time.Duration // the ID token's exp after its iat
		wantCheck string
	}{
		{"set back 5 min", -5 * time.Minute, 5 * time.Minute, ""},
		{"set forward 1 h", time.Hour, 5 * time.Minute, ""},
		{"expired by both clocks", 0, -10 * time.Minute, token.CheckExpiry},
		{"set back, and expired by both", -5 * time.Minute, -10 * time.Minute, token.CheckExpiry},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			clock := sessiontest.NewClock(h.clock.Now())
			f := httpFetcher{h.realm.srv.Client()}
			c := NewClient(h.realm.config(t, ""), f, h.store, token.NewKeySets(f.Get), clock.Now)
			c.mono = clock.Mono
			_, cb := h.startLogin(t)
			c.pending = h.client.pending
			res, err := c.HandleCallback(context.Background(), cb)
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Minute)
			h.clock.Add(time.Minute) // the provider's clock runs on
			clock.SetWall(tt.set)
			h.realm.idClaims = func(m jwt.MapClaims) { m["exp"] = h.clock.Now().Add(tt.exp).Unix() }
			_, _, err = c.Refresh(context.Background(), res.Tokens.RefreshToken, testSub)
			var ie *token.IDTokenError
			switch {
			case tt.wantCheck == "" && err != nil:
				t.Fatalf("Refresh: %v", err)
			case tt.wantCheck != "" && (!errors.As(err, &ie) || ie.Check != tt.wantCheck):
				t.Fatalf("Refresh: %v, want check %q", err, tt.wantCheck)
			}
		})
	}
}
