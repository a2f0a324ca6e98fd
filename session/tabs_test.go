package session_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/session/sessiontest"
	"github.com/corti-auth/corti-auth/token"
)

const (
	testIss = "http://127.0.0.1:8180/realms/base"
	testAzp = "corti-demo"
)

var b64 = base64.RawURLEncoding

// jwtOf is a JWT with claims; sig is its signature segment (the fake verifier
// accepts ID tokens whose signature is "valid").
func jwtOf(claims map[string]any, sig string) string {
	h, _ := json.Marshal(map[string]any{"alg": "RS256", "typ": "JWT", "kid": "k1"})
	p, _ := json.Marshal(claims)
	return b64.EncodeToString(h) + "." + b64.EncodeToString(p) + "." + b64.EncodeToString([]byte(sig))
}

// claimsFor are Keycloak-like claims for sub, issued at iat for ttl seconds;
// n makes the token unique.
func claimsFor(sub string, n int, iat time.Time, ttl int64) map[string]any {
	return map[string]any{
		"iss": testIss, "azp": testAzp, "aud": testAzp, "sub": sub, "jti": strconv.Itoa(n),
		"iat": iat.Unix(), "exp": iat.Unix() + ttl, "preferred_username": sub, "sid": "kc-" + sub,
	}
}

type tokOpt func(access, id map[string]any, t *session.Tokens)

// userTokens are tokens of sub received at at, valid ttl seconds, with an ID
// token that verifies (options change them).
func userTokens(sub string, n int, at time.Time, ttl int64, opts ...tokOpt) session.Tokens {
	access, id := claimsFor(sub, n, at, ttl), claimsFor(sub, n, at, ttl)
	var t session.Tokens
	idSig := "valid"
	for _, o := range opts {
		o(access, id, &t)
	}
	if s, ok := id["_sig"].(string); ok {
		idSig = s
		delete(id, "_sig")
	}
	r := &pkce.TokenResponse{
		AccessToken: jwtOf(access, "sig"), TokenType: "Bearer", ExpiresIn: ttl,
		RefreshToken: "rt-" + sub + "-" + strconv.Itoa(n), RefreshExpiresIn: 1800,
	}
	if _, none := id["_none"]; !none {
		r.IDToken = jwtOf(id, idSig)
	}
	if raw, ok := access["_raw"].(string); ok {
		r.AccessToken = raw
	}
	r.Raw = map[string]json.RawMessage{}
	for k, v := range r.Map() {
		b, _ := json.Marshal(v)
		r.Raw[k] = b
	}
	base, _ := session.NewTokens(r, at, nil)
	if !t.ExpiresAt.IsZero() {
		base.ExpiresAt = t.ExpiresAt
	}
	if !t.ReceivedAt.IsZero() {
		base.ReceivedAt = t.ReceivedAt
	}
	return base
}

func subOf(tok string) string {
	c, err := token.DecodeUnverified(tok)
	if err != nil {
		return ""
	}
	return c.Subject
}

// verifier is a fake session verifier: an ID token verifies when its
// signature segment is "valid".
type verifier struct{ calls atomic.Int32 }

func (v *verifier) verify(_ context.Context, raw string) (*token.IDToken, error) {
	v.calls.Add(1)
	parts := strings.Split(raw, ".")
	if len(parts) != 3 || parts[2] != b64.EncodeToString([]byte("valid")) {
		return nil, &token.IDTokenError{Check: token.CheckSignature, Err: errors.New("bad signature")}
	}
	c, err := token.DecodeUnverified(raw)
	if err != nil {
		return nil, err
	}
	return &token.IDToken{Subject: c.Subject}, nil
}

// world is one browser origin: a Bus, the machine's clock, the verifier and
// the provider (a RefreshFunc shared by the tabs, counting its calls).
type world struct {
	tb    testing.TB
	bus   *sessiontest.Bus
	clock *sessiontest.Clock
	v     verifier
	calls atomic.Int32
	n     atomic.Int32
}

func newWorld(tb testing.TB) *world {
	return &world{tb: tb, bus: sessiontest.NewBus(), clock: sessiontest.NewClock(t0)}
}

func (w *world) tabsConfig() session.TabsConfig {
	return session.TabsConfig{Name: session.ChannelName(testIss, testAzp), Issuer: testIss, ClientID: testAzp, Clock: w.clock, VerifyIDToken: w.v.verify}
}

