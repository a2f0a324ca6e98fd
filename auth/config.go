package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/corti-auth/corti-auth/pkce"
	"github.com/corti-auth/corti-auth/session"
)

// Config is the client configuration, as createClient takes it from JS.
type Config struct {
	ClientID    string `json:"clientId"`
	RedirectURI string `json:"redirectUri"`
	// PopupRedirectURI and SilentRedirectURI (default RedirectURI) are where
	// loginWithPopup's popup and restore()'s hidden iframe land: a page of the
	// host's own origin that hands the callback to the tab that opened it
	// (dist/callback.html is one). Each must be registered for the client.
	PopupRedirectURI    string   `json:"popupRedirectUri"`
	SilentRedirectURI   string   `json:"silentRedirectUri"`
	Environment         string   `json:"environment"`
	Tenant              string   `json:"tenant"`
	AuthBaseURL         string   `json:"authBaseURL"`
	AssistantBaseURL    string   `json:"assistantBaseURL"`
	Scope               string   `json:"scope"`
	PendingLoginStorage string   `json:"pendingLoginStorage"`
	RefreshBufferSec    *float64 `json:"refreshBufferSeconds"`
	AllowPasswordGrant  bool     `json:"allowPasswordGrant"`
	ShareAcrossTabs     bool     `json:"shareAcrossTabs"`
	IdleTimeoutSec      *float64 `json:"idleTimeoutSeconds"` // see idle.go
	IdleWarningSec      *float64 `json:"idleWarningSeconds"`
	// IdleSignOut is what the idle end ends: "local" (the default) this
	// module's session (the refresh token revoked), "provider" also the
	// provider's session, as logout() does (see idle.go).
	IdleSignOut string `json:"idleSignOut"`
	// RequireIss (default true) refuses a callback without iss (RFC 9207 §2.4):
	// Keycloak since 23 — Corti's realms — and the local provider always send
	// it. false is the escape hatch for a provider that does not.
	RequireIss *bool `json:"requireIss,omitempty"`
}

// Defaults of the configuration. refreshBufferSeconds defaults to
// session.DefaultBuffer.
const (
	DefaultEnvironment = "eu"
	DefaultTenant      = "base"
)

// validEnvironment matches ^[a-z0-9]+(-[a-z0-9]+)*$ ("eu", "us", "beta-eu").
func validEnvironment(s string) bool {
	if s == "" || s[0] == '-' || s[len(s)-1] == '-' || strings.Contains(s, "--") {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validTenant matches ^[A-Za-z0-9._~-]+$: a realm name that is one URL path segment.
func validTenant(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("._~-", c)) {
			return false
		}
	}
	return s != "" && s != "." && s != ".."
}

// isSecretKey reports a configuration key that would put a client secret in a
// browser: clientSecret, client_secret, secret, in any case.
func isSecretKey(k string) bool {
	k = strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(k))
	return k == "clientsecret" || k == "secret"
}

// ParseConfig decodes and validates a configuration from its JSON form, filling
// defaults. Every failure is a *ConfigError (wrapping ErrInvalidConfig): unknown
// keys, a client secret (secrets never live in a browser), a missing clientId or
// redirectUri, values of the wrong type or shape.
func ParseConfig(data []byte) (Config, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(data, &probe); err != nil || probe == nil {
		return Config{}, &ConfigError{Reason: "the config must be an object"}
	}
	keys := slices.Sorted(maps.Keys(probe))
	for _, k := range keys {
		if isSecretKey(k) {
			return Config{}, &ConfigError{Key: k, Reason: "a client secret must never be in a browser: keep secrets on a backend " +
				"(see the backend-for-frontend example) and use a public client with Authorization Code + PKCE here"}
		}
	}
	// JS keys are case-sensitive, encoding/json's matching is not: refuse
	// "clientID" here rather than let it pass as clientId.
	for _, k := range keys {
		if !slices.Contains(knownKeys(), k) {
			return Config{}, &ConfigError{Key: k, Reason: "unknown key (known: " + strings.Join(knownKeys(), ", ") + ")"}
		}
	}
	var c Config
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(&c); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute):
			return Config{}, &ConfigError{Key: ute.Field, Reason: "must be a " + jsType(ute.Type.Kind().String())}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			k := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return Config{}, &ConfigError{Key: k, Reason: "unknown key (known: " + strings.Join(knownKeys(), ", ") + ")"}
		case err != io.EOF:
			return Config{}, &ConfigError{Reason: err.Error()}
		}
	}
	return c.normalize()
}

func jsType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "ptr", "float64":
		return "number"
	}
	return kind
}

func knownKeys() []string {
	return []string{"clientId", "redirectUri", "environment", "tenant", "authBaseURL", "assistantBaseURL", "scope",
		"pendingLoginStorage", "refreshBufferSeconds", "allowPasswordGrant", "shareAcrossTabs", "requireIss",
		"idleTimeoutSeconds", "idleWarningSeconds", "idleSignOut", "popupRedirectUri", "silentRedirectUri"}
}

