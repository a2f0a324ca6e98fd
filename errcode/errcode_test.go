package errcode

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
)

// coder is a thrown JS value read back by the bridge (bridge.JSError).
type coder struct{ code string }

func (c coder) Error() string     { return "js: thrown with code " + c.code }
func (c coder) ErrorCode() string { return c.code }

func TestCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		code string
	}{
		{nil, ""},
		{&pkce.OAuthError{ErrorCode: "invalid_grant", Status: 400}, "oauth_error"},
		{fmt.Errorf("refresh: %w", &pkce.OAuthError{Status: 503}), "oauth_error"},
		{&assistant.Error{Action: "auth", Code: "UNAUTHORIZED"}, "assistant_error"},
		{fmt.Errorf("wrapped: %w", auth.ErrStateMismatch), "state_mismatch"},
		{&auth.ConfigError{Key: "clientSecret"}, "invalid_config"},
		{fmt.Errorf("%w: x", fault.ErrNetwork), "network_error"},
		{fmt.Errorf("%w: x", fault.ErrTimeout), "timeout"},
		{context.DeadlineExceeded, "timeout"},
		{auth.ErrCallbackTimeout, "timeout"},
		{&auth.PopupTimeoutError{Severed: true}, "timeout"},
		{fmt.Errorf("%w: 123", auth.ErrPopupClosed), "popup_closed"},
		{context.Canceled, "session_ended"},
		{fmt.Errorf("%w: boom", fault.ErrPanic), "internal"},
		{fmt.Errorf("%w: location.assign: %w", fault.ErrBrowser, coder{""}), "browser_error"},
		{fmt.Errorf("%w", pkce.ErrBadResponse), "bad_response"},
		{&token.IDTokenError{Check: token.CheckNonce}, "id_token_invalid"},
		// JWKS fetched over a failing network: the transport's code wins, as it
		// is retried (check "jwks").
		{&token.IDTokenError{Check: token.CheckJWKS, Err: fmt.Errorf("%w: %w", token.ErrJWKS, fault.ErrNetwork)}, "network_error"},
		{&session.EndedError{Reason: "logout"}, "session_ended"},
		{&session.EndedError{Reason: "closed", Closed: true}, "session_ended"},
		{session.Final("invalid_grant", &pkce.OAuthError{ErrorCode: "invalid_grant"}), "oauth_error"},
		{fmt.Errorf("%w: a", storage.ErrNoPending), "no_pending_login"},
		// A value thrown by the page keeps a code of the contract…
		{coder{"network_error"}, "network_error"},
		{fmt.Errorf("refresh: %w", coder{"session_ended"}), "session_ended"},
		// …but not an unknown one, nor internal (the module's own panics only).
		{coder{"no_such_code"}, fault.CodeUnknown},
		{coder{"internal"}, fault.CodeUnknown},
		{coder{""}, fault.CodeUnknown},
		{errors.New("something else"), fault.CodeUnknown},
	} {
		if c := Code(tc.err); c != tc.code {
			t.Errorf("Code(%v) = %q, want %q", tc.err, c, tc.code)
		}
	}
}

