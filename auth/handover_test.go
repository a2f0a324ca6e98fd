package auth

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/session/sessiontest"
)

// handOverRig is a popup's callback page: it records what the hand-over does.
type handOverRig struct {
	clk      *sessiontest.Clock
	topLevel bool
	submitEr error

	mu        sync.Mutex
	addresses []string
	ups       []map[string]any
	casts     []map[string]any
	reply     func([]byte)
	stopped   int
	submitted []*EndSessionRequest
	closes    int
}

func (r *handOverRig) ports() HandOverPorts {
	return HandOverPorts{
		ReplaceAddress: func(c string) { r.mu.Lock(); r.addresses = append(r.addresses, c); r.mu.Unlock() },
		PostUp:         func(m map[string]any) { r.mu.Lock(); r.ups = append(r.ups, m); r.mu.Unlock() },
		Broadcast:      func(m map[string]any) { r.mu.Lock(); r.casts = append(r.casts, m); r.mu.Unlock() },
		TopLevel:       func() bool { return r.topLevel },
		ListenReplies: func(reply func([]byte)) func() {
			r.mu.Lock()
			r.reply = reply
			r.mu.Unlock()
			return func() { r.mu.Lock(); r.stopped++; r.mu.Unlock() }
		},
		Submit: func(end *EndSessionRequest) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.submitted = append(r.submitted, end)
			return r.submitEr
		},
		CloseSelf: func() { r.mu.Lock(); r.closes++; r.mu.Unlock() },
		Go:        func(f func()) { f() }, // inline: what a message does is done when it returns
		Clock:     r.clk,
	}
}

func (r *handOverRig) send(t *testing.T, m map[string]any) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	r.mu.Lock()
	reply := r.reply
	r.mu.Unlock()
	reply(b)
}

func (r *handOverRig) ended() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closes+len(r.submitted) > 0
}

// popupCallback is the callback of a popup login of h's client.
func popupCallback(t *testing.T, h *harness) (cb, state string) {
	t.Helper()
	az, err := h.client.Authorize(AuthorizeOptions{RedirectURI: testOrigin + "/callback.html", Handoff: true})
	if err != nil {
		t.Fatal(err)
	}
	return h.realm.authorize(az.URL), az.State
}

func TestHandOverOnlyPopupLogins(t *testing.T) {
	h := newHarness(t, popupConfig)
	r := &handOverRig{clk: sessiontest.NewClock(time.Unix(1_800_000_000, 0)), topLevel: true}
	_, cb := h.startLogin(t) // a redirect login: exchanged on this page
	if h.client.HandOver(cb, r.ports()) {
		t.Fatal("a redirect login's callback was handed over")
	}
	if len(r.addresses)+len(r.ups)+len(r.casts) != 0 || r.reply != nil {
		t.Errorf("touched the page: %+v", r)
	}
}

func TestHandOverRepliedClose(t *testing.T) {
	h := newHarness(t, popupConfig)
	r := &handOverRig{clk: sessiontest.NewClock(time.Unix(1_800_000_000, 0)), topLevel: true}
	cb, state := popupCallback(t, h)
	if !h.client.HandOver(cb, r.ports()) {
		t.Fatal("a popup login's callback was not handed over")
	}
	if len(r.addresses) != 1 || r.addresses[0] != testOrigin+"/callback.html" {
		t.Errorf("address bar: %v; want the callback without code and state", r.addresses)
	}
	want := map[string]any{"type": HandoffType, "url": cb}
	if len(r.ups) != 1 || r.ups[0]["type"] != want["type"] || r.ups[0]["url"] != cb || len(r.casts) != 1 || r.casts[0]["url"] != cb {
		t.Errorf("posted up %v, broadcast %v; want %v both roads", r.ups, r.casts, want)
	}
	if r.reply == nil || r.clk.Pending() != 1 {
		t.Fatalf("a popup waits for the reply: listening %v, %d timers", r.reply != nil, r.clk.Pending())
	}
	// Not ours: another login's reply, another type, not JSON of an object.
	r.send(t, map[string]any{"type": HandoffReplyType, "state": "other"})
	r.send(t, map[string]any{"type": HandoffType, "state": state})
	r.reply([]byte(`"x"`))
	if r.ended() {
		t.Fatal("a message not the reply to this login ended the wait")
	}
	r.send(t, HandoffReply(state, nil))
	eventually(t, "the close", r.ended)
	if r.closes != 1 || len(r.submitted) != 0 || r.stopped != 1 || r.clk.Pending() != 0 {
		t.Errorf("closes %d, submitted %d, listeners stopped %d, %d timers", r.closes, len(r.submitted), r.stopped, r.clk.Pending())
	}
	r.send(t, HandoffReply(state, nil)) // a second reply: nothing more
	if r.closes != 1 {
		t.Errorf("closed %d times", r.closes)
	}
}