// refresh is the provider: new 300 s tokens for the current user.
func (w *world) refresh(_ context.Context, cur session.Tokens) (*pkce.TokenResponse, error) {
	w.calls.Add(1)
	return userTokens(subOf(cur.AccessToken()), 1000+int(w.n.Add(1)), w.clock.Now(), 300).Response, nil
}

type tab struct {
	s    *session.Session
	tabs *session.Tabs
	mu   sync.Mutex
	evs  []session.Event
}

// open starts a tab with a session on initial (join: restored from a sibling,
// nil: signed in here). rnd is its jitter draw: a larger one refreshes earlier.
func (w *world) open(initial session.Tokens, join *session.Sibling, rnd float64) *tab {
	w.tb.Helper()
	tb := &tab{}
	tabs, err := session.OpenTabs(w.bus.Open, w.tabsConfig())
	if err != nil {
		w.tb.Fatal(err)
	}
	tb.tabs = tabs
	tb.s = session.New(session.Config{
		Clock: w.clock, Rand: func() float64 { return rnd }, Refresh: w.refresh, Coordinator: tabs,
		OnEvent: func(e session.Event) { tb.mu.Lock(); tb.evs = append(tb.evs, e); tb.mu.Unlock() },
	}, initial)
	tabs.Attach(tb.s, join)
	w.tb.Cleanup(func() { tb.s.Close(); tabs.Close() })
	return tb
}

func (tb *tab) access() string { return tb.s.Current().AccessToken() }

func (tb *tab) ended() string {
	if ended, reason := tb.s.Ended(); ended {
		return reason
	}
	return ""
}

// start opens a tab's Tabs (open, cfg) and starts its session on initial,
// refreshing with refresh (join: restored from that sibling; nil: signed in
// here), with no jitter.
func (w *world) start(open session.OpenChannel, cfg session.TabsConfig, refresh session.RefreshFunc, initial session.Tokens, join *session.Sibling) *session.Session {
	w.tb.Helper()
	tabs, err := session.OpenTabs(open, cfg)
	if err != nil {
		w.tb.Fatal(err)
	}
	s := session.New(session.Config{Clock: w.clock, Rand: func() float64 { return 0 }, Refresh: refresh, Coordinator: tabs}, initial)
	tabs.Attach(s, join)
	w.tb.Cleanup(func() { s.Close(); tabs.Close() })
	return s
}

// lastSID is the session id of the last message posted on the Bus.
func (w *world) lastSID() string {
	sid := ""
	for _, m := range w.bus.Posted() {
		var x struct{ SID string }
		_ = json.Unmarshal(m, &x)
		sid = x.SID
	}
	return sid
}

// forger posts raw messages on the channel, as any script of the origin can.
func (w *world) forger() session.Channel {
	ch, _ := w.bus.Open(session.ChannelName(testIss, testAzp), nil)
	w.tb.Cleanup(ch.Close)
	return ch
}

func tokensMsg(kind, sid string, t session.Tokens) []byte {
	resp, _ := t.Response.MarshalJSON()
	m := map[string]any{"t": kind, "sid": sid, "tokens": map[string]any{
		"response": json.RawMessage(resp), "receivedAt": t.ReceivedAt.UnixMilli(), "expiresAt": t.ExpiresAt.UnixMilli(),
	}}
	b, _ := json.Marshal(m)
	return b
}

