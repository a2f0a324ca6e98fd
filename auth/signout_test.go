package auth

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
	"github.com/golang-jwt/jwt/v5"
)

func TestSignOutSticks(t *testing.T) {
	for reason, want := range map[string]bool{
		"logout": true, "idle": true,
		"expired": false, "refresh_expired": false, "revoked": false, "user_changed": false, "closed": false, "": false,
	} {
		if got := SignOutSticks(reason); got != want {
			t.Errorf("SignOutSticks(%q) = %v, want %v", reason, got, want)
		}
	}
}

func TestStickyPrompt(t *testing.T) {
	for in, want := range map[string]string{
		"":                     "login",
		"none":                 "login",
		"login":                "login",
		"consent":              "login consent",
		"select_account login": "login select_account",
		" none  consent ":      "login consent",
	} {
		if got := StickyPrompt(in); got != want {
			t.Errorf("StickyPrompt(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClearsSignOut(t *testing.T) {
	end := time.Date(2026, 12, 6, 12, 0, 0, 400e6, time.UTC)
	for _, c := range []struct {
		name     string
		authTime time.Time
		want     bool
	}{
		{"no auth_time", time.Time{}, false},
		{"the SSO session's sign-in, an hour before", end.Add(-time.Hour), false},
		{"a second before", end.Add(-time.Second), false},
		{"the same second (auth_time is whole seconds)", end.Truncate(time.Second), true},
		{"later", end.Add(20 * time.Second), true},
	} {
		if got := ClearsSignOut(c.authTime, end); got != c.want {
			t.Errorf("%s: ClearsSignOut = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestParseSignOutMark(t *testing.T) {
	for in, want := range map[string]time.Time{
		"1796558400123":        time.UnixMilli(1796558400123),
		" 1000 ":               time.UnixMilli(1000),
		"":                     {},
		"x":                    {},
		"-5":                   {},
		"99999999999999999999": {},
	} {
		if got := ParseSignOutMark(in); !got.Equal(want) {
			t.Errorf("ParseSignOutMark(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestEndsOnShow(t *testing.T) {
	start := time.Date(2026, 12, 6, 12, 0, 0, 700e6, time.UTC)
	for _, c := range []struct {
		name      string
		persisted bool
		mark      time.Time
		marked    bool
		want      bool
	}{
		{"not from the cache", false, start.Add(time.Minute), true, false},
		{"no mark", true, time.Time{}, false, false},
		{"signed out after the start", true, start.Add(time.Minute), true, true},
		{"signed out in the second of the start", true, start.Truncate(time.Second), true, true},
		{"a mark before this session started (bearer tokens under a mark)", true, start.Add(-time.Minute), true, false},
		{"an unreadable mark (zero time)", true, time.Time{}, true, false},
	} {
		if got := EndsOnShow(c.persisted, c.mark, c.marked, start); got != c.want {
			t.Errorf("%s: EndsOnShow = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPlanRestoreSignedOut(t *testing.T) {
	tr := true
	for _, share := range []bool{false, true} {
		p, err := PlanRestore(RestoreOptions{Silent: &tr, Redirect: true}, share, true)
		if err != nil || len(p.Steps) != 0 {
			t.Errorf("share %v, signed out: steps %v, %v; want none", share, p.Steps, err)
		}
	}
}

// storedKeys lists the store's keys that are not pending logins.
func storedKeys(t *testing.T, st storage.Store) map[string]string {
	t.Helper()
	keys, err := st.Keys()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range keys {
		if !strings.HasPrefix(k, storage.PendingPrefix) {
			v, _, _ := st.Get(k)
			out[k] = v
		}
	}
	return out
}

// TestLogoutMarksSignOut: logout (navigating or not) leaves a mark of the end
// time under the issuer and client, and nothing else: no token, no user.
func TestLogoutMarksSignOut(t *testing.T) {
	for _, nav := range []bool{false, true} {
		r := newLogoutRig(t)
		if got := storedKeys(t, r.h.store); len(got) != 0 {
			t.Fatalf("before logout: %v", got)
		}
		end := r.h.clock.Now()
		if _, err := r.client.Logout(context.Background(), r.s, LogoutOptions{Navigate: nav}); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{SignOutKey(r.h.realm.issuer, testClientID): strconv.FormatInt(end.UnixMilli(), 10)}
		if got := storedKeys(t, r.h.store); !reflect.DeepEqual(got, want) {
			t.Errorf("navigate %v: stored %v, want %v", nav, got, want)
		}
		at, ok := r.client.SignedOut()
		if !ok || !at.Equal(end) {
			t.Errorf("navigate %v: SignedOut = %v %v, want %v", nav, at, ok, end)
		}
	}
}

// TestSignOutSticks: after a sign-out, authorize requests ask for the
// password; a sign-in from the provider's SSO session (auth_time before the
// end) is refused and leaves the mark; a sign-in with a later auth_time
// clears it, and the next request is a plain one again.
func TestSignOutSticksUntilPassword(t *testing.T) {
	h := newHarness(t, "")
	u, err := h.client.AuthorizeURL(AuthorizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p := param(t, u, "prompt"); p != "" {
		t.Fatalf("before any sign-out: prompt %q", p)
	}
	ssoSignIn := h.clock.Now()
	h.login(t)
	h.clock.Add(10 * time.Minute)
	end := h.clock.Now()
	h.client.NoteSignedOut(session.ReasonIdle)
	h.clock.Add(5 * time.Second)

	for _, o := range []AuthorizeOptions{{}, {Prompt: "none"}, {Prompt: "consent"}} {
		u, err := h.client.AuthorizeURL(o)
		if err != nil {
			t.Fatal(err)
		}
		if want := StickyPrompt(o.Prompt); param(t, u, "prompt") != want {
			t.Errorf("prompt %q after the sign-out: sent %q, want %q", o.Prompt, param(t, u, "prompt"), want)
		}
	}

	// The provider ignores prompt=login and answers from its SSO session.
	h.realm.mu.Lock()
	h.realm.idClaims = func(c jwt.MapClaims) { c["auth_time"] = ssoSignIn.Unix() }
	h.realm.mu.Unlock()
	_, cb := h.startLogin(t)
	_, err = h.client.HandleCallback(context.Background(), cb)
	var ie *token.IDTokenError
	if !errors.As(err, &ie) || ie.Check != token.CheckAuthTime || !errors.Is(err, token.ErrIDTokenInvalid) {
		t.Fatalf("an SSO sign-in after the sign-out: %v, want id_token_invalid check auth_time", err)
	}
	if at, ok := h.client.SignedOut(); !ok || !at.Equal(end) {
		t.Fatalf("the refused sign-in moved the mark: %v %v", at, ok)
	}

	// A password: auth_time now.
	h.realm.mu.Lock()
	h.realm.idClaims = nil
	h.realm.mu.Unlock()
	if res := h.login(t); res.IDToken.AuthTime.Before(end) {
		t.Fatalf("auth_time %v", res.IDToken.AuthTime)
	}
	if at, ok := h.client.SignedOut(); ok {
		t.Errorf("mark %v left after a sign-in with a password", at)
	}
	if got := storedKeys(t, h.store); len(got) != 0 {
		t.Errorf("stored after the sign-in: %v", got)
	}
	u, _ = h.client.AuthorizeURL(AuthorizeOptions{})
	if p := param(t, u, "prompt"); p != "" {
		t.Errorf("after the sign-in: prompt %q, want none", p)
	}
}

// TestSignOutNotSticky: ends that are no decision to sign out leave no mark.
func TestSignOutNotSticky(t *testing.T) {
	h := newHarness(t, "")
	for _, r := range []string{session.ReasonExpired, session.ReasonUserChanged, "closed"} {
		h.client.NoteSignedOut(r)
	}
	if _, ok := h.client.SignedOut(); ok {
		t.Error("marked")
	}
}

// TestSignOutMarkStoreFails: storage that refuses the mark (a frame without
// storage) keeps it in memory for this page; a later mark stays the mark.
func TestSignOutMarkStoreFails(t *testing.T) {
	h := newHarness(t, "")
	h.client.SetSignOutStore(storage.Failing{})
	h.client.MarkSignedOut(h.clock.Now())
	if _, ok := h.client.SignedOut(); !ok {
		t.Fatal("no mark with failing storage")
	}
	u, err := h.client.AuthorizeURL(AuthorizeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if param(t, u, "prompt") != "login" {
		t.Errorf("prompt %q", param(t, u, "prompt"))
	}

	st := storage.NewMemory()
	h.client.SetSignOutStore(st)
	h.client.marks.clear()
	later := h.clock.Now().Add(time.Minute)
	h.client.MarkSignedOut(later)
	h.client.MarkSignedOut(later.Add(-30 * time.Second)) // an older end arriving late
	if at, _ := h.client.SignedOut(); !at.Equal(later) {
		t.Errorf("mark %v, want the later %v", at, later)
	}
	// Another tab signs in with a password and clears the stored mark: it is gone here too.
	_ = st.Remove(SignOutKey(h.realm.issuer, testClientID))
	if at, ok := h.client.SignedOut(); ok {
		t.Errorf("mark %v after another tab cleared it", at)
	}
}

// TestPasswordLoginClearsSignOut: the password grant sends the password.
func TestPasswordLoginClearsSignOut(t *testing.T) {
	h := newHarness(t, `,"allowPasswordGrant":true`)
	h.client.NoteSignedOut(session.ReasonLogout)
	if _, err := h.client.PasswordLogin(context.Background(), "dr.jensen", "pw"); err != nil {
		t.Fatal(err)
	}
	if _, ok := h.client.SignedOut(); ok {
		t.Error("mark left after the password grant")
	}
}
