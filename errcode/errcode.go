// Package errcode is the one source of the JS error contract: the code of every
// error (Code), the properties a CortiAuthError carries besides its code and
// cause (Props), the codes a CortiAuthError can carry (Codes), the reasons of
// the "ended" event (EndedReasons) and the ID-token checks (IDTokenChecks).
// README's error table and the unions of web/types/corti-auth.d.ts are tested
// against it (contract_test.go at the repository's root).
//
// It sits above the pure packages (it names their errors), so none of them
// imports it; the few errors without an owner are in internal/fault.
package errcode

import (
	"context"
	"errors"

	"github.com/corti-auth/corti-auth/assistant"
	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/internal/fault"
	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
)

// Codes lists every code a CortiAuthError can carry, in README's order. The
// list itself is fault.Codes: auth reads it too (a code thrown by the page's
// refresh callback is kept when it is one of them), and auth cannot import
// errcode.
var Codes = fault.Codes

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
	session.ReasonClosed,
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
	{fault.ErrPanic, fault.CodeInternal},
	{auth.ErrInvalidConfig, "invalid_config"},
	{pkce.ErrInvalidParam, "invalid_config"},
	{assistant.ErrInvalidBaseURL, "invalid_config"},
	{assistant.ErrActionNotAllowed, "invalid_config"},
	{assistant.ErrInvalidOptions, "invalid_config"},
	{assistant.ErrInvalidPayload, "invalid_config"},
	{assistant.ErrOtherSession, "invalid_config"},
	{assistant.ErrRefreshConflict, "assistant_refresh_conflict"},
	{storage.ErrUnavailable, "storage_unavailable"},
	{auth.ErrNoPendingLogin, "no_pending_login"},
	{auth.ErrStateMismatch, "state_mismatch"},
	{auth.ErrLoginExpired, "login_expired"},
	{auth.ErrIssMismatch, "iss_mismatch"},
	{auth.ErrNotCallback, "no_pending_login"},
	{pkce.ErrInvalidCallback, "no_pending_login"},
	{storage.ErrNoPending, "no_pending_login"},
	{storage.ErrExpired, "login_expired"},
	{auth.ErrPasswordGrantDisabled, "password_grant_disabled"},
	{auth.ErrPopupBlocked, "popup_blocked"},
	{auth.ErrPopupClosed, "popup_closed"},
	{auth.ErrUserMismatch, "user_mismatch"},
	{fault.ErrNetwork, "network_error"},
	{fault.ErrTimeout, "timeout"},
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
	{fault.ErrBrowser, "browser_error"},
}

// Code returns the JS error code for err: the typed errors first
// (*pkce.OAuthError is "oauth_error", *assistant.Error "assistant_error"), then
// the table of sentinels, then the code an fault.Coder names itself when
// fault.ThrownCodeKept; anything else is fault.CodeUnknown. nil has no code ("").
func Code(err error) string {
	if err == nil {
		return ""
	}
	if c, ok := lookup(err); ok {
		return c
	}
	return fault.CodeUnknown
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
	var ce fault.Coder
	if errors.As(err, &ce) && fault.ThrownCodeKept(ce.ErrorCode()) {
		return ce.ErrorCode(), true
	}
	return "", false
}

// Props returns the properties of the CortiAuthError for err besides its
// message and cause: code always (nil has none: an empty map), and where they
// apply oauthError, description, errorUri, status (a *pkce.OAuthError),
// assistantCode and description (an *assistant.Error; its message wins over an
// OAuth description) and check (a *token.IDTokenError). The values are strings
// and ints, ready for the bridge to hand to the JS CortiAuthError class.
func Props(err error) map[string]any {
	if err == nil {
		return map[string]any{}
	}
	props := map[string]any{"code": Code(err)}
	var oe *pkce.OAuthError
	if errors.As(err, &oe) {
		props["oauthError"] = oe.ErrorCode
		if oe.Description != "" {
			props["description"] = oe.Description
		}
		if oe.URI != "" {
			props["errorUri"] = oe.URI
		}
		if oe.Status != 0 {
			props["status"] = oe.Status
		}
	}
	var ae *assistant.Error
	if errors.As(err, &ae) {
		if ae.Code != "" { // an error.triggered without a code has none
			props["assistantCode"] = ae.Code
		}
		if ae.Message != "" {
			props["description"] = ae.Message
		}
	}
	var ie *token.IDTokenError
	if errors.As(err, &ie) {
		props["check"] = ie.Check
	}
	return props
}