// TestProps: the properties of the CortiAuthError for each kind of error
// (the bridge adds the message and a thrown JS value as cause).
func TestProps(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want map[string]any
	}{
		{"nil", nil, map[string]any{}},
		{"sentinel", fmt.Errorf("%w: x", fault.ErrNetwork), map[string]any{"code": "network_error"}},
		{"oauth error, every field", fmt.Errorf("refresh: %w", &pkce.OAuthError{ErrorCode: "invalid_grant", Description: "expired", URI: "https://x/e", Status: 400}),
			map[string]any{"code": "oauth_error", "oauthError": "invalid_grant", "description": "expired", "errorUri": "https://x/e", "status": 400}},
		{"oauth error, bare", &pkce.OAuthError{ErrorCode: "invalid_client"},
			map[string]any{"code": "oauth_error", "oauthError": "invalid_client"}},
		{"assistant error", &assistant.Error{Action: "auth", Code: "UNAUTHORIZED", Message: "no"},
			map[string]any{"code": "assistant_error", "assistantCode": "UNAUTHORIZED", "description": "no"}},
		{"assistant error without a code", &assistant.Error{Action: "auth"}, map[string]any{"code": "assistant_error"}},
		{"assistant message wins over an OAuth description", fmt.Errorf("%w; %w", &pkce.OAuthError{ErrorCode: "x", Description: "oauth"}, &assistant.Error{Message: "assistant"}),
			map[string]any{"code": "oauth_error", "oauthError": "x", "description": "assistant"}},
		{"ID token", fmt.Errorf("login: %w", &token.IDTokenError{Check: token.CheckNonce}),
			map[string]any{"code": "id_token_invalid", "check": "nonce"}},
		{"JWKS over a failing network keeps its check", &token.IDTokenError{Check: token.CheckJWKS, Err: fmt.Errorf("%w: %w", token.ErrJWKS, fault.ErrNetwork)},
			map[string]any{"code": "network_error", "check": "jwks"}},
		{"unknown", errors.New("x"), map[string]any{"code": fault.CodeUnknown}},
	} {
		if got := Props(tc.err); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Props = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestOnlyPanicIsInternal: "internal" means a recovered Go panic and nothing
// else — no table entry but ErrPanic's gives it, and neither does the fallback.
func TestOnlyPanicIsInternal(t *testing.T) {
	if fault.CodeUnknown == fault.CodeInternal || !fault.KnownCode(fault.CodeUnknown) {
		t.Fatalf("the fallback code %q must be a documented code other than internal", fault.CodeUnknown)
	}
	for _, c := range codes {
		if (c.code == fault.CodeInternal) != (c.err == fault.ErrPanic) {
			t.Errorf("%v gives %q", c.err, c.code)
		}
	}
}

// TestTableUsesKnownCodes: every code the table gives is one of Codes, and
// every code of Codes is given by something (no dead entry in the contract).
func TestTableUsesKnownCodes(t *testing.T) {
	given := map[string]bool{"oauth_error": true, "assistant_error": true, fault.CodeUnknown: true}
	for _, c := range codes {
		if !fault.KnownCode(c.code) {
			t.Errorf("%v gives %q, which is not in Codes", c.err, c.code)
		}
		given[c.code] = true
	}
	seen := map[string]bool{}
	for _, c := range Codes {
		if seen[c] {
			t.Errorf("%q twice in Codes", c)
		}
		seen[c] = true
		if !given[c] {
			t.Errorf("nothing gives code %q", c)
		}
	}
}

// sentinels are the exported sentinel errors of the pure packages, by the name
// TestEverySentinelIsMapped finds in their source. A new sentinel fails that
// test until it is mapped in codes and listed here.
var sentinels = map[string]error{
	"fault.ErrPanic":                fault.ErrPanic,
	"fault.ErrNetwork":              fault.ErrNetwork,
	"fault.ErrTimeout":              fault.ErrTimeout,
	"fault.ErrBrowser":              fault.ErrBrowser,
	"auth.ErrInvalidConfig":         auth.ErrInvalidConfig,
	"auth.ErrNoPendingLogin":        auth.ErrNoPendingLogin,
	"auth.ErrStateMismatch":         auth.ErrStateMismatch,
	"auth.ErrLoginExpired":          auth.ErrLoginExpired,
	"auth.ErrIssMismatch":           auth.ErrIssMismatch,
	"auth.ErrPasswordGrantDisabled": auth.ErrPasswordGrantDisabled,
	"auth.ErrNotCallback":           auth.ErrNotCallback,
	"auth.ErrPopupBlocked":          auth.ErrPopupBlocked,
	"auth.ErrPopupClosed":           auth.ErrPopupClosed,
	"auth.ErrUserMismatch":          auth.ErrUserMismatch,
	"pkce.ErrBadResponse":           pkce.ErrBadResponse,
	"pkce.ErrInvalidParam":          pkce.ErrInvalidParam,
	"pkce.ErrInvalidCallback":       pkce.ErrInvalidCallback,
	"token.ErrInvalidToken":         token.ErrInvalidToken,
	"token.ErrIDTokenInvalid":       token.ErrIDTokenInvalid,
	"token.ErrJWKS":                 token.ErrJWKS,
	"session.ErrEnded":              session.ErrEnded,
	"session.ErrClosed":             session.ErrClosed,
	"session.ErrNoRefresh":          session.ErrNoRefresh,
	"session.ErrNoExpiry":           session.ErrNoExpiry,
	"session.ErrRefreshExpired":     session.ErrRefreshExpired,
	"session.ErrExpired":            session.ErrExpired,
	"assistant.ErrTimeout":          assistant.ErrTimeout,
	"assistant.ErrDestroyed":        assistant.ErrDestroyed,
	"assistant.ErrEnded":            assistant.ErrEnded,
	"assistant.ErrUnknownMessage":   assistant.ErrUnknownMessage,
	"assistant.ErrInvalidBaseURL":   assistant.ErrInvalidBaseURL,
	"assistant.ErrNotUserToken":     assistant.ErrNotUserToken,
	"assistant.ErrActionNotAllowed": assistant.ErrActionNotAllowed,
	"assistant.ErrInvalidOptions":   assistant.ErrInvalidOptions,
	"assistant.ErrInvalidPayload":   assistant.ErrInvalidPayload,
	"assistant.ErrOtherSession":     assistant.ErrOtherSession,
	"assistant.ErrRefreshConflict":  assistant.ErrRefreshConflict,
	"storage.ErrUnavailable":        storage.ErrUnavailable,
	"storage.ErrNoPending":          storage.ErrNoPending,
	"storage.ErrExpired":            storage.ErrExpired,
}

// scanned are the packages whose sentinels reach JS. bridge is scanned too: it
// may define none of its own (a native test cannot see them), only re-use
// internal/fault's.
var scanned = []string{"internal/fault", "errcode", "auth", "pkce", "token", "session", "assistant", "storage", "bridge"}

// packageDecls parses the non-test Go files of the module's package dir
// (whatever their build tags).
func packageDecls(t *testing.T, dir string) []ast.Decl {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", filepath.FromSlash(dir), "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Go files in %s: %v", dir, err)
	}
	var decls []ast.Decl
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(gotoken.NewFileSet(), f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		decls = append(decls, af.Decls...)
	}
	return decls
}

