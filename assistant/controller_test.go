package assistant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestStartAfterRepeatedReady(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, nil)
		// The mock re-posts ready every 25 ms until the first request: let several arrive.
		waitFor(t, "three ready events", func() bool {
			ev, _, _ := h.rec.snapshot()
			return strings.Count(strings.Join(ev, "\n"), "embedded.ready") >= 3
		})
		if _, ok := h.c.User(); ok {
			t.Fatal("User set before auth")
		}
		u, err := h.c.Start(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if u.ID != "u-at-1" || u.Email != "doctor@example.com" || u.Name != "Dr Jane Doe" || len(u.Raw) == 0 {
			t.Errorf("Start = %+v", u)
		}
		if got, ok := h.c.User(); !ok || got.ID != "u-at-1" {
			t.Errorf("User() = %+v, %v", got, ok)
		}
		elapse(100 * time.Millisecond) // ready repeats in flight must not look like reloads
		reqs := h.f.requests()
		if len(reqs) != 1 || reqs[0].Action != "auth" {
			t.Fatalf("iframe received %+v, want one auth", reqs)
		}
		var p map[string]json.RawMessage
		if err := json.Unmarshal(reqs[0].Payload, &p); err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{
			"access_token": `"at-1"`, "token_type": `"Bearer"`, "id_token": `"it"`,
			"not-before-policy": `0`, "session_state": `"s1"`, "expires_at": `1732800300`,
			"profile": `{"name":"Dr Jane Doe","email":"jane@example.com","sub":"f3b1"}`,
		} {
			if string(p[k]) != want {
				t.Errorf("auth payload %s = %s, want %s", k, p[k], want)
			}
		}
		for _, k := range []string{"refresh_token", "refresh_expires_in"} {
			if _, ok := p[k]; ok {
				t.Errorf("auth payload has %s by default (the host is the only refresher)", k)
			}
		}
		events, auths, _ := h.rec.snapshot()
		if len(auths) != 1 || auths[0] != nil {
			t.Errorf("OnAuth got %v", auths)
		}
		waitFor(t, "embedded.authenticated", func() bool {
			events, _, _ = h.rec.snapshot()
			return strings.Contains(strings.Join(events, "\n"), "embedded.authenticated false")
		})
	})
}

func TestStartFailedResponse(t *testing.T) {
	tests := []struct {
		name, reply, code, msg string
	}{
		{"shipped shape", `{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"auth","requestId":"%s","success":false,"error":"Invalid or expired tokens","errorCode":"UNAUTHORIZED","errorDetails":{"exp":1}}`,
			"UNAUTHORIZED", "Invalid or expired tokens"},
		{"old docs shape", `{"type":"CORTI_EMBEDDED_RESPONSE","action":"auth","requestId":"%s","success":false,"error":{"message":"Bad token","code":"UNAUTHORIZED","details":{"exp":1}}}`,
			"UNAUTHORIZED", "Bad token"},
		{"invalid payload", `{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":"auth","requestId":"%s","success":false,"error":"missing id_token","errorCode":"INVALID_PAYLOAD","errorDetails":{"exp":1}}`,
			"INVALID_PAYLOAD", "missing id_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(_ *Options, f *fakeIframe) {
				f.answer = func(req Message) []string { return []string{fmt.Sprintf(tt.reply, req.RequestID)} }
			})
			_, err := h.c.Start(context.Background())
			var ae *Error
			if !errors.As(err, &ae) || ae.Code != tt.code || ae.Message != tt.msg || ae.Action != "auth" ||
				string(ae.Details) != `{"exp":1}` {
				t.Fatalf("Start err = %#v", err)
			}
			if _, ok := h.c.User(); ok {
				t.Error("User set after a failed auth")
			}
			if _, auths, _ := h.rec.snapshot(); len(auths) != 1 || !errors.As(auths[0], &ae) {
				t.Errorf("OnAuth got %v", auths)
			}
		})
	}
	// The default fake refuses the token "expired".
	h := newHarness(t, nil)
	h.tokens.token = "expired"
	if _, err := h.c.Start(context.Background()); err == nil || err.(*Error).Code != "UNAUTHORIZED" {
		t.Fatalf("Start with an expired token: %v", err)
	}
}

