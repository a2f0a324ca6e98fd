package assistant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Issue 15 §5: the rest of v1 as typed methods.

func TestMethodPayloads(t *testing.T) {
	tests := []struct {
		name string
		f    func(json.RawMessage) (json.RawMessage, error)
		in   string
		want string // "" → ErrInvalidPayload
	}{
		{"navigate path", NavigatePayload, `"/session/abc"`, `{"path":"/session/abc"}`},
		{"navigate {path}", NavigatePayload, `{"path":"/session/abc"}`, `{"path":"/session/abc"}`},
		{"navigate empty", NavigatePayload, `""`, ""},
		{"navigate {path:''}", NavigatePayload, `{"path":""}`, ""},
		{"navigate {path:1}", NavigatePayload, `{"path":1}`, ""},
		{"navigate nothing", NavigatePayload, ``, ""},
		{"navigate list", NavigatePayload, `["/a"]`, ""},
		{"facts list", FactsPayload, `[{"text":"t","group":"g"}]`, `{"facts":[{"text":"t","group":"g"}]}`},
		{"facts {facts}", FactsPayload, `{"facts":[{"text":"t","group":"g"}]}`, `{"facts":[{"text":"t","group":"g"}]}`},
		{"facts empty list", FactsPayload, `[]`, `{"facts":[]}`},
		{"facts {facts:'x'}", FactsPayload, `{"facts":"x"}`, ""},
		{"facts {}", FactsPayload, `{}`, ""},
		{"facts nothing", FactsPayload, ``, ""},
		{"credentials", CredentialsPayload, `{"password":"s3cret"}`, `{"password":"s3cret"}`},
		{"credentials empty", CredentialsPayload, `{"password":""}`, ""},
		{"credentials number", CredentialsPayload, `{"password":1234}`, ""},
		{"credentials string", CredentialsPayload, `"s3cret"`, ""},
		{"credentials nothing", CredentialsPayload, ``, ""},
	}
	for _, tt := range tests {
		got, err := tt.f(json.RawMessage(tt.in))
		if tt.want == "" {
			if !errors.Is(err, ErrInvalidPayload) {
				t.Errorf("%s: %s, %v; want ErrInvalidPayload", tt.name, got, err)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("%s: %s, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

func TestTypedMethodsPost(t *testing.T) {
	qr := `{"status":"approved"}`
	h := newHarness(t, func(_ *Options, f *fakeIframe) {
		f.answer = func(req Message) []string {
			switch req.Action {
			case "showDeviceLinkQR":
				return []string{response(req, qr)}
			case "setCredentials", "navigate":
				return []string{fmt.Sprintf(`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":%q,"requestId":%q,"success":true}`, req.Action, req.RequestID)}
			}
			return defaultAnswer(req)
		}
	})
	ctx := context.Background()
	if _, err := h.c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	last := func() Message { r := h.f.requests(); return r[len(r)-1] }
	if _, err := h.c.SetCredentials(ctx, json.RawMessage(`{"password":"pw"}`)); err != nil || last().Action != "setCredentials" || string(last().Payload) != `{"password":"pw"}` {
		t.Errorf("setCredentials: %v, sent %s %s", err, last().Action, last().Payload)
	}
	n := len(h.f.requests())
	if _, err := h.c.SetCredentials(ctx, json.RawMessage(`{}`)); !errors.Is(err, ErrInvalidPayload) || len(h.f.requests()) != n {
		t.Errorf("setCredentials without a password: %v, posted %d", err, len(h.f.requests())-n)
	}
	if _, err := h.c.NavigateTo(ctx, json.RawMessage(`"/a"`)); err != nil || string(last().Payload) != `{"path":"/a"}` {
		t.Errorf("navigate(path): %v, %s", err, last().Payload)
	}
	if _, err := h.c.NavigateTo(ctx, json.RawMessage(`{"path":"/b"}`)); err != nil || string(last().Payload) != `{"path":"/b"}` {
		t.Errorf("navigate({path}): %v, %s", err, last().Payload)
	}
	got, err := h.c.ShowDeviceLinkQR(ctx, true)
	if err != nil || string(got) != qr {
		t.Fatalf("showDeviceLinkQR = %s, %v", got, err)
	}
	var p map[string]any
	if err := json.Unmarshal(last().Payload, &p); err != nil || last().Action != "showDeviceLinkQR" || p["refresh_token"] != "rt" || p["token_type"] != "Bearer" || p["access_token"] == nil {
		t.Errorf("showDeviceLinkQR payload %s (%v)", last().Payload, err)
	}
	for _, bad := range []string{`{"status":"maybe"}`, `{}`, `null`} {
		qr = bad
		var ae *Error
		if _, err := h.c.ShowDeviceLinkQR(ctx, true); !errors.As(err, &ae) || ae.Code != "INVALID_RESPONSE" {
			t.Errorf("showDeviceLinkQR answered %s: %v", bad, err)
		}
	}
	// Without a refresh token (bearer tokens): refused, nothing posted.
	h.tokens.body = `{"access_token":"at-x","token_type":"Bearer","expires_in":300}`
	n = len(h.f.requests())
	if _, err := h.c.ShowDeviceLinkQR(ctx, true); !errors.Is(err, ErrInvalidPayload) || len(h.f.requests()) != n {
		t.Errorf("showDeviceLinkQR without a refresh token: %v, posted %d", err, len(h.f.requests())-n)
	}
	// A service account's token is never posted.
	h.c.o.IsServiceAccount = func(string) bool { return true }
	if _, err := h.c.ShowDeviceLinkQR(ctx, true); !errors.Is(err, ErrNotUserToken) || len(h.f.requests()) != n {
		t.Errorf("showDeviceLinkQR with a service account: %v", err)
	}
}

func TestDisplay(t *testing.T) {
	if Display(true) != "block" || Display(false) != "none" {
		t.Error("Display")
	}
}

// showDeviceLinkQR hands the Assistant the refresh token: without
// assistantRefreshes only when the caller says so (shareRefreshToken), else
// invalid_config naming why and nothing posted. A refresh token handed over is
// recorded as a second holder (SentRefreshTokens), so that the refresh-conflict
// detection covers it.
func TestShowDeviceLinkQRSharesOnlyWhenAsked(t *testing.T) {
	for _, share := range []bool{false, true} {
		h := newHarness(t, func(o *Options, f *fakeIframe) {
			o.ShareRefreshToken = share
			f.answer = func(req Message) []string {
				if req.Action == "showDeviceLinkQR" {
					return []string{fmt.Sprintf(`{"type":"CORTI_EMBEDDED_RESPONSE","version":"v1","action":%q,"requestId":%q,"success":true,"payload":{"status":"approved"}}`, req.Action, req.RequestID)}
				}
				return defaultAnswer(req)
			}
		})
		ctx := context.Background()
		if _, err := h.c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		n := len(h.f.requests())
		_, err := h.c.ShowDeviceLinkQR(ctx, false)
		if !share {
			if !errors.Is(err, ErrInvalidOptions) || !strings.Contains(err.Error(), "shareRefreshToken") || len(h.f.requests()) != n {
				t.Fatalf("without assistantRefreshes or shareRefreshToken: %v, posted %d", err, len(h.f.requests())-n)
			}
			if got := h.c.SentRefreshTokens(); len(got) != 0 {
				t.Errorf("recorded %q although nothing was handed over", got)
			}
			_, err = h.c.ShowDeviceLinkQR(ctx, true)
		}
		if err != nil {
			t.Fatalf("share %v: %v", share, err)
		}
		got := h.c.SentRefreshTokens()
		if len(got) == 0 || got[len(got)-1] != "rt" {
			t.Errorf("share %v: the device link's refresh token is not recorded as held by the Assistant: %q", share, got)
		}
	}
}