// TestTabsMessage: what each kind of message does to a signed-in tab (alice,
// session sid).
func TestTabsMessage(t *testing.T) {
	later := t0.Add(time.Minute)
	ownSID := func(tb *tab) string { return tb.tabs.ID() }
	otherSID := func(*tab) string { return "0123456789abcdef0123456789abcdef" }
	for _, tc := range []struct {
		name string
		msg  func(tb *tab) []byte
		// adopt: the tab takes the message's tokens (else it keeps its
		// own); wantEnded: its end reason ("" = live); wantAnswer: it posts
		// its tokens in reply.
		adopt      bool
		wantEnded  string
		wantAnswer bool
	}{
		{name: "tokens of the session, later", adopt: true,
			msg: func(tb *tab) []byte { return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, later, 300)) }},
		{name: "tokens of the session without an ID token", adopt: true,
			msg: func(tb *tab) []byte {
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, later, 300, func(_, id map[string]any, _ *session.Tokens) { id["_none"] = true }))
			}},
		{name: "tokens of the session, earlier",
			msg: func(tb *tab) []byte {
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, t0.Add(-time.Minute), 300))
			}},
		{name: "tokens with an ID token that does not verify",
			msg: func(tb *tab) []byte {
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, later, 300, func(_, id map[string]any, _ *session.Tokens) { id["_sig"] = "forged" }))
			}},
		{name: "tokens whose ID token is for another sub",
			msg: func(tb *tab) []byte {
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, later, 300, func(_, id map[string]any, _ *session.Tokens) { id["sub"] = "bob" }))
			}},
		{name: "tokens of another session id",
			msg: func(tb *tab) []byte { return tokensMsg("tokens", otherSID(tb), userTokens("alice", 2, later, 300)) }},
		{name: "tokens of another user",
			msg: func(tb *tab) []byte { return tokensMsg("tokens", ownSID(tb), userTokens("bob", 2, later, 300)) }},
		{name: "tokens of another client",
			msg: func(tb *tab) []byte {
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, later, 300, func(a, id map[string]any, _ *session.Tokens) { a["azp"], id["azp"] = "other", "other" }))
			}},
		{name: "tokens of another issuer",
			msg: func(tb *tab) []byte {
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, later, 300, func(a, id map[string]any, _ *session.Tokens) { a["iss"] = "https://evil.example/realms/base" }))
			}},
		{name: "tokens whose access token is not a JWT",
			msg: func(tb *tab) []byte {
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, later, 300, func(a, _ map[string]any, _ *session.Tokens) { a["_raw"] = "opaque-token" }))
			}},
		{name: "tokens without exp",
			msg: func(tb *tab) []byte {
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, later, 300, func(a, _ map[string]any, _ *session.Tokens) { delete(a, "exp") }))
			}},
		{name: "tokens with a far expiry (forged)",
			msg: func(tb *tab) []byte {
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, later, 300, func(_, _ map[string]any, t *session.Tokens) { t.ExpiresAt = later.AddDate(100, 0, 0) }))
			}},
		{name: "tokens received in the future (forged)",
			msg: func(tb *tab) []byte {
				at := t0.AddDate(1, 0, 0)
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, at, 300))
			}},
		{name: "tokens a second longer than exp allows: rounding", adopt: true,
			msg: func(tb *tab) []byte {
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, later, 300, func(_, _ map[string]any, t *session.Tokens) { t.ExpiresAt = later.Add(301 * time.Second) }))
			}},
		{name: "tokens two seconds longer than exp allows",
			msg: func(tb *tab) []byte {
				return tokensMsg("tokens", ownSID(tb), userTokens("alice", 2, later, 300, func(_, _ map[string]any, t *session.Tokens) { t.ExpiresAt = later.Add(302 * time.Second) }))
			}},
		{name: "a sign-in of another user", wantEnded: session.ReasonUserChanged,
			msg: func(tb *tab) []byte { return tokensMsg("signin", otherSID(tb), userTokens("bob", 2, later, 300)) }},
		{name: "a sign-in of the same user in another session",
			msg: func(tb *tab) []byte { return tokensMsg("signin", otherSID(tb), userTokens("alice", 2, later, 300)) }},
		{name: "a sign-in of another user whose ID token does not verify",
			msg: func(tb *tab) []byte {
				return tokensMsg("signin", otherSID(tb), userTokens("bob", 2, later, 300, func(_, id map[string]any, _ *session.Tokens) { id["_sig"] = "forged" }))
			}},
		{name: "a sign-in of another user of another client",
			msg: func(tb *tab) []byte {
				return tokensMsg("signin", otherSID(tb), userTokens("bob", 2, later, 300, func(a, id map[string]any, _ *session.Tokens) { a["azp"], id["azp"] = "other", "other" }))
			}},
		{name: "a sign-in of another user with a far expiry",
			msg: func(tb *tab) []byte {
				return tokensMsg("signin", otherSID(tb), userTokens("bob", 2, later, 300, func(_, _ map[string]any, t *session.Tokens) { t.ExpiresAt = later.AddDate(100, 0, 0) }))
			}},
		{name: "a sign-in naming this session",
			msg: func(tb *tab) []byte { return tokensMsg("signin", ownSID(tb), userTokens("bob", 2, later, 300)) }},
		{name: "end of this session", wantEnded: "logout",
			msg: func(tb *tab) []byte { return []byte(`{"t":"end","sid":"` + ownSID(tb) + `","reason":"logout"}`) }},
		{name: "end of another session",
			msg: func(tb *tab) []byte { return []byte(`{"t":"end","sid":"` + otherSID(tb) + `","reason":"logout"}`) }},
		{name: "end naming no session",
			msg: func(*tab) []byte { return []byte(`{"t":"end","reason":"logout"}`) }},
		{name: "end with a reason that is not a word",
			msg: func(tb *tab) []byte { return []byte(`{"t":"end","sid":"` + ownSID(tb) + `","reason":"<img src=x>"}`) }},
		{name: "hello", wantAnswer: true,
			msg: func(*tab) []byte { return []byte(`{"t":"hello"}`) }},
		{name: "unknown kind",
			msg: func(*tab) []byte { return []byte(`{"t":"tokenz"}`) }},
		{name: "not JSON",
			msg: func(*tab) []byte { return []byte(`tokens`) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			initial := userTokens("alice", 1, t0, 300)
			tb := w.open(initial, nil, 0)
			w.bus.Settle()
			w.clock.Jump(time.Minute) // now = later
			before := len(w.bus.Posted())
			msg := tc.msg(tb)
			w.forger().Post(msg)
			w.bus.Settle()
			got := tb.access()
			switch {
			case tc.adopt:
				var m struct {
					Tokens struct {
						Response struct {
							AccessToken string `json:"access_token"`
						} `json:"response"`
					} `json:"tokens"`
				}
				_ = json.Unmarshal(msg, &m)
				if got != m.Tokens.Response.AccessToken {
					t.Fatalf("the tab did not adopt the tokens")
				}
			case got != initial.AccessToken():
				t.Fatalf("the tab adopted %s's tokens", subOf(got))
			}
			if r := tb.ended(); r != tc.wantEnded {
				t.Fatalf("ended %q, want %q", r, tc.wantEnded)
			}
			answers := w.bus.Posted()[before+1:]
			if tc.wantAnswer {
				if len(answers) != 1 || !strings.Contains(string(answers[0]), `"t":"tokens"`) || !strings.Contains(string(answers[0]), tb.tabs.ID()) {
					t.Fatalf("answer to hello: %q", answers)
				}
			} else if len(answers) != 0 {
				t.Fatalf("the tab answered %q", answers)
			}
		})
	}
}