func TestReadyTimeout(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, func(o *Options, f *fakeIframe) {
			o.ReadyTimeout = 60 * time.Millisecond
			f.noReady = true
		})
		start := time.Now()
		_, err := h.c.Start(context.Background())
		if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "embedded.ready") {
			t.Fatalf("Start err = %v", err)
		}
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Errorf("timed out after %s", d)
		}
		if n := len(h.f.requests()); n != 0 {
			t.Errorf("%d requests posted to an iframe that never got ready", n)
		}
	})
}

// Only embedded.ready counts: legacy events, a ready from another origin or a
// deprecated one do not.
func TestReadyOnlyFromEmbeddedReady(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, func(o *Options, f *fakeIframe) {
			o.ReadyTimeout = 100 * time.Millisecond
			f.noReady = true
		})
		h.f.do(func() {
			h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"ready","deprecated":true,"payload":{}}`)
			h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"loaded","deprecated":true,"payload":{}}`)
			h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","deprecated":true,"payload":{"version":"v1"}}`)
			h.c.Receive("https://evil.example", []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v1"}}`))
			h.c.Receive("https://assistant.eu.corti.app.evil.example", []byte(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v1"}}`))
		})
		if _, err := h.c.Start(context.Background()); !errors.Is(err, ErrTimeout) {
			t.Fatalf("Start err = %v, want ErrTimeout", err)
		}
		events, _, _ := h.rec.snapshot()
		if len(events) != 3 || !strings.HasPrefix(events[0], "ready false") {
			t.Errorf("OnEvent got %q, want the three same-origin legacy events", events)
		}
	})
}

func TestRequestTimeout(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, func(o *Options, f *fakeIframe) {
			o.RequestTimeout = 60 * time.Millisecond
			f.answer = func(req Message) []string {
				if req.Action == "auth" {
					return defaultAnswer(req)
				}
				return nil // never answers anything else
			}
		})
		if _, err := h.c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		_, err := h.c.GetStatus(context.Background())
		if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "getStatus") {
			t.Fatalf("GetStatus err = %v", err)
		}
		h.c.mu.Lock()
		n := len(h.c.pending)
		h.c.mu.Unlock()
		if n != 0 {
			t.Errorf("%d requests still pending after the timeout", n)
		}
	})
}

func TestAuthTimeout(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, func(o *Options, f *fakeIframe) {
			o.RequestTimeout = 60 * time.Millisecond
			f.answer = func(Message) []string { return nil }
		})
		if _, err := h.c.Start(context.Background()); !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "auth") {
			t.Fatalf("Start err = %v", err)
		}
	})
}

// A response counts only when its requestId is pending and it comes from the
// Assistant origin.
func TestResponseMatching(t *testing.T) {
	h := newHarness(t, func(_ *Options, f *fakeIframe) {
		f.answer = func(req Message) []string {
			if req.Action == "auth" {
				return defaultAnswer(req)
			}
			wrongID := req
			wrongID.RequestID = "req_someone_else"
			foreign := response(req, `{"from":"evil"}`)
			f.c.Receive("https://evil.example", []byte(foreign))
			f.c.Receive("http://assistant.eu.corti.app", []byte(foreign))
			f.c.Receive("null", []byte(foreign))
			return []string{
				response(wrongID, `{"from":"wrong id"}`),
				`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v2","action":"getStatus","requestId":"` + req.RequestID + `","success":true,"payload":{"from":"v2"}}`,
				`not json at all`,
				response(req, `{"from":"assistant"}`),
				response(req, `{"from":"duplicate"}`),
			}
		}
	})
	if _, err := h.c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, err := h.c.GetStatus(context.Background())
	if err != nil || string(got) != `{"from":"assistant"}` {
		t.Fatalf("GetStatus = %s, %v", got, err)
	}
}

