package assistant

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
)

const testOrigin = "https://assistant.eu.corti.app"

// fakeIframe behaves like the official component's test mock: it posts
// embedded.ready, re-posts it every 25 ms until its first valid request, and
// answers requests. It runs on one goroutine, like the iframe's event loop, so
// the controller sees its messages in the order it sent them.
type fakeIframe struct {
	t      testing.TB
	c      *Controller
	posts  chan []byte
	ctl    chan func()
	quit   chan struct{}
	exited chan struct{}

	// answer returns the messages sent back for a request; nil → defaultAnswer.
	answer func(req Message) []string
	// noReady: never announce readiness.
	noReady bool
	// repeatReady: a faulty frame that keeps announcing readiness every
	// 25 ms, requests or not.
	repeatReady bool

	gotRequest bool // only touched on the iframe's goroutine

	mu   sync.Mutex
	reqs []Message
	raw  [][]byte
}

func newFakeIframe(t testing.TB) *fakeIframe {
	return &fakeIframe{t: t, posts: make(chan []byte, 256), ctl: make(chan func()), quit: make(chan struct{}),
		exited: make(chan struct{})}
}

// post is Options.Post.
func (f *fakeIframe) post(msg []byte) error {
	f.posts <- append([]byte(nil), msg...)
	return nil
}

func (f *fakeIframe) start(c *Controller) {
	f.c = c
	go f.run()
	f.t.Cleanup(func() { close(f.quit); <-f.exited })
}

func (f *fakeIframe) run() {
	defer close(f.exited)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	f.ready()
	for {
		select {
		case raw := <-f.posts:
			m, err := ParseMessage(raw)
			if err != nil || m.Kind != KindRequest {
				f.t.Errorf("the host posted a message that is not a request: %s (%v)", raw, err)
				continue
			}
			f.gotRequest = true
			f.mu.Lock()
			f.reqs = append(f.reqs, m)
			f.raw = append(f.raw, raw)
			f.mu.Unlock()
			answer := f.answer
			if answer == nil {
				answer = defaultAnswer
			}
			for _, out := range answer(m) {
				f.send(out)
			}
		case <-tick.C:
			if !f.gotRequest || f.repeatReady {
				f.ready()
			}
		case fn := <-f.ctl:
			fn()
		case <-f.quit:
			return
		}
	}
}

func (f *fakeIframe) ready() {
	if !f.noReady {
		f.send(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v1"}}`)
	}
}

// reload simulates a reloaded iframe: a fresh mock that has not seen a
// request, with a burst of ready posts already queued.
func (f *fakeIframe) reload(burst int) {
	f.do(func() {
		f.gotRequest = false
		for range burst {
			f.ready()
		}
	})
}

func (f *fakeIframe) send(msg string) { f.c.Receive(testOrigin, []byte(msg)) }

// do runs fn on the iframe's goroutine.
func (f *fakeIframe) do(fn func()) {
	done := make(chan struct{})
	f.ctl <- func() { fn(); close(done) }
	<-done
}

// requests returns the requests received so far.
func (f *fakeIframe) requests() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.reqs...)
}

func (f *fakeIframe) count(action string) int {
	n := 0
	for _, r := range f.requests() {
		if r.Action == action {
			n++
		}
	}
	return n
}

// bubble runs a test in a testing/synctest bubble: its time is virtual, so a
// window in which nothing may happen is exact and costs no wall-clock time,
// and synctest.Wait returns once every goroutine of the test is blocked with
// nothing left to do.
// A bubble whose goroutines keep each other busy never lets virtual time
// pass; a real-time guard turns that hang into a failure naming the test.
func bubble(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	name := t.Name()
	guard := time.AfterFunc(20*time.Second, func() {
		panic(name + ": the synctest bubble has not gone idle in 20 s of real time: its goroutines keep each other busy")
	})
	defer guard.Stop()
	synctest.Test(t, f)
}

