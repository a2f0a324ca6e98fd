package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/token"
)

// The messages of the tab channel. Tokens stay in memory: they travel over a
// same-origin channel, never through storage.
//
//	{"t":"hello"}                               a tab asks for a live session (restore)
//	{"t":"tokens","sid":…,"tokens":{…}}         session sid has new tokens (a refresh, or the answer to hello)
//	{"t":"signin","sid":…,"tokens":{…}}         a user signed in, starting session sid
//	{"t":"end","sid":…,"reason":"logout",       session sid ended; with iss, azp and sub
//	 "iss":…,"azp":…,"sub":…}                   (its user) an end by logout or idle ends
//	                                            every session of that user (SignOut)
//	{"t":"activity","sid":…,"sub":…}            the clinician sub was active in session sid (idle sign-out)
const (
	msgHello    = "hello"
	msgTokens   = "tokens"
	msgSignIn   = "signin"
	msgEnd      = "end"
	msgActivity = "activity"
)

// maxSub bounds the sub an activity message may carry (Keycloak's are
// UUIDs; OIDC allows 255 ASCII characters).
const maxSub = 255

// maxIdent bounds the iss and azp an end message may carry.
const maxIdent = 2048

// SignOut reports whether an end with reason is the clinician's sign-out
// (logout, idle), which ends every session of that user on the channel, and
// not only the session's own tabs: two tabs that each signed in or resumed on
// their own hold two sessions of one clinician.
func SignOut(reason string) bool { return reason == ReasonLogout || reason == ReasonIdle }

const (
	// maxTabMessage bounds a message the decoder reads (a token response is
	// bounded at 1 MiB by pkce, and Keycloak's are a few KiB).
	maxTabMessage = 1<<20 + 4<<10
	// siblingSkew is how far in this tab's future a sibling's receipt time may
	// lie: the tabs share the machine's clock, so only a clock step between
	// the two readings separates them.
	siblingSkew = 5 * time.Second
	// expRounding is what the whole seconds of exp and iat may lose against
	// a lifetime dated from the moment of receipt.
	expRounding = time.Second
	// verifyWait bounds the verification of a sibling's ID token (a JWKS
	// fetch at most).
	verifyWait = 10 * time.Second
)

// tabMsg is the wire form of a message.
type tabMsg struct {
	T      string     `json:"t"`
	SID    string     `json:"sid,omitempty"`
	Tokens *tabTokens `json:"tokens,omitempty"`
	Reason string     `json:"reason,omitempty"`
	Sub    string     `json:"sub,omitempty"`
	Iss    string     `json:"iss,omitempty"`
	Azp    string     `json:"azp,omitempty"`
}

type tabTokens struct {
	Response         json.RawMessage `json:"response"`
	ReceivedAt       int64           `json:"receivedAt"` // unix ms
	ExpiresAt        int64           `json:"expiresAt"`
	RefreshExpiresAt int64           `json:"refreshExpiresAt,omitempty"`
}

// message is a decoded tab message.
type message struct {
	kind   string
	sid    string
	tokens Tokens   // tokens, signin
	reason string   // end
	sub    string   // activity
	who    identity // end: the user whose session ended (zero when unknown)
}

func encodeTokens(t Tokens) *tabTokens {
	var b []byte
	if t.Response != nil {
		b, _ = t.Response.MarshalJSON()
	}
	out := &tabTokens{Response: b, ReceivedAt: t.ReceivedAt.UnixMilli(), ExpiresAt: t.ExpiresAt.UnixMilli()}
	if !t.RefreshExpiresAt.IsZero() {
		out.RefreshExpiresAt = t.RefreshExpiresAt.UnixMilli()
	}
	return out
}

// maxMillis bounds the times a message may carry (year 9999), so that
// time.UnixMilli stays meaningful and re-encodes to the same number.
const maxMillis = 253402300799999

func decodeTokens(tt *tabTokens) (Tokens, error) {
	if tt == nil {
		return Tokens{}, errors.New("no tokens")
	}
	resp, err := pkce.ParseTokenResponse(tt.Response)
	if err != nil {
		return Tokens{}, err
	}
	for _, ms := range []int64{tt.ReceivedAt, tt.ExpiresAt, tt.RefreshExpiresAt} {
		if ms < 0 || ms > maxMillis {
			return Tokens{}, fmt.Errorf("time %d out of range", ms)
		}
	}
	t := Tokens{Response: resp, ReceivedAt: time.UnixMilli(tt.ReceivedAt), ExpiresAt: time.UnixMilli(tt.ExpiresAt)}
	if tt.RefreshExpiresAt != 0 {
		t.RefreshExpiresAt = time.UnixMilli(tt.RefreshExpiresAt)
	}
	return t, nil
}