func TestHandOverRepliedEndSession(t *testing.T) {
	for _, submitErr := range []error{nil, errors.New("no form")} {
		h := newHarness(t, popupConfig)
		r := &handOverRig{clk: sessiontest.NewClock(time.Unix(1_800_000_000, 0)), topLevel: true, submitEr: submitErr}
		cb, state := popupCallback(t, h)
		h.client.HandOver(cb, r.ports())
		end := &EndSessionRequest{Action: h.realm.issuer + "/protocol/openid-connect/logout", Form: map[string][]string{"id_token_hint": {"t"}}}
		r.send(t, HandoffReply(state, end))
		eventually(t, "the end", r.ended)
		r.mu.Lock()
		if len(r.submitted) != 1 || r.submitted[0].Action != end.Action || r.submitted[0].Form.Get("id_token_hint") != "t" {
			t.Errorf("submitted %+v; want %+v", r.submitted, end)
		}
		if wantCloses := map[bool]int{true: 0, false: 1}[submitErr == nil]; r.closes != wantCloses {
			t.Errorf("submit error %v: closed %d times, want %d", submitErr, r.closes, wantCloses)
		}
		r.mu.Unlock()
	}
}

func TestHandOverNoReplyCloses(t *testing.T) {
	h := newHarness(t, popupConfig)
	r := &handOverRig{clk: sessiontest.NewClock(time.Unix(1_800_000_000, 0)), topLevel: true}
	cb, _ := popupCallback(t, h)
	h.client.HandOver(cb, r.ports())
	r.clk.Advance(HandOverWait - time.Millisecond)
	if r.ended() {
		t.Fatal("closed before HandOverWait")
	}
	r.clk.Advance(time.Millisecond)
	eventually(t, "the close after HandOverWait", r.ended)
	if r.closes != 1 || r.stopped != 1 {
		t.Errorf("closes %d, listeners stopped %d", r.closes, r.stopped)
	}
}

func TestHandOverInAFrameDoesNotWait(t *testing.T) {
	h := newHarness(t, popupConfig)
	r := &handOverRig{clk: sessiontest.NewClock(time.Unix(1_800_000_000, 0))}
	cb, _ := popupCallback(t, h)
	if !h.client.HandOver(cb, r.ports()) || len(r.ups) != 1 {
		t.Fatal("not handed over")
	}
	if r.reply != nil || r.clk.Pending() != 0 {
		t.Error("a frame waits for a reply; its page removes it")
	}
}

func TestReadReply(t *testing.T) {
	const st = "s1"
	for _, c := range []struct {
		data    string
		ok, end bool
	}{
		{`{"type":"` + HandoffReplyType + `","state":"s1"}`, true, false},
		{`{"type":"` + HandoffReplyType + `","state":"s1","endSession":{"action":"https://idp.example/logout","fields":{"a":"b"}}}`, true, true},
		{`{"type":"` + HandoffReplyType + `","state":"s1","endSession":{"action":"javascript:alert(1)","fields":{"a":"b"}}}`, true, false},
		{`{"type":"` + HandoffReplyType + `","state":"s1","endSession":{"action":"https://idp.example/logout","fields":{}}}`, true, false},
		{`{"type":"` + HandoffReplyType + `","state":"s1","endSession":{"action":"https://idp.example/logout","fields":{"a":1}}}`, true, false},
		{`{"type":"` + HandoffReplyType + `","state":"s1","endSession":"x"}`, true, false},
		{`{"type":"` + HandoffReplyType + `","state":"s1","endSession":null}`, true, false},
		{`{"type":"` + HandoffReplyType + `","state":"s2"}`, false, false},
		{`{"type":"` + HandoffType + `","state":"s1"}`, false, false},
		{`{"type":1,"state":"s1"}`, false, false},
		{`null`, false, false},
		{`[]`, false, false},
		{`not json`, false, false},
	} {
		end, ok := ReadReply([]byte(c.data), st)
		if ok != c.ok || (end != nil) != c.end {
			t.Errorf("%s: %v, %v; want ok %v, end %v", c.data, end, ok, c.ok, c.end)
		}
	}
}