// A ready after the first auth means the iframe reloaded: exactly one new auth,
// however many ready posts the reloaded iframe sends.
func TestReloadReauthenticatesOnce(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, func(_ *Options, f *fakeIframe) {
			answer := defaultAnswer
			f.answer = func(req Message) []string {
				if req.Action == "auth" && f.count("auth") > 1 {
					// The reloaded iframe is slow to answer; its ready repeats keep coming.
					f.ready()
					f.ready()
				}
				return answer(req)
			}
		})
		if _, err := h.c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		h.f.reload(5)
		waitFor(t, "a second auth", func() bool { return h.f.count("auth") == 2 })
		waitFor(t, "the second OnAuth", func() bool { _, a, _ := h.rec.snapshot(); return len(a) == 2 })
		elapse(150 * time.Millisecond) // the ready repeats keep coming meanwhile
		if n := h.f.count("auth"); n != 2 {
			t.Fatalf("%d auths, want 2 (initial + one after the reload)", n)
		}
		if u, _ := h.c.User(); u.ID != "u-at-2" {
			t.Errorf("User after reload = %+v", u)
		}
		// A second reload is noticed as well.
		h.f.reload(3)
		waitFor(t, "a third auth", func() bool { return h.f.count("auth") == 3 })
		elapse(100 * time.Millisecond)
		if n := h.f.count("auth"); n != 3 {
			t.Fatalf("%d auths after a second reload, want 3", n)
		}
	})
}

func TestReauthSendsFreshToken(t *testing.T) {
	h := newHarness(t, nil)
	// Before Start, Reauth does nothing.
	if err := h.c.Reauth(context.Background()); err != nil || len(h.f.requests()) != 0 {
		t.Fatalf("Reauth before Start = %v, %d requests", err, len(h.f.requests()))
	}
	if _, err := h.c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 4; i++ {
		if err := h.c.Reauth(context.Background()); err != nil {
			t.Fatal(err)
		}
		reqs := h.f.requests()
		var p struct {
			AccessToken string `json:"access_token"`
		}
		_ = json.Unmarshal(reqs[len(reqs)-1].Payload, &p)
		if want := fmt.Sprintf("at-%d", i); p.AccessToken != want {
			t.Errorf("Reauth %d sent %q, want %q", i, p.AccessToken, want)
		}
		if u, _ := h.c.User(); u.ID != "u-at-"+fmt.Sprint(i) {
			t.Errorf("User after Reauth %d = %+v", i, u)
		}
	}
	if _, auths, _ := h.rec.snapshot(); len(auths) != 4 {
		t.Errorf("OnAuth called %d times, want 4", len(auths))
	}
}

// Concurrent re-auths never interleave: each auth is answered before the next
// is posted.
func TestReauthSerialized(t *testing.T) {
	bubble(t, func(t *testing.T) {
		var mu sync.Mutex
		inFlight, maxInFlight := 0, 0
		h := newHarness(t, func(_ *Options, f *fakeIframe) {
			f.answer = func(req Message) []string {
				if req.Action != "auth" {
					return defaultAnswer(req)
				}
				mu.Lock()
				inFlight++
				if inFlight > maxInFlight {
					maxInFlight = inFlight
				}
				mu.Unlock()
				go func() { // answer later, off the iframe goroutine
					time.Sleep(5 * time.Millisecond) // latency, in the bubble's virtual time
					mu.Lock()
					inFlight--
					mu.Unlock()
					f.do(func() {
						for _, out := range defaultAnswer(req) {
							f.send(out)
						}
					})
				}()
				return nil
			}
		})
		if _, err := h.c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				if err := h.c.Reauth(context.Background()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if h.f.count("auth") != 6 || maxInFlight != 1 {
			t.Errorf("%d auths, at most %d in flight", h.f.count("auth"), maxInFlight)
		}
	})
}

func TestServiceAccountRefused(t *testing.T) {
	bubble(t, func(t *testing.T) {
		var checked []string
		h := newHarness(t, func(o *Options, _ *fakeIframe) {
			o.IsServiceAccount = func(at string) bool { checked = append(checked, at); return true }
		})
		_, err := h.c.Start(context.Background())
		if !errors.Is(err, ErrNotUserToken) {
			t.Fatalf("Start err = %v", err)
		}
		synctest.Wait() // every goroutine idle: whatever was to happen has
		if n := len(h.f.requests()); n != 0 {
			t.Errorf("%d messages posted with a service-account token", n)
		}
		if len(checked) != 1 || checked[0] != "at-1" {
			t.Errorf("IsServiceAccount saw %q", checked)
		}
		if _, auths, _ := h.rec.snapshot(); len(auths) != 1 || !errors.Is(auths[0], ErrNotUserToken) {
			t.Errorf("OnAuth got %v", auths)
		}
	})
}

func TestFreshTokensFail(t *testing.T) {
	h := newHarness(t, nil)
	boom := errors.New("login required")
	h.tokens.err = boom
	if _, err := h.c.Start(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("Start err = %v", err)
	}
	if n := len(h.f.requests()); n != 0 {
		t.Errorf("%d messages posted without tokens", n)
	}
}

func TestRequestRefusesInternalAndDeprecatedActions(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, nil)
		for _, action := range []string{"_init", "configure", "configureSession", "auth"} {
			if _, err := h.c.Request(context.Background(), action, nil); !errors.Is(err, ErrActionNotAllowed) {
				t.Errorf("Request(%q) err = %v", action, err)
			}
		}
		if _, err := h.c.Request(context.Background(), "", nil); err == nil {
			t.Error("Request without an action accepted")
		}
		synctest.Wait() // every goroutine idle: whatever was to happen has
		if n := len(h.f.requests()); n != 0 {
			t.Errorf("%d refused requests were posted", n)
		}
	})
}