func encodeMessage(m message) []byte {
	w := tabMsg{T: m.kind, SID: m.sid, Reason: m.reason, Sub: m.sub}
	if m.kind == msgEnd {
		w.Sub, w.Iss, w.Azp = m.who.sub, m.who.iss, m.who.azp
	}
	if m.kind == msgTokens || m.kind == msgSignIn {
		w.Tokens = encodeTokens(m.tokens)
	}
	b, _ := json.Marshal(w)
	return b
}

// decodeMessage reads a tab message. Anything but a well-formed message of a
// known kind is an error: "tokens" and "signin" carry a session id and a token
// response with an access token; "end" a session id and a reason of lower-case
// letters and underscores; "activity" a session id and a non-empty sub of at
// most maxSub bytes.
func decodeMessage(b []byte) (message, error) {
	if len(b) > maxTabMessage {
		return message{}, fmt.Errorf("session: tab message of %d bytes", len(b))
	}
	var w tabMsg
	if err := json.Unmarshal(b, &w); err != nil {
		return message{}, fmt.Errorf("session: tab message: %w", err)
	}
	m := message{kind: w.T, sid: w.SID}
	switch w.T {
	case msgHello:
		return message{kind: msgHello}, nil
	case msgTokens, msgSignIn:
		if !validSID(w.SID) {
			return message{}, fmt.Errorf("session: tab message %q without a valid session id", w.T)
		}
		t, err := decodeTokens(w.Tokens)
		if err != nil {
			return message{}, fmt.Errorf("session: tab message %q: %w", w.T, err)
		}
		m.tokens = t
	case msgEnd:
		if !validSID(w.SID) || !validReason(w.Reason) {
			return message{}, errors.New(`session: tab message "end" without a valid session id and reason`)
		}
		m.reason = w.Reason
		if w.Sub != "" && len(w.Sub) <= maxSub && w.Iss != "" && len(w.Iss) <= maxIdent && w.Azp != "" && len(w.Azp) <= maxIdent {
			m.who = identity{iss: w.Iss, azp: w.Azp, sub: w.Sub}
		}
	case msgActivity:
		if !validSID(w.SID) || w.Sub == "" || len(w.Sub) > maxSub {
			return message{}, errors.New(`session: tab message "activity" without a valid session id and sub`)
		}
		m.sub = w.Sub
	default:
		return message{}, fmt.Errorf("session: unknown tab message %q", w.T)
	}
	return m, nil
}

func validSID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func validReason(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c == '_') {
			return false
		}
	}
	return true
}

// newSessionID is a fresh random session id (128 bits, hex).
func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// TabsConfig configures the sharing of a session between tabs.
type TabsConfig struct {
	Name     string // the channel and lock name (ChannelName)
	Issuer   string // the iss a sibling's session must have to be restored ("" skips the check)
	ClientID string // the azp a sibling's session must have to be restored ("" skips the check)
	Clock    Clock  // nil → RealClock; judges a sibling's expiry
	// VerifyIDToken verifies an ID token of this realm and client (the
	// session's verifier). Sibling tokens with an ID token other than the one
	// this tab holds are refused when it is nil or fails.
	VerifyIDToken func(ctx context.Context, raw string) (*token.IDToken, error)
}

func (c TabsConfig) now() time.Time {
	if c.Clock == nil {
		return RealClock.Now().Round(0)
	}
	return c.Clock.Now().Round(0)
}

// identity is who a session's tokens are for.
type identity struct{ iss, azp, sub string }

func (id identity) String() string {
	return fmt.Sprintf("iss %q azp %q sub %q", id.iss, id.azp, id.sub)
}

// identityOf reads iss, azp and sub from the access token (the ID token's sub
// when the access token has none), and the lifetime its exp and iat allow.
func identityOf(t Tokens) (identity, time.Duration, error) {
	c, err := token.DecodeUnverified(t.AccessToken())
	if err != nil {
		return identity{}, 0, err
	}
	id := identity{iss: c.Issuer, azp: c.ClientID, sub: c.Subject}
	if t.Response.IDToken != "" {
		if ic, err := token.DecodeUnverified(t.Response.IDToken); err == nil && ic.Subject != "" {
			switch {
			case id.sub == "":
				id.sub = ic.Subject
			case id.sub != ic.Subject:
				return identity{}, 0, fmt.Errorf("access token for sub %q, ID token for %q", id.sub, ic.Subject)
			}
		}
	}
	if id.sub == "" {
		return identity{}, 0, errors.New("no sub")
	}
	if c.ExpiresAt == 0 || c.IssuedAt == 0 || c.ExpiresAt <= c.IssuedAt {
		return identity{}, 0, fmt.Errorf("access token exp %d, iat %d: no lifetime", c.ExpiresAt, c.IssuedAt)
	}
	return id, seconds(c.ExpiresAt - c.IssuedAt), nil
}

