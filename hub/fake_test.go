package hub

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/corti-auth/corti-auth/assistant"
)

// userToken is an unsigned-looking access token of the user sub
// (DecodeUnverified does not check the signature).
func userToken(sub string) string {
	b, _ := json.Marshal(map[string]any{"sub": sub, "preferred_username": sub, "sid": "sid-" + sub})
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(b) + ".c2ln"
}

// serviceToken is a client-credentials access token.
func serviceToken() string {
	b, _ := json.Marshal(map[string]any{"sub": "svc", "preferred_username": "service-account-ehr"})
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc(b) + ".c2ln"
}

// fakeSession is the page's session object.
type fakeSession struct {
	mu      sync.Mutex
	ended   bool
	reason  string
	at      string
	reports []error
}

func newFakeSession(sub string) *fakeSession { return &fakeSession{at: userToken(sub)} }

func (s *fakeSession) Ended() (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended, s.reason
}

func (s *fakeSession) CurrentAccessToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.at
}

func (s *fakeSession) Report(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reports = append(s.reports, err)
}

func (s *fakeSession) end(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended, s.reason = true, reason
}

func (s *fakeSession) errs() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]error(nil), s.reports...)
}

// fakeCtrl is an assistant.Controller: Start answers with start (default: the
// user "u1"), Reauth with reauth (default: nil); both are counted.
type fakeCtrl struct {
	start  func(ctx context.Context) (assistant.User, error)
	reauth func(ctx context.Context) error

	mu      sync.Mutex
	starts  int
	reauths int
	user    assistant.User
	hasUser bool
	sent    []string
}

func (c *fakeCtrl) Start(ctx context.Context) (assistant.User, error) {
	c.mu.Lock()
	c.starts++
	c.mu.Unlock()
	u, err := assistant.User{ID: "u1"}, error(nil)
	if c.start != nil {
		u, err = c.start(ctx)
	}
	if err == nil {
		c.mu.Lock()
		c.user, c.hasUser = u, true
		c.mu.Unlock()
	}
	return u, err
}

func (c *fakeCtrl) Reauth(ctx context.Context) error {
	c.mu.Lock()
	c.reauths++
	c.mu.Unlock()
	if c.reauth != nil {
		return c.reauth(ctx)
	}
	return nil
}

func (c *fakeCtrl) User() (assistant.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user, c.hasUser
}

func (c *fakeCtrl) SentRefreshTokens() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.sent...)
}

func (c *fakeCtrl) counts() (starts, reauths int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.starts, c.reauths
}

// fakeFrame is the iframe: End and Destroy unload it as the bridge does
// (Mount.Unloaded, once).
type fakeFrame struct {
	m         *Mount
	createErr error
	loadErr   error

	mu        sync.Mutex
	creates   int
	loads     int
	destroys  int
	ends      []string
	reports   []error
	unloadErr error
}

func (f *fakeFrame) Create() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creates++
	return f.createErr
}

func (f *fakeFrame) Load() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads++
	return f.loadErr
}

func (f *fakeFrame) Destroy() {
	f.mu.Lock()
	f.destroys++
	f.mu.Unlock()
	f.unload(assistant.ErrDestroyed)
}

func (f *fakeFrame) End(reason string) {
	f.mu.Lock()
	f.ends = append(f.ends, reason)
	f.mu.Unlock()
	f.unload(fmt.Errorf("%w: %s", assistant.ErrEnded, reason))
}

func (f *fakeFrame) unload(err error) {
	f.mu.Lock()
	first := f.unloadErr == nil
	if first {
		f.unloadErr = err
	}
	f.mu.Unlock()
	if first {
		f.m.Unloaded(err)
	}
}

func (f *fakeFrame) Report(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reports = append(f.reports, err)
}

func (f *fakeFrame) endList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ends...)
}

func (f *fakeFrame) errs() []error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]error(nil), f.reports...)
}

// pane is one mounted Assistant of a test.
type pane struct {
	*Mount
	ctrl  *fakeCtrl
	frame *fakeFrame
}

func newPane() *pane {
	c, f := &fakeCtrl{}, &fakeFrame{}
	m := NewMount(c, f)
	f.m = m
	return &pane{Mount: m, ctrl: c, frame: f}
}

// signedIn returns n panes signed in with h.
func signedIn(t *testing.T, h *Hub, n int) []*pane {
	t.Helper()
	before := h.Len()
	out := make([]*pane, n)
	for i := range out {
		out[i] = newPane()
		if _, err := out[i].Authenticate(context.Background(), h); err != nil {
			t.Fatalf("Authenticate: %v", err)
		}
	}
	if h.Len() != before+n {
		t.Fatalf("the hub has %d mounts, want %d", h.Len(), before+n)
	}
	return out
}