// TestTabsSignInAnnounced: a sign-in in a tab is announced; the tab of another
// user ends "user_changed" and never holds the newcomer's token, a tab of the
// same user's other session stays; the newcomer's own session lives on.
func TestTabsSignInAnnounced(t *testing.T) {
	w := newWorld(t)
	alice := w.open(userTokens("alice", 1, t0, 300), nil, 0)
	aliceToo := w.open(userTokens("alice", 2, t0, 300), nil, 0)
	w.bus.Settle()
	if alice.ended() != "" || aliceToo.ended() != "" {
		t.Fatal("a second sign-in of the same user ended a session")
	}
	w.clock.Advance(time.Second)
	bob := w.open(userTokens("bob", 3, w.clock.Now(), 300), nil, 0)
	w.bus.Settle()
	for name, tb := range map[string]*tab{"alice": alice, "alice's other session": aliceToo} {
		if r := tb.ended(); r != session.ReasonUserChanged {
			t.Fatalf("%s: ended %q, want user_changed", name, r)
		}
		if subOf(tb.access()) != "alice" {
			t.Fatalf("%s holds %s's token", name, subOf(tb.access()))
		}
		for _, e := range tb.evs {
			if subOf(e.Tokens.AccessToken()) != "alice" {
				t.Fatalf("%s had an event with %s's token", name, subOf(e.Tokens.AccessToken()))
			}
		}
	}
	if bob.ended() != "" {
		t.Fatalf("the newcomer's session ended %q", bob.ended())
	}
	// An ended tab says nothing more: no "end" of its own for user_changed
	// (every tab of the session saw the sign-in), and no answer to hello.
	for _, m := range w.bus.Posted() {
		if strings.Contains(string(m), `"t":"end"`) {
			t.Fatalf("posted %s", m)
		}
	}
}