func TestDestroy(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, func(_ *Options, f *fakeIframe) {
			f.answer = func(req Message) []string {
				if req.Action == "auth" {
					return defaultAnswer(req)
				}
				return nil
			}
		})
		if _, err := h.c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() { _, err := h.c.GetStatus(context.Background()); errc <- err }()
		waitFor(t, "getStatus posted", func() bool { return h.f.count("getStatus") == 1 })
		h.c.Destroy()
		if err := <-errc; !errors.Is(err, ErrDestroyed) {
			t.Fatalf("pending request err = %v", err)
		}
		h.c.Destroy() // idempotent
		eventsBefore, authsBefore, _ := h.rec.snapshot()
		req := h.f.requests()[1]
		h.f.do(func() {
			h.f.send(response(req, `{}`))
			h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v1"}}`)
			h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.navigated","payload":{"path":"/x"}}`)
		})
		synctest.Wait() // every goroutine idle: whatever was to happen has
		events, auths, _ := h.rec.snapshot()
		if len(events) != len(eventsBefore) || len(auths) != len(authsBefore) || h.f.count("auth") != 1 {
			t.Errorf("messages after Destroy changed things: events %q, auths %v", events[len(eventsBefore):], auths)
		}
		if _, err := h.c.Request(context.Background(), "getStatus", nil); !errors.Is(err, ErrDestroyed) {
			t.Errorf("Request after Destroy = %v", err)
		}
		if err := h.c.Reauth(context.Background()); !errors.Is(err, ErrDestroyed) {
			t.Errorf("Reauth after Destroy = %v", err)
		}
		if n := len(h.f.requests()); n != 2 {
			t.Errorf("%d requests, want 2: nothing posted after Destroy", n)
		}
	})
}

func TestDestroyWhileWaitingForReady(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, func(_ *Options, f *fakeIframe) { f.noReady = true })
		errc := make(chan error, 1)
		go func() { _, err := h.c.Start(context.Background()); errc <- err }()
		synctest.Wait() // Start is blocked waiting for ready
		h.c.Destroy()
		if err := <-errc; !errors.Is(err, ErrDestroyed) {
			t.Fatalf("Start err = %v", err)
		}
	})
}

func TestSessionEnded(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, func(_ *Options, f *fakeIframe) {
			f.answer = func(req Message) []string {
				if req.Action == "auth" {
					return defaultAnswer(req)
				}
				return nil
			}
		})
		if _, err := h.c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		errc := make(chan error, 1)
		go func() { _, err := h.c.CreateInteraction(context.Background(), nil); errc <- err }()
		waitFor(t, "createInteraction posted", func() bool { return h.f.count("createInteraction") == 1 })
		if !h.c.SessionEnded("logout") {
			t.Error("the first SessionEnded reports unload = false")
		}
		if h.c.SessionEnded("expired") {
			t.Error("a second SessionEnded reports unload = true")
		}
		if err := <-errc; !errors.Is(err, ErrEnded) || !strings.Contains(err.Error(), "logout") {
			t.Fatalf("pending request err = %v", err)
		}
		if _, err := h.c.Navigate(context.Background(), "/"); !errors.Is(err, ErrEnded) {
			t.Errorf("Request after SessionEnded = %v", err)
		}
		if err := h.c.Reauth(context.Background()); !errors.Is(err, ErrEnded) {
			t.Errorf("Reauth after SessionEnded = %v", err)
		}
		// A reload after the end is not re-authenticated; events are dropped (the frame is unloaded).
		h.f.reload(2)
		h.f.do(func() { h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","event":"recording.stopped","payload":{}}`) })
		synctest.Wait() // every goroutine idle: whatever was to happen has
		if n := len(h.f.requests()); n != 2 {
			t.Errorf("%d requests, want 2: nothing posted after the session ended", n)
		}
		if ev, _, _ := h.rec.snapshot(); strings.Contains(strings.Join(ev, "\n"), "recording.stopped") {
			t.Error("an event was delivered after the session ended")
		}
		h.c.Destroy()
		if _, err := h.c.GetStatus(context.Background()); !errors.Is(err, ErrDestroyed) {
			t.Errorf("Request after SessionEnded and Destroy = %v", err)
		}
	})
}