func (c Config) normalize() (Config, error) {
	c.ClientID = strings.TrimSpace(c.ClientID)
	if c.ClientID == "" {
		return c, &ConfigError{Key: "clientId", Reason: "required: the public OAuth client id from Corti Console"}
	}
	if err := checkURL(c.RedirectURI, false); err != nil {
		return c, &ConfigError{Key: "redirectUri", Reason: "required, an absolute https URL registered for the client: " + err.Error()}
	}
	for _, u := range []struct {
		key string
		v   *string
	}{{"popupRedirectUri", &c.PopupRedirectURI}, {"silentRedirectUri", &c.SilentRedirectURI}} {
		if *u.v == "" {
			*u.v = c.RedirectURI
			continue
		}
		if err := checkURL(*u.v, false); err != nil {
			return c, &ConfigError{Key: u.key, Reason: "an absolute https URL registered for the client: " + err.Error()}
		}
	}
	if c.Environment == "" {
		c.Environment = DefaultEnvironment
	}
	if !validEnvironment(c.Environment) {
		return c, &ConfigError{Key: "environment", Reason: fmt.Sprintf("%q is not an environment name such as \"eu\" or \"us\"", c.Environment)}
	}
	if c.Tenant == "" {
		c.Tenant = DefaultTenant
	}
	if !validTenant(c.Tenant) {
		return c, &ConfigError{Key: "tenant", Reason: fmt.Sprintf("%q is not a tenant (Keycloak realm) name", c.Tenant)}
	}
	for _, u := range []struct {
		key string
		v   *string
	}{{"authBaseURL", &c.AuthBaseURL}, {"assistantBaseURL", &c.AssistantBaseURL}} {
		if *u.v == "" {
			continue
		}
		*u.v = strings.TrimRight(*u.v, "/")
		if err := checkURL(*u.v, true); err != nil {
			return c, &ConfigError{Key: u.key, Reason: err.Error()}
		}
	}
	if c.AuthBaseURL == "" {
		c.AuthBaseURL = "https://auth." + c.Environment + ".corti.app"
	}
	if c.AssistantBaseURL == "" {
		c.AssistantBaseURL = "https://assistant." + c.Environment + ".corti.app"
	}
	c.Scope = pkce.NormalizeScope(c.Scope)
	if slices.Contains(strings.Fields(c.Scope), "offline_access") {
		// An offline token outlives every sign-out (logout, idle, the provider's
		// session ending), and Keycloak 26.1+ drops the browser's SSO session
		// when a sign-in asks for one.
		return c, &ConfigError{Key: "scope", Reason: "offline_access is refused: an offline refresh token outlives " +
			"every sign-out (logout, idle sign-out, the provider's session ending), and Keycloak 26.1+ drops the " +
			"browser's SSO session when a sign-in asks for one; leave it out (the session's refresh token lives as long as the provider's session)"}
	}
	switch c.PendingLoginStorage {
	case "":
		c.PendingLoginStorage = "local"
	case "local", "session":
	default:
		return c, &ConfigError{Key: "pendingLoginStorage", Reason: `must be "local" or "session"`}
	}
	if c.RefreshBufferSec != nil {
		// 0 would hand out tokens in their last instant (and the session reads
		// a zero buffer as "the default"): refuse it rather than surprise.
		if v := *c.RefreshBufferSec; !(v > 0 && v <= 86400) {
			return c, &ConfigError{Key: "refreshBufferSeconds", Reason: fmt.Sprintf("must be more than 0 and at most 86400 (seconds before expiry; default %g)", session.DefaultBuffer.Seconds())}
		}
	}
	err := c.checkIdle()
	return c, err
}

// checkURL applies the module's one URL policy (pkce.ParseURL): a base URL
// also has no query (pkce.ParseBaseURL).
func checkURL(raw string, base bool) error {
	parse := pkce.ParseURL
	if base {
		parse = pkce.ParseBaseURL
	}
	_, err := parse(raw)
	return err
}

// RefreshBuffer is refreshBufferSeconds as a duration (default
// session.DefaultBuffer, 120 s).
func (c Config) RefreshBuffer() time.Duration {
	if c.RefreshBufferSec == nil {
		return session.DefaultBuffer
	}
	return time.Duration(*c.RefreshBufferSec * float64(time.Second))
}

// RequiresIss reports whether a callback must carry iss (requireIss, default true).
func (c Config) RequiresIss() bool { return c.RequireIss == nil || *c.RequireIss }

// Issuer is the realm issuer: {authBaseURL}/realms/{tenant}.
func (c Config) Issuer() string { return c.AuthBaseURL + "/realms/" + c.Tenant }

// Endpoint returns the URL of an OpenID Connect endpoint of the realm
// ("auth", "token", "certs", "userinfo", "logout", "revoke").
func (c Config) Endpoint(name string) string {
	return c.Issuer() + "/protocol/openid-connect/" + name
}
