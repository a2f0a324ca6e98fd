package auth

import (
	"context"
	"errors"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/errcode"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
)

// This file is the one source of the JS error contract: the code of every
// error (Code), the codes a CortiAuthError can carry (Codes), the reasons of the
// "ended" event (EndedReasons) and the ID-token checks (IDTokenChecks). README's
// error table and the unions of web/types/corti-auth.d.ts are tested against it
// (contract_test.go at the repository's root).

// Codes lists every code a CortiAuthError can carry, in README's order.
var Codes = []string{
	"invalid_config",
	"storage_unavailable",
	"no_pending_login",
	"state_mismatch",
	"login_expired",
	"iss_mismatch",
	"oauth_error",
	"network_error",
	"timeout",
	"bad_response",
	"invalid_token",
	"id_token_invalid",
	"not_user_token",
	"session_ended",
	"assistant_timeout",
	"assistant_error",
	"assistant_refresh_conflict",
	"password_grant_disabled",
	"popup_blocked",
	"popup_closed",
	"browser_error",
	"internal",
}

// CodeInternal is the code of a recovered Go panic (errcode.ErrPanic), and of
// nothing else.
const CodeInternal = "internal"

// CodeUnknown is the code of an error that carries no sentinel of the table.
// Every sentinel of the pure packages is mapped (auth's tests check it), so such
// an error can only come from the bridge, whose errors are browser calls:
// "browser_error", with the message saying what failed.
const CodeUnknown = "browser_error"

// EndedReasons lists the reasons the session's (and a mounted Assistant's)
// "ended" event gives on its own. A final OAuth error of a refresh other than
// invalid_grant ends the session with that error's own code as the reason, so
// a listener may see other strings as well.
var EndedReasons = []string{
	session.ReasonInvalidGrant,
	session.ReasonRefreshFailed,
	session.ReasonRefreshExpired,
	session.ReasonExpired,
	session.ReasonIDTokenInvalid,
	session.ReasonLogout,
	session.ReasonIdle,
	session.ReasonUserChanged,
}

// IDTokenChecks lists every value of token.IDTokenError.Check: the `check` of a
// CortiAuthError of code "id_token_invalid".
var IDTokenChecks = []string{
	token.CheckSignature,
	token.CheckAlg,
	token.CheckKID,
	token.CheckIssuer,
	token.CheckAudience,
	token.CheckAZP,
	token.CheckExpiry,
	token.CheckIssuedAt,
	token.CheckNonce,
	token.CheckSubject,
	token.CheckMalformed,
	token.CheckJWKS,
	token.CheckAuthTime,
	token.CheckACR,
}

// codes maps the sentinel errors of every package to their JS code. The first
// match wins; order from specific to general.
var codes = []struct {
	err  error
	code string
}{
	{errcode.ErrPanic, CodeInternal},
	{ErrInvalidConfig, "invalid_config"},
	{pkce.ErrInvalidParam, "invalid_config"},
	{assistant.ErrInvalidBaseURL, "invalid_config"},
	{assistant.ErrActionNotAllowed, "invalid_config"},
	{assistant.ErrInvalidOptions, "invalid_config"},
	{assistant.ErrInvalidPayload, "invalid_config"},
	{assistant.ErrOtherSession, "invalid_config"},
	{assistant.ErrRefreshConflict, "assistant_refresh_conflict"},
	{storage.ErrUnavailable, "storage_unavailable"},
	{ErrNoPendingLogin, "no_pending_login"},
	{ErrStateMismatch, "state_mismatch"},
	{ErrLoginExpired, "login_expired"},
	{ErrIssMismatch, "iss_mismatch"},
	{ErrNotCallback, "no_pending_login"},
	{pkce.ErrInvalidCallback, "no_pending_login"},
	{storage.ErrNoPending, "no_pending_login"},
	{storage.ErrExpired, "login_expired"},
	{ErrPasswordGrantDisabled, "password_grant_disabled"},
	{ErrPopupBlocked, "popup_blocked"},
	{ErrPopupClosed, "popup_closed"},
	{errcode.ErrNetwork, "network_error"},
	{errcode.ErrTimeout, "timeout"},
	{context.DeadlineExceeded, "timeout"},
	{pkce.ErrBadResponse, "bad_response"},
	{token.ErrIDTokenInvalid, "id_token_invalid"},
	{token.ErrJWKS, "id_token_invalid"},
	{token.ErrInvalidToken, "invalid_token"},
	{assistant.ErrNotUserToken, "not_user_token"},
	{assistant.ErrTimeout, "assistant_timeout"},
	{assistant.ErrDestroyed, "assistant_error"},
	{assistant.ErrUnknownMessage, "assistant_error"},
	{assistant.ErrEnded, "session_ended"},
	{session.ErrEnded, "session_ended"},
	{session.ErrClosed, "session_ended"},
	{session.ErrRefreshExpired, "session_ended"},
	{session.ErrExpired, "session_ended"},
	{session.ErrNoRefresh, "invalid_config"},
	{session.ErrNoExpiry, "bad_response"},
	// The module cancels contexts only when a session ends or closes (an
	// Assistant's destroy gives assistant.ErrDestroyed first).
	{context.Canceled, "session_ended"},
	{errcode.ErrBrowser, "browser_error"},
}

// Code returns the JS error code for err: the typed errors first
// (*pkce.OAuthError is "oauth_error", *assistant.Error "assistant_error"), then
// the table of sentinels, then the code an errcode.Coder names itself when
// ThrownCodeKept; anything else is CodeUnknown. nil has no code ("").
func Code(err error) string {
	if err == nil {
		return ""
	}
	if c, ok := lookup(err); ok {
		return c
	}
	return CodeUnknown
}

// lookup is Code without the fallback: ok is false for an error the contract
// has no code for.
func lookup(err error) (code string, ok bool) {
	var oe *pkce.OAuthError
	if errors.As(err, &oe) {
		return "oauth_error", true
	}
	var ae *assistant.Error
	if errors.As(err, &ae) {
		return "assistant_error", true
	}
	for _, c := range codes {
		if errors.Is(err, c.err) {
			return c.code, true
		}
	}
	var ce errcode.Coder
	if errors.As(err, &ce) && ThrownCodeKept(ce.ErrorCode()) {
		return ce.ErrorCode(), true
	}
	return "", false
}

// KnownCode reports whether c is one of Codes.
func KnownCode(c string) bool {
	for _, k := range Codes {
		if k == c {
			return true
		}
	}
	return false
}

// ThrownCodeKept reports whether a code named by an errcode.Coder (a value the
// page's own code threw) is kept: one of Codes, except "internal", which only
// the module's own recovered panics give.
func ThrownCodeKept(c string) bool { return c != CodeInternal && KnownCode(c) }