func TestConfidentialEventsNeverLogged(t *testing.T) {
	const secret = "Patient reports crushing chest pain since 0300"
	h := newHarness(t, nil)
	if _, err := h.c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.f.do(func() {
		h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"document.generated","confidential":true,"payload":{"text":"` + secret + `"}}`)
		h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"document.updated","confidential":"yes","payload":{"text":"` + secret + `"}}`)
		h.f.send(`{"type":"SOMETHING_ELSE","payload":{"text":"` + secret + `"}}`)
		h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","version":"v1","event":"embedded.navigated","confidential":false,"payload":{"path":"/session/visible"}}`)
	})
	events, _, logs := h.rec.snapshot()
	all := strings.Join(logs, "\n")
	if strings.Contains(all, "crushing") {
		t.Fatalf("a confidential payload reached Logf:\n%s", all)
	}
	if !strings.Contains(all, "document.generated") || !strings.Contains(all, "/session/visible") {
		t.Errorf("Logf does not log events at all, so this test proves nothing:\n%s", all)
	}
	joined := strings.Join(events, "\n")
	if !strings.Contains(joined, "document.generated true") || !strings.Contains(joined, secret) {
		t.Errorf("confidential event not delivered to OnEvent: %q", events)
	}
}

func TestReadyVersionWarning(t *testing.T) {
	h := newHarness(t, func(_ *Options, f *fakeIframe) { f.noReady = true })
	h.f.do(func() {
		h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v2"}}`)
	})
	if _, err := h.c.Start(context.Background()); err != nil {
		t.Fatalf("a v2 ready must only warn: %v", err)
	}
	if _, _, logs := h.rec.snapshot(); !strings.Contains(strings.Join(logs, "\n"), `announced "v2"`) {
		t.Errorf("no warning logged: %q", logs)
	}
}