// TestTabsSharedRefresh: one tab signs in, two restore its session; over three
// cycles one RefreshFunc call per cycle, every tab on the same token, the
// refresh inside the lock. Jitter draws make tab 3 due first.
func TestTabsSharedRefresh(t *testing.T) {
	w := newWorld(t)
	t1 := w.open(userTokens("alice", 1, t0, 300), nil, 0)
	tabs := []*tab{t1}
	for _, rnd := range []float64{0.5, 0.9} {
		sib, ok := session.AskSiblings(context.Background(), w.bus.Open, w.tabsConfig(), 500*time.Millisecond)
		if !ok || sib.ID != t1.tabs.ID() || sib.Tokens.AccessToken() != t1.access() {
			t.Fatalf("AskSiblings = %v, %v", sib.ID, ok)
		}
		tabs = append(tabs, w.open(sib.Tokens, &sib, rnd))
	}
	w.bus.Settle()
	lock := session.ChannelName(testIss, testAzp)
	for cycle := 1; cycle <= 3; cycle++ {
		before := t1.access()
		for t1.access() == before {
			if !w.clock.AdvanceToNext() {
				t.Fatal("no timer pending")
			}
			w.bus.Settle()
		}
		if n := w.calls.Load(); n != int32(cycle) {
			t.Fatalf("cycle %d: %d refreshes in all, want %d", cycle, n, cycle)
		}
		for i, tb := range tabs {
			if tb.access() != t1.access() || tb.ended() != "" {
				t.Fatalf("cycle %d: tab %d holds another token (ended %q)", cycle, i+1, tb.ended())
			}
		}
	}
	if got := w.bus.LockRuns(lock); got != 3 {
		t.Fatalf("%d runs in the lock, want 3 (one per cycle)", got)
	}
}

// TestTabsLockCoordination: three tabs ask for a token at once, inside the
// buffer: one refresh; the others find the sibling's tokens in the lock.
func TestTabsLockCoordination(t *testing.T) {
	w := newWorld(t)
	t1 := w.open(userTokens("alice", 1, t0, 300), nil, 0)
	tabs := []*tab{t1}
	for i := 0; i < 2; i++ {
		sib, ok := session.AskSiblings(context.Background(), w.bus.Open, w.tabsConfig(), time.Second)
		if !ok {
			t.Fatal("no sibling")
		}
		tabs = append(tabs, w.open(sib.Tokens, &sib, 0))
	}
	w.bus.Settle()
	w.clock.Jump(290 * time.Second) // inside the buffer, timers not fired (a frozen machine)
	var wg sync.WaitGroup
	got := make([]string, len(tabs))
	for i, tb := range tabs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at, err := tb.s.AccessToken(context.Background())
			if err != nil {
				t.Errorf("tab %d: %v", i+1, err)
			}
			got[i] = at
		}()
	}
	wg.Wait()
	if n := w.calls.Load(); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	for i := range got {
		if got[i] != got[0] || got[i] == "" {
			t.Fatalf("tabs got different tokens")
		}
	}
}

// TestTabsEnd: an end by logout or idle reaches every session of its user
// (iss, azp, sub) on the channel; any other end, the tabs of its own session
// only; close() ends nobody.
func TestTabsEnd(t *testing.T) {
	for _, tc := range []struct {
		reason    string
		wantOther string // the same user's other session
	}{
		{session.ReasonLogout, session.ReasonLogout},
		{session.ReasonIdle, session.ReasonIdle},
		{session.ReasonExpired, ""},
		{session.ReasonInvalidGrant, ""},
	} {
		w := newWorld(t)
		a1 := w.open(userTokens("alice", 1, t0, 300), nil, 0)
		sib, ok := session.AskSiblings(context.Background(), w.bus.Open, w.tabsConfig(), time.Second)
		if !ok {
			t.Fatal("no sibling")
		}
		a2 := w.open(sib.Tokens, &sib, 0)
		other := w.open(userTokens("alice", 5, t0, 300), nil, 0) // the same user's second session
		w.bus.Settle()
		a1.s.End(tc.reason)
		w.bus.Settle()
		if a2.ended() != tc.reason {
			t.Fatalf("%s: the restored tab ended %q, want %s", tc.reason, a2.ended(), tc.reason)
		}
		if other.ended() != tc.wantOther {
			t.Fatalf("%s: the same user's other session ended %q, want %q", tc.reason, other.ended(), tc.wantOther)
		}
	}
}

