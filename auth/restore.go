package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
)

// restore() finds a session after a reload without a token at rest: the
// decisions are here (which steps, in which order, how long the silent step
// waits, what a callback error means, whether a CSP violation is the silent
// iframe's), and so is the flow that runs them (restoreflow.go);
// bridge/restore.go implements its ports (the channel, the iframe, the
// navigation).

// RestoreStep is one step of restore(), tried in order until one gives a
// session.
type RestoreStep string

const (
	// StepSibling asks the tabs sharing the session (shareAcrossTabs only).
	StepSibling RestoreStep = "sibling"
	// StepSilent is a prompt=none authorization in a hidden iframe, landing on
	// silentRedirectUri, whose callback this tab exchanges.
	StepSilent RestoreStep = "silent"
	// StepRedirect is a top-level prompt=none navigation (opts.redirect): the
	// next page load's handleCallback() resolves the session, or rejects
	// oauth_error login_required.
	StepRedirect RestoreStep = "redirect"
)

// DefaultRestoreTimeout is how long the silent step waits for the provider's
// answer when restore() is given no timeoutMs.
const DefaultRestoreTimeout = 5 * time.Second

// maxRestoreTimeoutMs bounds timeoutMs (5 minutes).
const maxRestoreTimeoutMs = 300000

// RestoreOptions are restore()'s options.
type RestoreOptions struct {
	// Silent false skips the hidden iframe (default: tried).
	Silent *bool `json:"silent"`
	// Redirect true adds the top-level prompt=none navigation as the last step.
	Redirect bool `json:"redirect"`
	// TimeoutMs is the silent step's wait for the callback (default 5000).
	TimeoutMs *float64 `json:"timeoutMs"`
}

// ParseRestoreOptions reads restore()'s options from their JSON (empty or
// "null": the defaults). Unknown keys and values of the wrong type are
// invalid_config.
func ParseRestoreOptions(b []byte) (RestoreOptions, error) {
	var o RestoreOptions
	if len(bytes.TrimSpace(b)) == 0 || string(bytes.TrimSpace(b)) == "null" {
		return o, nil
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&o); err != nil {
		return o, &ConfigError{Key: "restore options", Reason: "expected {silent?: boolean, redirect?: boolean, timeoutMs?: milliseconds}: " + strings.TrimPrefix(err.Error(), "json: ")}
	}
	return o, nil
}

// RestorePlan is what restore() will do.
type RestorePlan struct {
	Steps []RestoreStep
	// Timeout is the silent step's wait for the provider's answer (the code
	// exchange that follows has the token request's own limit).
	Timeout time.Duration
}

// PlanRestore orders the steps: the sibling tabs (only with shareAcrossTabs),
// the hidden iframe (unless silent is false), the top-level navigation (only
// with redirect). timeoutMs must be a number of milliseconds in 1–300000.
// With signedOut (a sign-out mark stands, signout.go) there is no step:
// restore() resolves null without asking anybody, until a sign-in with a
// password.
func PlanRestore(o RestoreOptions, shareAcrossTabs, signedOut bool) (RestorePlan, error) {
	p := RestorePlan{Timeout: DefaultRestoreTimeout}
	if o.TimeoutMs != nil {
		ms := *o.TimeoutMs
		if math.IsNaN(ms) || ms < 1 || ms > maxRestoreTimeoutMs {
			return p, &ConfigError{Key: "timeoutMs", Reason: fmt.Sprintf("must be a number of milliseconds from 1 to %d", maxRestoreTimeoutMs)}
		}
		p.Timeout = time.Duration(ms * float64(time.Millisecond))
	}
	if signedOut {
		return p, nil
	}
	if shareAcrossTabs {
		p.Steps = append(p.Steps, StepSibling)
	}
	if o.Silent == nil || *o.Silent {
		p.Steps = append(p.Steps, StepSilent)
	}
	if o.Redirect {
		p.Steps = append(p.Steps, StepRedirect)
	}
	return p, nil
}

// RestoreOutcome is what a step's result means for restore().
type RestoreOutcome int

const (
	// RestoreDone: the step gave a session; restore() resolves with it.
	RestoreDone RestoreOutcome = iota
	// RestoreNext: the provider has no session to give without the user (or
	// the step could not ask it); the next step is tried, and after the last
	// restore() resolves null.
	RestoreNext
	// RestoreFail: restore() rejects with the error (a callback that fails
	// handleCallback's checks, a token request that fails).
	RestoreFail
)