// elapse lets d of the bubble's virtual time pass (the fake iframe's ready
// repeats and the timers run meanwhile) and returns when everything due by
// then is done.
func elapse(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// waitFor polls cond for up to 2 s (of virtual time in a bubble).
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func response(req Message, payload string) string {
	return fmt.Sprintf(`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":%q,"requestId":%q,"success":true,"payload":%s}`,
		req.Action, req.RequestID, payload)
}

func failure(req Message, msg, code string) string {
	return fmt.Sprintf(`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":%q,"requestId":%q,"success":false,"error":%q,"errorCode":%q}`,
		req.Action, req.RequestID, msg, code)
}

// defaultAnswer accepts any access token but "expired", and echoes other
// requests' payloads back.
func defaultAnswer(req Message) []string {
	if req.Action != "auth" {
		return []string{response(req, string(req.Payload))}
	}
	var p struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.Unmarshal(req.Payload, &p)
	if p.AccessToken == "expired" {
		return []string{failure(req, "Invalid or expired tokens", "UNAUTHORIZED")}
	}
	return []string{
		response(req, `{"user":{"id":"u-`+p.AccessToken+`","email":"doctor@example.com","name":"Dr Jane Doe"}}`),
		`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"embedded.authenticated","confidential":false,"payload":{"tokenType":"Bearer","hasProfile":true}}`,
	}
}

// fakeTokens hands out "at-1", "at-2", ... (or token when set).
type fakeTokens struct {
	mu    sync.Mutex
	n     int
	token string
	body  string // the token response, when set (else a full Keycloak one around the access token)
	err   error
	gate  chan struct{} // when set, Fresh waits for it to close (set before the controller runs)
}

func (s *fakeTokens) Fresh(context.Context) (*pkce.TokenResponse, time.Time, Profile, error) {
	if s.gate != nil {
		<-s.gate
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, time.Time{}, Profile{}, s.err
	}
	s.n++
	at := s.token
	if at == "" {
		at = fmt.Sprintf("at-%d", s.n)
	}
	body := fmt.Sprintf(`{"access_token":%q,"token_type":"Bearer","expires_in":300,`+
		`"refresh_token":"rt","id_token":"it","not-before-policy":0,"session_state":"s1","scope":"openid"}`, at)
	if s.body != "" {
		body = s.body
	}
	r, err := pkce.ParseTokenResponse([]byte(body))
	return r, time.Unix(1732800300, 0), Profile{Name: "Dr Jane Doe", Email: "jane@example.com", Sub: "f3b1"}, err
}

// recorder captures OnEvent, OnAuth, OnError and Logf.
type recorder struct {
	mu     sync.Mutex
	events []string
	auths  []error
	users  []User
	logs   []string
	errs   []error
}

func (r *recorder) onError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
}

func (r *recorder) errors() []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]error(nil), r.errs...)
}

func (r *recorder) onEvent(name string, confidential bool, payload json.RawMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf("%s %v %s", name, confidential, payload))
}

func (r *recorder) onAuth(u User, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users = append(r.users, u)
	r.auths = append(r.auths, err)
}

func (r *recorder) logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.logs = append(r.logs, fmt.Sprintf(format, args...))
}

func (r *recorder) snapshot() (events []string, auths []error, logs []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...), append([]error(nil), r.auths...), append([]string(nil), r.logs...)
}

type harness struct {
	c      *Controller
	f      *fakeIframe
	tokens *fakeTokens
	rec    *recorder
}

// newHarness builds a controller wired to a fake iframe; setup may adjust the
// options and the fake before the fake starts.
func newHarness(t testing.TB, setup func(*Options, *fakeIframe)) *harness {
	t.Helper()
	h := &harness{f: newFakeIframe(t), tokens: &fakeTokens{}, rec: &recorder{}}
	frame, err := NewFrame(testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{
		Frame: frame, Post: h.f.post, Tokens: h.tokens,
		ReadyTimeout: 2 * time.Second, RequestTimeout: 2 * time.Second,
		OnEvent: h.rec.onEvent, OnAuth: h.rec.onAuth, OnError: h.rec.onError, Logf: h.rec.logf,
	}
	if setup != nil {
		setup(&o, h.f)
	}
	h.c, err = NewController(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.c.Destroy)
	h.f.start(h.c)
	return h
}