func TestTwoControllersIndependent(t *testing.T) {
	bubble(t, func(t *testing.T) {
		a := newHarness(t, nil)
		b := newHarness(t, nil)
		var wg sync.WaitGroup
		for _, h := range []*harness{a, b} {
			wg.Go(func() {
				if _, err := h.c.Start(context.Background()); err != nil {
					t.Error(err)
				}
				for range 20 {
					if _, err := h.c.GetStatus(context.Background()); err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		ids := map[string]bool{}
		for _, h := range []*harness{a, b} {
			for _, r := range h.f.requests() {
				if ids[r.RequestID] {
					t.Fatalf("requestId %q used twice", r.RequestID)
				}
				if !strings.HasPrefix(r.RequestID, "req_") {
					t.Errorf("requestId %q", r.RequestID)
				}
				ids[r.RequestID] = true
			}
		}
		if len(ids) != 42 {
			t.Errorf("%d request ids, want 42", len(ids))
		}
		// A's reload does not touch B.
		a.f.reload(1)
		waitFor(t, "A re-authenticated", func() bool { return a.f.count("auth") == 2 })
		synctest.Wait() // every goroutine idle: whatever was to happen has
		if n := b.f.count("auth"); n != 1 {
			t.Errorf("B authenticated %d times", n)
		}
		// A response meant for A, delivered to B, resolves nothing in B.
		done := make(chan error, 1)
		b2 := newHarness(t, func(_ *Options, f *fakeIframe) {
			f.answer = func(req Message) []string {
				if req.Action == "auth" {
					return defaultAnswer(req)
				}
				return nil
			}
		})
		if _, err := b2.c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		go func() { _, err := b2.c.GetStatus(ctx); done <- err }()
		waitFor(t, "B2 getStatus", func() bool { return b2.f.count("getStatus") == 1 })
		for _, r := range a.f.requests() {
			b2.f.do(func() { b2.f.send(response(r, `{"from":"A"}`)) })
		}
		if err := <-done; !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("B2's request resolved by A's responses: %v", err)
		}
	})
}

func TestHelpers(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if _, err := h.c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		call        func() (json.RawMessage, error)
		action, pay string
	}{
		{func() (json.RawMessage, error) {
			return h.c.CreateInteraction(ctx, map[string]any{"encounter": map[string]any{"identifier": "e1", "status": "planned"}})
		}, "createInteraction", `{"encounter":{"identifier":"e1","status":"planned"}}`},
		{func() (json.RawMessage, error) { return h.c.Navigate(ctx, "/session/abc") }, "navigate", `{"path":"/session/abc"}`},
		{func() (json.RawMessage, error) {
			return h.c.ConfigureApp(ctx, map[string]any{"appearance": map[string]any{"primaryColor": "#00f"}})
		}, "configureApp", `{"appearance":{"primaryColor":"#00f"}}`},
		{func() (json.RawMessage, error) {
			return h.c.SetInteractionOptions(ctx, map[string]any{"mode": "virtual"})
		},
			"setInteractionOptions", `{"mode":"virtual"}`},
		{func() (json.RawMessage, error) {
			return h.c.AddFacts(ctx, []map[string]string{{"text": "BP 120/80", "group": "vitals"}})
		}, "addFacts", `{"facts":[{"group":"vitals","text":"BP 120/80"}]}`},
		{func() (json.RawMessage, error) {
			return h.c.AddFacts(ctx, map[string]any{"facts": []map[string]string{{"text": "x", "group": "g"}}})
		}, "addFacts", `{"facts":[{"group":"g","text":"x"}]}`},
		{func() (json.RawMessage, error) { return h.c.StartRecording(ctx) }, "startRecording", `{}`},
		{func() (json.RawMessage, error) { return h.c.StopRecording(ctx) }, "stopRecording", `{}`},
		{func() (json.RawMessage, error) { return h.c.GetStatus(ctx) }, "getStatus", `{}`},
		{func() (json.RawMessage, error) { return h.c.GetTemplates(ctx) }, "getTemplates", `{}`},
	}
	for _, tt := range tests {
		got, err := tt.call()
		if err != nil {
			t.Errorf("%s: %v", tt.action, err)
			continue
		}
		reqs := h.f.requests()
		last := reqs[len(reqs)-1]
		if last.Action != tt.action || string(last.Payload) != tt.pay {
			t.Errorf("%s sent %s %s, want %s", tt.action, last.Action, last.Payload, tt.pay)
		}
		if string(got) != tt.pay { // the fake echoes the payload
			t.Errorf("%s returned %s", tt.action, got)
		}
	}
}

func TestRequestWaitsForReady(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, func(_ *Options, f *fakeIframe) { f.noReady = true })
		errc := make(chan error, 1)
		go func() { _, err := h.c.GetStatus(context.Background()); errc <- err }()
		synctest.Wait() // GetStatus is blocked waiting for ready: nothing was posted meanwhile
		if n := len(h.f.requests()); n != 0 {
			t.Fatalf("posted %d requests before ready", n)
		}
		h.f.do(func() {
			h.f.send(`{"type":"CORTI_EMBEDDED_EVENT","event":"embedded.ready","payload":{"version":"v1"}}`)
		})
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	})
}