// checkSibling decides whether tokens a sibling tab sent may be used here. They
// must be for want's iss and azp ("" in want: any) and, unless anySub, its sub;
// their access token must decode; their expiry may be no later than the token's
// own exp allows (ExpiresAt − ReceivedAt at most exp − iat, and ReceivedAt not
// in this tab's future, so that a forged message cannot stop the refreshing);
// an ID token other than heldID must verify, for the same sub. It returns who
// the tokens are for.
func (c TabsConfig) checkSibling(ctx context.Context, t Tokens, want identity, anySub bool, heldID string) (identity, error) {
	id, lifetime, err := identityOf(t)
	if err != nil {
		return identity{}, fmt.Errorf("sibling tokens: %w", err)
	}
	if want.iss != "" && id.iss != want.iss || want.azp != "" && id.azp != want.azp || !anySub && id.sub != want.sub {
		return identity{}, fmt.Errorf("sibling tokens for %v, want %v", id, want)
	}
	now := c.now()
	switch {
	case t.ReceivedAt.After(now.Add(siblingSkew)):
		return identity{}, fmt.Errorf("sibling tokens received at %v, in the future of %v", t.ReceivedAt, now)
	case !t.ExpiresAt.After(t.ReceivedAt):
		return identity{}, errors.New("sibling tokens without a lifetime")
	case t.Lifetime() > lifetime+expRounding:
		return identity{}, fmt.Errorf("sibling tokens valid for %v, their exp allows %v", t.Lifetime(), lifetime)
	}
	if raw := t.Response.IDToken; raw != "" && raw != heldID {
		if c.VerifyIDToken == nil {
			return identity{}, errors.New("sibling ID token: no verifier")
		}
		vctx, cancel := context.WithTimeout(ctx, verifyWait)
		v, err := c.VerifyIDToken(vctx, raw)
		cancel()
		if err != nil {
			return identity{}, fmt.Errorf("sibling ID token: %w", err)
		}
		if v.Subject != id.sub {
			return identity{}, fmt.Errorf("sibling ID token for sub %q, access token for %q", v.Subject, id.sub)
		}
	}
	return id, nil
}

// Tabs shares one Session between the tabs of a browser (shareAcrossTabs): it
// is the session's Coordinator. A lock on the channel makes one tab refresh at
// a time; the channel carries the result, the end, the answers to tabs opened
// later, and the sign-ins that end the sessions of another user.
//
// Every session has an id, made by the tab that signed in and taken over by
// the tabs that restore it. A tab adopts tokens only of its own session id,
// issuer, client and user (see checkSibling), ends on an "end" of its own
// session id or on a sign-out (logout, idle: SignOut) of its own user (iss,
// azp, sub) in another session, and ends with ReasonUserChanged when a sign-in of another user
// (tokens that pass the same checks, but for another sub) arrives.
type Tabs struct {
	cfg    TabsConfig
	ch     Channel
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	s        *Session
	sid      string
	id       identity
	idErr    error // why this session's own identity is unknown: it adopts nothing
	closed   bool
	activity func()        // the idle policy's hook for a sibling's activity (setActivity)
	handling int           // messages being handled (receive)
	idle     chan struct{} // closed when handling drops to 0
	news     chan struct{} // closed when a message has been handled (awaitTokens)
}

// lockSettle bounds how long a lock holder waits for the messages being
// handled when it got the lock (a sibling's tokens under verification).
const lockSettle = 2 * time.Second

// OpenTabs opens the channel for a session that is about to start; Attach
// gives it the session.
func OpenTabs(open OpenChannel, cfg TabsConfig) (*Tabs, error) {
	t := &Tabs{cfg: cfg}
	t.ctx, t.cancel = context.WithCancel(context.Background())
	ch, err := open(cfg.Name, t.receive)
	if err != nil {
		t.cancel()
		return nil, err
	}
	t.mu.Lock()
	t.ch = ch
	t.mu.Unlock()
	return t, nil
}