// errorsNewVars returns the package-level variables of dir initialised with
// errors.New: the roots of the package's errors. (A sentinel made with
// fmt.Errorf("%w …", other) inherits other's code.)
func errorsNewVars(t *testing.T, dir string) []string {
	var names []string
	for _, d := range packageDecls(t, dir) {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != gotoken.VAR {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, v := range vs.Values {
				call, ok := v.(*ast.CallExpr)
				if !ok {
					continue
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "New" {
					continue
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "errors" && i < len(vs.Names) {
					names = append(names, vs.Names[i].Name)
				}
			}
		}
	}
	return names
}

// TestEverySentinelIsMapped: every exported errors.New sentinel of the pure
// packages has a code of its own in the table (not the fallback), and it is not
// internal (except ErrPanic). Unexported sentinels only travel inside exported
// errors (token's errUnknownKey inside an IDTokenError).
func TestEverySentinelIsMapped(t *testing.T) {
	found := map[string]bool{}
	for _, dir := range scanned {
		for _, name := range errorsNewVars(t, dir) {
			if !ast.IsExported(name) {
				continue
			}
			q := path.Base(dir) + "." + name
			found[q] = true
			if dir == "bridge" {
				t.Errorf("bridge defines its own sentinel %s: define it in a pure package (internal/fault) and map it in errcode/errcode.go", q)
				continue
			}
			if _, ok := sentinels[q]; !ok {
				t.Errorf("%s is not mapped: give it a code in errcode/errcode.go and list it in sentinels", q)
			}
		}
	}
	if len(found) < 20 {
		t.Fatalf("found only %d sentinels: the scan is broken", len(found))
	}
	for q, err := range sentinels {
		if !found[q] {
			t.Errorf("sentinels lists %s, which the scan did not find", q)
		}
		c, ok := lookup(fmt.Errorf("context: %w", err))
		switch {
		case !ok:
			t.Errorf("%s has no code in the table (it would get the fallback %q)", q, fault.CodeUnknown)
		case c == fault.CodeInternal && err != fault.ErrPanic:
			t.Errorf("%s gives internal", q)
		}
	}
}

// constsWithPrefix returns the values of dir's string constants whose name
// starts with prefix.
func constsWithPrefix(t *testing.T, dir, prefix string) []string {
	var vals []string
	for _, d := range packageDecls(t, dir) {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != gotoken.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, n := range vs.Names {
				if !strings.HasPrefix(n.Name, prefix) || i >= len(vs.Values) {
					continue
				}
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != gotoken.STRING {
					t.Errorf("%s.%s is not a string literal", dir, n.Name)
					continue
				}
				v, _ := strconv.Unquote(lit.Value)
				vals = append(vals, v)
			}
		}
	}
	sort.Strings(vals)
	return vals
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// TestEndedReasonsAreSessionReasons: EndedReasons is every Reason* constant of
// package session.
func TestEndedReasonsAreSessionReasons(t *testing.T) {
	want := constsWithPrefix(t, "session", "Reason")
	if got := sorted(EndedReasons); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("EndedReasons %v, session's Reason constants %v", got, want)
	}
}

// TestIDTokenChecksAreTokenChecks: IDTokenChecks is every Check* constant of
// package token, and no IDTokenError of the module is made with another check.
func TestIDTokenChecksAreTokenChecks(t *testing.T) {
	want := constsWithPrefix(t, "token", "Check")
	if got := sorted(IDTokenChecks); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("IDTokenChecks %v, token's Check constants %v", got, want)
	}
	known := map[string]bool{}
	for _, c := range IDTokenChecks {
		known[c] = true
	}
	// Composite literals IDTokenError{Check: "…"} anywhere in the module.
	for _, dir := range scanned {
		for _, d := range packageDecls(t, dir) {
			ast.Inspect(d, func(n ast.Node) bool {
				kv, ok := n.(*ast.KeyValueExpr)
				if !ok {
					return true
				}
				if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Check" {
					if lit, ok := kv.Value.(*ast.BasicLit); ok && lit.Kind == gotoken.STRING {
						if v, _ := strconv.Unquote(lit.Value); !known[v] {
							t.Errorf("%s makes an IDTokenError with check %q, which is not in IDTokenChecks", dir, v)
						}
					}
				}
				return true
			})
		}
	}
}
