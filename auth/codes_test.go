package auth

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/errcode"
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
		{fmt.Errorf("wrapped: %w", ErrStateMismatch), "state_mismatch"},
		{&ConfigError{Key: "clientSecret"}, "invalid_config"},
		{fmt.Errorf("%w: x", errcode.ErrNetwork), "network_error"},
		{fmt.Errorf("%w: x", errcode.ErrTimeout), "timeout"},
		{context.DeadlineExceeded, "timeout"},
		{context.Canceled, "session_ended"},
		{fmt.Errorf("%w: boom", errcode.ErrPanic), "internal"},
		{fmt.Errorf("%w: location.assign: %w", errcode.ErrBrowser, coder{""}), "browser_error"},
		{fmt.Errorf("%w", pkce.ErrBadResponse), "bad_response"},
		{&token.IDTokenError{Check: token.CheckNonce}, "id_token_invalid"},
		// JWKS fetched over a failing network: the transport's code wins, as it
		// is retried (check "jwks").
		{&token.IDTokenError{Check: token.CheckJWKS, Err: fmt.Errorf("%w: %w", token.ErrJWKS, errcode.ErrNetwork)}, "network_error"},
		{&session.EndedError{Reason: "logout"}, "session_ended"},
		{&session.EndedError{Reason: "closed", Closed: true}, "session_ended"},
		{session.Final("invalid_grant", &pkce.OAuthError{ErrorCode: "invalid_grant"}), "oauth_error"},
		{fmt.Errorf("%w: a", storage.ErrNoPending), "no_pending_login"},
		// A value thrown by the page keeps a code of the contract…
		{coder{"network_error"}, "network_error"},
		{fmt.Errorf("refresh: %w", coder{"session_ended"}), "session_ended"},
		// …but not an unknown one, nor internal (the module's own panics only).
		{coder{"no_such_code"}, CodeUnknown},
		{coder{"internal"}, CodeUnknown},
		{coder{""}, CodeUnknown},
		{errors.New("something else"), CodeUnknown},
	} {
		if c := Code(tc.err); c != tc.code {
			t.Errorf("Code(%v) = %q, want %q", tc.err, c, tc.code)
		}
	}
}

// TestOnlyPanicIsInternal: "internal" means a recovered Go panic and nothing
// else — no table entry but ErrPanic's gives it, and neither does the fallback.
func TestOnlyPanicIsInternal(t *testing.T) {
	if CodeUnknown == CodeInternal || !KnownCode(CodeUnknown) {
		t.Fatalf("the fallback code %q must be a documented code other than internal", CodeUnknown)
	}
	for _, c := range codes {
		if (c.code == CodeInternal) != (c.err == errcode.ErrPanic) {
			t.Errorf("%v gives %q", c.err, c.code)
		}
	}
}

// TestTableUsesKnownCodes: every code the table gives is one of Codes, and
// every code of Codes is given by something (no dead entry in the contract).
func TestTableUsesKnownCodes(t *testing.T) {
	given := map[string]bool{"oauth_error": true, "assistant_error": true, CodeUnknown: true}
	for _, c := range codes {
		if !KnownCode(c.code) {
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
	"errcode.ErrPanic":              errcode.ErrPanic,
	"errcode.ErrNetwork":            errcode.ErrNetwork,
	"errcode.ErrTimeout":            errcode.ErrTimeout,
	"errcode.ErrBrowser":            errcode.ErrBrowser,
	"auth.ErrInvalidConfig":         ErrInvalidConfig,
	"auth.ErrNoPendingLogin":        ErrNoPendingLogin,
	"auth.ErrStateMismatch":         ErrStateMismatch,
	"auth.ErrLoginExpired":          ErrLoginExpired,
	"auth.ErrIssMismatch":           ErrIssMismatch,
	"auth.ErrPasswordGrantDisabled": ErrPasswordGrantDisabled,
	"auth.ErrNotCallback":           ErrNotCallback,
	"auth.ErrPopupBlocked":          ErrPopupBlocked,
	"auth.ErrPopupClosed":           ErrPopupClosed,
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
// errcode's.
var scanned = []string{"errcode", "auth", "pkce", "token", "session", "assistant", "storage", "bridge"}

// packageDecls parses the non-test Go files of the module's package dir
// (whatever their build tags).
func packageDecls(t *testing.T, dir string) []ast.Decl {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", dir, "*.go"))
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
			q := dir + "." + name
			found[q] = true
			if dir == "bridge" {
				t.Errorf("bridge defines its own sentinel %s: define it in a pure package (errcode) and map it in auth/codes.go", q)
				continue
			}
			if _, ok := sentinels[q]; !ok {
				t.Errorf("%s is not mapped: give it a code in auth/codes.go and list it in sentinels", q)
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
			t.Errorf("%s has no code in the table (it would get the fallback %q)", q, CodeUnknown)
		case c == CodeInternal && err != errcode.ErrPanic:
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