// NoSessionErrors are the authorization errors by which a provider says that
// it would need the user (OIDC Core §3.1.2.6): restore() then goes on, and
// resolves null after its last step.
var NoSessionErrors = []string{"login_required", "interaction_required", "consent_required", "account_selection_required"}

// IsNoSession reports whether err is a callback's error of NoSessionErrors.
func IsNoSession(err error) bool {
	var oe *pkce.OAuthError
	if !errors.As(err, &oe) || oe.Status != 0 {
		return false // a token endpoint's answer is no answer of the authorize endpoint
	}
	for _, c := range NoSessionErrors {
		if oe.ErrorCode == c {
			return true
		}
	}
	return false
}

// SilentOutcome is the meaning of the silent step's callback result (the
// error of HandleCallback on the URL the iframe handed over): nil a session,
// a NoSessionErrors answer the next step, anything else a rejection.
func SilentOutcome(err error) RestoreOutcome {
	switch {
	case err == nil:
		return RestoreDone
	case IsNoSession(err):
		return RestoreNext
	default:
		return RestoreFail
	}
}

// SilentOrigin is the origin the silent step's callback page posts from: that
// of silentRedirectUri, which must be the page's own (the callback page hands
// the callback to its parent with its own origin as the exact target origin,
// and this page accepts messages from that origin only).
func SilentOrigin(silentRedirectURI, pageOrigin string) (string, error) {
	o := originOf(silentRedirectURI)
	if o == "" || o != pageOrigin {
		return "", &ConfigError{Key: "silentRedirectUri", Reason: fmt.Sprintf("restore()'s silent step needs a callback page on this page's origin (%s), got %q: set silentRedirectUri (e.g. to %s/callback.html)", pageOrigin, silentRedirectURI, pageOrigin)}
	}
	return o, nil
}

// StartSilent starts the silent step's login: its own pending login (state,
// nonce, PKCE verifier) and a prompt=none authorize URL landing on
// silentRedirectUri. Delete the pending login with Abandon when the step ends
// without a callback.
func (c *Client) StartSilent() (Authorization, error) {
	// Handoff: an app page at silentRedirectUri (its default is redirectUri)
	// hands the callback to this tab from its handleCallback(), as the
	// callback page does; and the pending login waits in memory.
	return c.Authorize(AuthorizeOptions{Prompt: "none", RedirectURI: c.cfg.SilentRedirectURI, Handoff: true})
}

// StartRedirectRestore starts the redirect step's login: a prompt=none
// authorize URL landing on redirectUri, whose pending login waits for the
// next page load's handleCallback (10 minutes, like any login).
func (c *Client) StartRedirectRestore() (Authorization, error) {
	return c.Authorize(AuthorizeOptions{Prompt: "none"})
}

// CSP directives under which a browser reports a blocked iframe: frame-src,
// its fallback child-src, and default-src (CSP Level 3 reports frame-src as
// the effective directive; older engines report the one that blocked).
var frameDirectives = []string{"frame-src", "child-src", "default-src"}

// SilentCSPBlock reports whether a securitypolicyviolation event (its
// effectiveDirective and blockedURI) is this page's Content-Security-Policy
// blocking the silent step's iframe — the provider's authorize page
// (frameURL) or, after the redirect, the callback page (callbackOrigin) — and
// returns the console message that says which source to add. The blocked URI
// may be reported whole or as its origin only.
func SilentCSPBlock(effectiveDirective, blockedURI, frameURL, callbackOrigin string) (string, bool) {
	dir := strings.ToLower(strings.TrimSpace(effectiveDirective))
	known := false
	for _, d := range frameDirectives {
		if dir == d {
			known = true
		}
	}
	if !known {
		return "", false
	}
	blocked := originOf(blockedURI)
	if blocked == "" {
		return "", false
	}
	var source, what string
	switch blocked {
	case originOf(frameURL):
		source, what = blocked, "the provider's authorize endpoint"
	case callbackOrigin:
		source, what = "'self'", "the callback page (silentRedirectUri)"
	default:
		return "", false
	}
	return fmt.Sprintf("corti-auth: restore()'s silent sign-in was blocked by this page's Content-Security-Policy (%s): "+
		"add %s to frame-src (%s, loaded in a hidden iframe). restore() goes on without the silent step "+
		"(it resolves null, or navigates with {redirect: true}).", dir, source, what), true
}

// originOf is the origin (scheme://host[:port]) of an absolute http(s) URL,
// "" for anything else.
func originOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}