// TestTabsEndOtherUser: an end by logout of another user, of another issuer
// or client, or without a user, ends nothing here; close() posts nothing.
func TestTabsEndOtherUser(t *testing.T) {
	w := newWorld(t)
	alice := w.open(userTokens("alice", 1, t0, 300), nil, 0)
	closing := w.open(userTokens("alice", 2, t0, 300), nil, 0)
	w.bus.Settle()
	closing.s.Close()
	closing.tabs.Close()
	f := w.forger()
	sid := "0123456789abcdef0123456789abcdef"
	for _, m := range []map[string]any{
		{"t": "end", "sid": sid, "reason": "logout", "sub": "bob", "iss": testIss, "azp": testAzp},
		{"t": "end", "sid": sid, "reason": "logout", "sub": "alice", "iss": "https://evil.example/realms/base", "azp": testAzp},
		{"t": "end", "sid": sid, "reason": "logout", "sub": "alice", "iss": testIss, "azp": "other-client"},
		{"t": "end", "sid": sid, "reason": "logout"},
		{"t": "end", "sid": sid, "reason": "expired", "sub": "alice", "iss": testIss, "azp": testAzp},
	} {
		b, _ := json.Marshal(m)
		f.Post(b)
	}
	w.bus.Settle()
	if r := alice.ended(); r != "" {
		t.Fatalf("alice ended %q", r)
	}
	b, _ := json.Marshal(map[string]any{"t": "end", "sid": sid, "reason": "idle", "sub": "alice", "iss": testIss, "azp": testAzp})
	f.Post(b)
	w.bus.Settle()
	if r := alice.ended(); r != "idle" {
		t.Fatalf("alice ended %q on her idle end in another session, want idle", r)
	}
}

// TestAskSiblings: what restore() finds on the channel.
func TestAskSiblings(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(w *world) []byte // nil: no tab answers
		want   bool
	}{
		{name: "nobody"},
		{name: "a live tab", want: true, answer: func(w *world) []byte {
			return tokensMsg("tokens", "s1", userTokens("alice", 1, w.clock.Now(), 300))
		}},
		{name: "expired tokens", answer: func(w *world) []byte {
			return tokensMsg("tokens", "s1", userTokens("alice", 1, w.clock.Now().Add(-301*time.Second), 300))
		}},
		{name: "another client", answer: func(w *world) []byte {
			return tokensMsg("tokens", "s1", userTokens("alice", 1, w.clock.Now(), 300, func(a, id map[string]any, _ *session.Tokens) { a["azp"], id["azp"] = "x", "x" }))
		}},
		{name: "a far expiry (forged)", answer: func(w *world) []byte {
			return tokensMsg("tokens", "s1", userTokens("alice", 1, w.clock.Now(), 300, func(_, _ map[string]any, t *session.Tokens) { t.ExpiresAt = t0.AddDate(50, 0, 0) }))
		}},
		{name: "an ID token that does not verify", answer: func(w *world) []byte {
			return tokensMsg("tokens", "s1", userTokens("alice", 1, w.clock.Now(), 300, func(_, id map[string]any, _ *session.Tokens) { id["_sig"] = "x" }))
		}},
		{name: "a sign-in (not an answer)", answer: func(w *world) []byte {
			return tokensMsg("signin", "s1", userTokens("alice", 1, w.clock.Now(), 300))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			if tc.answer != nil {
				ch, _ := w.bus.Open(session.ChannelName(testIss, testAzp), nil)
				var resp session.Channel
				resp, _ = w.bus.Open(session.ChannelName(testIss, testAzp), func(b []byte) {
					if string(b) == `{"t":"hello"}` {
						resp.Post(tc.answer(w))
					}
				})
				defer ch.Close()
				defer resp.Close()
			}
			type result struct {
				sib session.Sibling
				ok  bool
			}
			done := make(chan result, 1)
			go func() {
				sib, ok := session.AskSiblings(context.Background(), w.bus.Open, w.tabsConfig(), 500*time.Millisecond)
				done <- result{sib, ok}
			}()
			if !tc.want {
				// Until the wait is over nothing is found: wait for the
				// timer, let any answer arrive, then end the wait.
				for w.clock.Pending() == 0 {
					time.Sleep(time.Millisecond)
				}
				w.bus.Settle()
				select {
				case r := <-done:
					t.Fatalf("AskSiblings returned %v before the wait was over", r.ok)
				default:
				}
				w.clock.Advance(500 * time.Millisecond)
			}
			r := <-done
			if r.ok != tc.want || tc.want && r.sib.ID != "s1" {
				t.Fatalf("AskSiblings = %q, %v; want found %v", r.sib.ID, r.ok, tc.want)
			}
			if w.bus.Listeners(session.ChannelName(testIss, testAzp)) != map[bool]int{true: 2, false: 0}[tc.answer != nil] {
				t.Fatal("AskSiblings left its channel open")
			}
		})
	}
}