// Attach makes s the shared session. join is the sibling session restored
// (AskSiblings), nil for a sign-in in this tab: the session gets a new id and
// the sign-in is announced, which ends the siblings' sessions of another user.
func (t *Tabs) Attach(s *Session, join *Sibling) {
	cur := s.Current()
	id, _, err := identityOf(cur)
	t.mu.Lock()
	t.s, t.id, t.idErr = s, id, err
	if join != nil {
		t.sid = join.ID
	} else {
		t.sid = newSessionID()
	}
	sid := t.sid
	t.mu.Unlock()
	if join == nil && err == nil {
		t.post(message{kind: msgSignIn, sid: sid, tokens: cur})
	}
}

// ID is the session id, "" before Attach.
func (t *Tabs) ID() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.sid
}

func (t *Tabs) state() (s *Session, sid string, id identity, idErr error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return nil, "", identity{}, nil
	}
	return t.s, t.sid, t.id, t.idErr
}

// receive is what a message from a sibling tab does.
func (t *Tabs) receive(b []byte) {
	t.mu.Lock()
	if t.handling == 0 {
		t.idle = make(chan struct{})
	}
	t.handling++
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		if t.handling--; t.handling == 0 {
			close(t.idle)
		}
		if t.news != nil { // a message was handled: awaitTokens looks again
			close(t.news)
			t.news = nil
		}
		t.mu.Unlock()
	}()
	m, err := decodeMessage(b)
	if err != nil {
		return
	}
	s, sid, id, idErr := t.state()
	if s == nil {
		return
	}
	switch m.kind {
	case msgHello:
		if ended, _ := s.Ended(); !ended && idErr == nil {
			t.post(message{kind: msgTokens, sid: sid, tokens: s.Current()})
		}
	case msgTokens:
		if m.sid != sid || idErr != nil {
			return
		}
		if _, err := t.cfg.checkSibling(t.ctx, m.tokens, id, false, s.Current().Response.IDToken); err == nil {
			s.Adopt(m.tokens)
		}
	case msgSignIn:
		if m.sid == sid || idErr != nil {
			return
		}
		other, err := t.cfg.checkSibling(t.ctx, m.tokens, identity{iss: id.iss, azp: id.azp}, true, "")
		if err == nil && other.sub != id.sub {
			s.EndFromSibling(ReasonUserChanged)
		}
	case msgEnd:
		switch {
		case m.sid == sid:
			s.EndFromSibling(m.reason)
		case SignOut(m.reason) && idErr == nil && m.who == id:
			// The same clinician signed out in another session of theirs.
			s.EndFromSibling(m.reason)
		}
	case msgActivity:
		// Only this clinician's activity counts (in this session or in
		// another of theirs): another user's input does not keep this
		// session open.
		if idErr != nil || m.sub != id.sub {
			return
		}
		t.mu.Lock()
		f := t.activity
		t.mu.Unlock()
		if f != nil {
			f()
		}
	}
}

// setActivity sets what a sibling's activity for this session's user does
// (the idle policy's touch); nil stops it.
func (t *Tabs) setActivity(f func()) {
	t.mu.Lock()
	t.activity = f
	t.mu.Unlock()
}

// PublishActivity tells the sibling tabs that this session's user was active
// here (idle sign-out with shareAcrossTabs). Nothing is posted before Attach
// or when the session's user is unknown.
func (t *Tabs) PublishActivity() {
	s, sid, id, idErr := t.state()
	if s == nil || idErr != nil || sid == "" {
		return
	}
	t.post(message{kind: msgActivity, sid: sid, sub: id.sub})
}

func (t *Tabs) post(m message) {
	t.mu.Lock()
	ch, closed := t.ch, t.closed
	t.mu.Unlock()
	if !closed && ch != nil {
		ch.Post(encodeMessage(m))
	}
}

// Publish sends new tokens to the sibling tabs of the session.
func (t *Tabs) Publish(tok Tokens) { t.post(message{kind: msgTokens, sid: t.ID(), tokens: tok}) }

// PublishEnd tells the sibling tabs of the session that it ended, and who
// its user was (when known): an end by logout or idle ends that user's other
// sessions too (SignOut). Reasons that are not lower-case words (validReason)
// travel as "logout".
func (t *Tabs) PublishEnd(reason string) {
	if !validReason(reason) {
		reason = ReasonLogout
	}
	t.mu.Lock()
	sid, id, idErr := t.sid, t.id, t.idErr
	t.mu.Unlock()
	m := message{kind: msgEnd, sid: sid, reason: reason}
	if idErr == nil {
		m.who = id
	}
	t.post(m)
}