func TestRequestContextCanceled(t *testing.T) {
	h := newHarness(t, func(_ *Options, f *fakeIframe) {
		f.answer = func(Message) []string { return nil }
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		waitFor(t, "getStatus posted", func() bool { return h.f.count("getStatus") == 1 })
		cancel()
	}()
	if _, err := h.c.GetStatus(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	if len(h.c.pending) != 0 {
		t.Errorf("%d requests pending after cancel", len(h.c.pending))
	}
}

func TestPostError(t *testing.T) {
	boom := errors.New("postMessage: DataCloneError")
	h := newHarness(t, nil)
	h.c.o.Post = func([]byte) error { return boom }
	if _, err := h.c.Start(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	h.c.mu.Lock()
	defer h.c.mu.Unlock()
	if len(h.c.pending) != 0 {
		t.Errorf("%d requests pending after a failed post", len(h.c.pending))
	}
}

func TestNewControllerRequires(t *testing.T) {
	frame, _ := NewFrame(testOrigin)
	post := func([]byte) error { return nil }
	for name, o := range map[string]Options{
		"frame":  {Post: post, Tokens: &fakeTokens{}},
		"post":   {Frame: frame, Tokens: &fakeTokens{}},
		"tokens": {Frame: frame, Post: post},
	} {
		if _, err := NewController(o); !errors.Is(err, ErrInvalidOptions) {
			t.Errorf("without %s: err = %v", name, err)
		}
	}
}

func TestCustomNewIDCollision(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, func(o *Options, f *fakeIframe) {
			o.NewID = func() string { return "same" }
			f.answer = func(req Message) []string {
				if req.Action == "auth" {
					return defaultAnswer(req)
				}
				return nil
			}
		})
		if _, err := h.c.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		go func() { _, _ = h.c.GetStatus(ctx) }()
		waitFor(t, "getStatus posted", func() bool { return h.f.count("getStatus") == 1 })
		if _, err := h.c.GetStatus(ctx); err == nil || !strings.Contains(err.Error(), "already pending") {
			t.Errorf("a duplicate requestId: err = %v", err)
		}
	})
}

// A re-auth whose fresh token is the one the frame already accepted posts
// nothing (issue 21): Start's Fresh may itself refresh a token that is within
// the buffer, and that refresh's Reauth, queued behind Start's auth, then gets
// the same token; under load a refresh can also land while another auth waits
// for the slot. After a reload the frame holds nothing, so the same token is
// sent again.
func TestReauthSameTokenNotSentTwice(t *testing.T) {
	bubble(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.tokens.token = "at-same"
		// Start's Fresh is held (as when it refreshes a token within the buffer); the refresh's Reauth comes
		// meanwhile and queues behind Start's auth: it finds its work done.
		h.tokens.gate = make(chan struct{})
		started := make(chan error, 1)
		go func() { _, err := h.c.Start(context.Background()); started <- err }()
		synctest.Wait()
		reauthed := make(chan error, 1)
		go func() { reauthed <- h.c.Reauth(context.Background()) }()
		synctest.Wait()
		close(h.tokens.gate)
		if err := <-started; err != nil {
			t.Fatal(err)
		}
		if err := <-reauthed; err != nil {
			t.Fatal(err)
		}
		if n := h.f.count("auth"); n != 1 {
			t.Fatalf("%d auths with one token, want 1", n)
		}
		if _, auths, _ := h.rec.snapshot(); len(auths) != 1 {
			t.Errorf("OnAuth called %d times, want 1 (nothing was sent the second time)", len(auths))
		}
		// An auth made after the last one ended posts, the same token too (the component's auth(tokens) again).
		if err := h.c.Reauth(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := h.f.count("auth"); n != 2 {
			t.Fatalf("%d auths, want 2: a re-auth nothing was in flight for posts", n)
		}
		// A refused auth leaves the frame without the token: it is sent again.
		h.tokens.mu.Lock()
		h.tokens.token = "expired"
		h.tokens.mu.Unlock()
		if err := h.c.Reauth(context.Background()); err == nil {
			t.Fatal("an expired token was accepted")
		}
		if err := h.c.Reauth(context.Background()); err == nil {
			t.Fatal("an expired token was accepted")
		}
		if n := h.f.count("auth"); n != 4 {
			t.Fatalf("%d auths after two refused ones, want 4", n)
		}
		h.tokens.mu.Lock()
		h.tokens.token = "at-same"
		h.tokens.mu.Unlock()
		if err := h.c.Reauth(context.Background()); err != nil {
			t.Fatal(err)
		}
		if n := h.f.count("auth"); n != 5 {
			t.Fatalf("%d auths: the token the frame last accepted was at-same, but a refused one came since; want 5", n)
		}
		// A reloaded frame lost the token: the same one is sent again.
		h.f.reload(3)
		waitFor(t, "the auth after the reload", func() bool { return h.f.count("auth") == 6 })
		synctest.Wait() // that auth answered: the re-auth below comes after it, not queued behind it
		if err := h.c.Reauth(context.Background()); err != nil {
			t.Fatal(err)
		}
		elapse(100 * time.Millisecond)
		if n := h.f.count("auth"); n != 7 {
			t.Fatalf("%d auths after the reload and a later re-auth, want 7", n)
		}
	})
}