// TestTabsCarriedIDToken: tokens that carry the ID token this tab already holds
// (a refresh answered without a new one: carried over) are not verified again.
func TestTabsCarriedIDToken(t *testing.T) {
	w := newWorld(t)
	// The held ID token would not verify (a bearer-mode session's, say).
	initial := userTokens("alice", 1, t0, 300, func(_, id map[string]any, _ *session.Tokens) { id["_sig"] = "elsewhere" })
	tb := w.open(initial, nil, 0)
	w.bus.Settle()
	w.clock.Jump(time.Minute)
	next := userTokens("alice", 2, w.clock.Now(), 300)
	r := next.Response.Clone()
	r.IDToken = initial.Response.IDToken
	r.Raw["id_token"], _ = json.Marshal(r.IDToken)
	next.Response = r
	calls := w.v.calls.Load()
	w.forger().Post(tokensMsg("tokens", tb.tabs.ID(), next))
	w.bus.Settle()
	if tb.access() != next.AccessToken() {
		t.Fatal("tokens with the held ID token were not adopted")
	}
	if n := w.v.calls.Load() - calls; n != 0 {
		t.Fatalf("the held ID token was verified %d times", n)
	}
}

// plainLock is a Channel whose lock is a bare mutex: the next holder does not
// wait for the messages in flight (a browser promises no such order).
type plainLock struct {
	session.Channel
	mu      *sync.Mutex
	entered chan struct{} // a send each time a holder got the lock
}

func (c plainLock) WithLock(ctx context.Context, _ string, f func(context.Context) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entered <- struct{}{}
	return f(ctx)
}

// TestTabsLockWaitsForVerification: a tab that gets the lock while the
// previous holder's tokens are still being verified waits for them and uses
// them, instead of refreshing again.
func TestTabsLockWaitsForVerification(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	entered := make(chan struct{}, 10)
	open := func(name string, on func([]byte)) (session.Channel, error) {
		ch, err := w.bus.Open(name, on)
		return plainLock{ch, &mu, entered}, err
	}
	release := make(chan struct{})
	verifying := make(chan struct{}, 10)
	cfg := w.tabsConfig()
	cfg.VerifyIDToken = func(ctx context.Context, raw string) (*token.IDToken, error) {
		verifying <- struct{}{}
		<-release
		return w.v.verify(ctx, raw)
	}
	mk := func(initial session.Tokens, join *session.Sibling) *session.Session {
		return w.start(open, cfg, w.refresh, initial, join)
	}
	initial := userTokens("alice", 1, t0, 300)
	a := mk(initial, nil)
	sid := w.lastSID()
	b := mk(initial, &session.Sibling{ID: sid, Tokens: initial})
	w.clock.Jump(290 * time.Second) // both inside the buffer
	if _, err := a.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-entered   // a's refresh
	<-verifying // b is verifying a's new ID token
	done := make(chan string, 1)
	go func() {
		at, err := b.AccessToken(context.Background())
		if err != nil {
			t.Error(err)
		}
		done <- at
	}()
	<-entered // b holds the lock: without waiting, it would refresh now
	close(release)
	at := <-done
	if at != a.Current().AccessToken() {
		t.Fatal("b has another token than a")
	}
	if n := w.calls.Load(); n != 1 {
		t.Fatalf("%d refreshes, want 1: b refreshed although a's tokens were arriving", n)
	}
}