// WithLock runs f holding the channel's refresh lock. Holding it, it first
// lets the messages being handled finish (at most lockSettle): tokens the
// previous holder published may be under verification, and f should find them
// adopted rather than refresh again.
//
// A lock granted after waiting for another holder (LockWaited) also waits for
// that holder's tokens, which may not have arrived yet: until this session's
// token is no longer the one it held when it asked for the lock, a message is
// handled that changes it, or PublishSettle passes.
func (t *Tabs) WithLock(ctx context.Context, f func(ctx context.Context) error) error {
	t.mu.Lock()
	ch, s := t.ch, t.s
	t.mu.Unlock()
	before := ""
	if s != nil {
		before = s.Current().AccessToken()
	}
	return ch.WithLock(ctx, t.cfg.Name, func(ctx context.Context) error {
		t.settle(ctx)
		if s != nil && waitedForLock(ctx) {
			t.awaitTokens(ctx, s, before)
		}
		return f(ctx)
	})
}

// PublishSettle bounds how long a tab granted the refresh lock after waiting
// for another holder waits for the tokens that holder may have published.
const PublishSettle = time.Second

// awaitTokens waits until s's token is no longer before, for at most
// PublishSettle (or until ctx ends).
func (t *Tabs) awaitTokens(ctx context.Context, s *Session, before string) {
	late, stop := t.after(PublishSettle)
	defer stop()
	for {
		t.mu.Lock()
		news := t.news
		if news == nil {
			news = make(chan struct{})
			t.news = news
		}
		t.mu.Unlock()
		if s.Current().AccessToken() != before {
			return
		}
		select {
		case <-news:
		case <-late:
			return
		case <-ctx.Done():
			return
		}
	}
}

// after is a channel closed once d has passed on the tabs' clock, and the
// timer's stop.
func (t *Tabs) after(d time.Duration) (<-chan struct{}, func() bool) {
	clock := t.cfg.Clock
	if clock == nil {
		clock = RealClock
	}
	late := make(chan struct{})
	return late, clock.AfterFunc(d, func() { close(late) })
}

func (t *Tabs) settle(ctx context.Context) {
	t.mu.Lock()
	if t.handling == 0 {
		t.mu.Unlock()
		return
	}
	idle := t.idle
	t.mu.Unlock()
	late, stop := t.after(lockSettle)
	defer stop()
	select {
	case <-idle:
	case <-late:
	case <-ctx.Done():
	}
}

// Close closes the channel (idempotent).
func (t *Tabs) Close() {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return
	}
	t.closed = true
	ch := t.ch
	t.mu.Unlock()
	t.cancel()
	ch.Close()
}

// SiblingWait is how long restore() waits for a sibling tab to answer (the
// documented contract: 500 ms, then the next step). A sibling that answers in
// time but whose tokens are still being verified is waited for on its own
// bound (verifyWait).
const SiblingWait = 500 * time.Millisecond

// Sibling is a live session of a sibling tab, as AskSiblings found it.
type Sibling struct {
	ID     string
	Tokens Tokens
}

// AskSiblings asks the tabs on cfg's channel for a live session (restore): the
// first answer with tokens for cfg's issuer and client that pass checkSibling
// and have not expired by cfg's clock wins. It waits up to wait (timed by cfg's
// clock) for answers, or until ctx ends; the verification of an answer that
// arrived in time is bounded on its own (verifyWait), not by wait.
func AskSiblings(ctx context.Context, open OpenChannel, cfg TabsConfig, wait time.Duration) (Sibling, bool) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	answers := make(chan message, 16)
	ch, err := open(cfg.Name, func(b []byte) {
		m, err := decodeMessage(b)
		if err != nil || m.kind != msgTokens || !m.tokens.ExpiresAt.After(cfg.now()) {
			return
		}
		select {
		case answers <- m:
		default: // enough to choose from
		}
	})
	if err != nil {
		return Sibling{}, false
	}
	defer ch.Close()
	clock := cfg.Clock
	if clock == nil {
		clock = RealClock
	}
	want := identity{iss: cfg.Issuer, azp: cfg.ClientID}
	accept := func(m message) bool {
		_, err := cfg.checkSibling(ctx, m.tokens, want, true, "")
		return err == nil && m.tokens.ExpiresAt.After(cfg.now())
	}
	ch.Post(encodeMessage(message{kind: msgHello}))
	timeout := make(chan struct{})
	stop := clock.AfterFunc(wait, func() { close(timeout) })
	defer stop()
	for {
		select {
		case m := <-answers:
			if accept(m) {
				return Sibling{ID: m.sid, Tokens: m.tokens}, true
			}
		case <-timeout:
			for { // the answers that arrived in time
				select {
				case m := <-answers:
					if accept(m) {
						return Sibling{ID: m.sid, Tokens: m.tokens}, true
					}
				default:
					return Sibling{}, false
				}
			}
		case <-ctx.Done():
			return Sibling{}, false
		}
	}
}