// TestAskSiblingsSlowVerification: an answer that arrived in time is taken even
// when verifying its ID token (a JWKS fetch on a loaded machine) outlasts the
// wait for answers.
func TestAskSiblingsSlowVerification(t *testing.T) {
	w := newWorld(t)
	w.open(userTokens("alice", 1, t0, 300), nil, 0)
	w.bus.Settle()
	entered, release := make(chan struct{}, 1), make(chan struct{})
	cfg := w.tabsConfig()
	cfg.VerifyIDToken = func(ctx context.Context, raw string) (*token.IDToken, error) {
		entered <- struct{}{}
		<-release
		return w.v.verify(ctx, raw)
	}
	done := make(chan bool, 1)
	go func() {
		_, ok := session.AskSiblings(context.Background(), w.bus.Open, cfg, 500*time.Millisecond)
		done <- ok
	}()
	<-entered
	for w.clock.Pending() < 2 { // the tab's planned refresh, and AskSiblings' wait
		time.Sleep(time.Millisecond)
	}
	w.clock.Advance(time.Second) // the wait is over while the answer is being verified
	close(release)
	if !<-done {
		t.Fatal("the answer that arrived in time was dropped")
	}
}

// gatedLock is a Channel whose lock is a bare mutex that says, in f's context,
// whether it was granted after waiting for another holder (as the bridge's Web
// Lock does), and whose deliveries to this tab wait at a gate: a browser's
// BroadcastChannel message and its Web Lock's next grant travel apart, and
// under load the grant can come first (soak: session [webkit], two refresh
// requests in one cycle).
type gatedLock struct {
	session.Channel
	mu      *sync.Mutex
	queued  chan struct{} // a send each time a caller found the lock held
	entered chan struct{} // a send each time a holder got the lock
}

func (c gatedLock) WithLock(ctx context.Context, _ string, f func(context.Context) error) error {
	if !c.mu.TryLock() {
		c.queued <- struct{}{}
		c.mu.Lock()
		ctx = session.LockWaited(ctx)
	}
	defer c.mu.Unlock()
	c.entered <- struct{}{}
	return f(ctx)
}

// TestTabsLockGrantedBeforeTheTokens: b waits for the lock while a refreshes;
// a publishes its tokens and lets go, and b is granted the lock before a's
// tokens reach it. b waits for them (up to PublishSettle) and uses them,
// instead of refreshing a second time.
func TestTabsLockGrantedBeforeTheTokens(t *testing.T) {
	w := newWorld(t)
	var mu sync.Mutex
	queued, entered := make(chan struct{}, 10), make(chan struct{}, 10)
	gate := make(chan struct{})
	refreshing, proceed := make(chan struct{}, 10), make(chan struct{})
	mk := func(initial session.Tokens, join *session.Sibling, gated bool) *session.Session {
		open := func(name string, on func([]byte)) (session.Channel, error) {
			recv := on
			if gated {
				recv = func(b []byte) { <-gate; on(b) }
			}
			ch, err := w.bus.Open(name, recv)
			return gatedLock{ch, &mu, queued, entered}, err
		}
		refresh := func(ctx context.Context, cur session.Tokens) (*pkce.TokenResponse, error) {
			refreshing <- struct{}{}
			<-proceed
			return w.refresh(ctx, cur)
		}
		return w.start(open, w.tabsConfig(), refresh, initial, join)
	}
	initial := userTokens("alice", 1, t0, 300)
	a := mk(initial, nil, false)
	sid := w.lastSID()
	b := mk(initial, &session.Sibling{ID: sid, Tokens: initial}, true)
	w.clock.Jump(290 * time.Second) // both inside the buffer
	aDone := make(chan error, 1)
	go func() { _, err := a.Refresh(context.Background()); aDone <- err }()
	<-entered
	<-refreshing // a holds the lock, at the provider
	bDone := make(chan string, 1)
	go func() {
		at, err := b.AccessToken(context.Background())
		if err != nil {
			t.Error(err)
		}
		bDone <- at
	}()
	<-queued // b waits for the lock
	close(proceed)
	if err := <-aDone; err != nil {
		t.Fatal(err)
	}
	<-entered   // b holds the lock; a's tokens are still at the gate
	close(gate) // they arrive
	at := <-bDone
	if n := w.calls.Load(); n != 1 {
		t.Fatalf("%d refreshes, want 1: b refreshed although a's tokens were on their way", n)
	}
	if at != a.Current().AccessToken() {
		t.Fatal("b has another token than a")
	}
}
