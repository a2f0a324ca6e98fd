package auth

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/session"
	"github.com/corti-auth/corti-auth/storage"
	"github.com/corti-auth/corti-auth/token"
)

const validRedirect = "https://app.example-hospital.dk/callback"

func TestParseConfigDefaults(t *testing.T) {
	c, err := ParseConfig([]byte(`{"clientId":"assistant-web","redirectUri":"` + validRedirect + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		ClientID:            "assistant-web",
		RedirectURI:         validRedirect,
		PopupRedirectURI:    validRedirect,
		SilentRedirectURI:   validRedirect,
		Environment:         "eu",
		Tenant:              "base",
		AuthBaseURL:         "https://auth.eu.corti.app",
		AssistantBaseURL:    "https://assistant.eu.corti.app",
		Scope:               "openid profile",
		PendingLoginStorage: "local",
		IdleSignOut:         "local",
	}
	if c != want {
		t.Errorf("ParseConfig defaults:\n got %+v\nwant %+v", c, want)
	}
	if got := c.RefreshBuffer(); got != 120*time.Second { // the documented default (session.DefaultBuffer)
		t.Errorf("RefreshBuffer() = %v, want 120s", got)
	}
	if got, want := c.Issuer(), "https://auth.eu.corti.app/realms/base"; got != want {
		t.Errorf("Issuer() = %q, want %q", got, want)
	}
	for name, want := range map[string]string{
		"auth":     "https://auth.eu.corti.app/realms/base/protocol/openid-connect/auth",
		"token":    "https://auth.eu.corti.app/realms/base/protocol/openid-connect/token",
		"certs":    "https://auth.eu.corti.app/realms/base/protocol/openid-connect/certs",
		"userinfo": "https://auth.eu.corti.app/realms/base/protocol/openid-connect/userinfo",
		"logout":   "https://auth.eu.corti.app/realms/base/protocol/openid-connect/logout",
		"revoke":   "https://auth.eu.corti.app/realms/base/protocol/openid-connect/revoke",
	} {
		if got := c.Endpoint(name); got != want {
			t.Errorf("Endpoint(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestParseConfigKeys sets every key of README's config table and checks what it becomes.
func TestParseConfigKeys(t *testing.T) {
	tests := []struct {
		name   string
		json   string // members added to clientId and redirectUri
		check  func(Config) bool
		issuer string // expected Issuer(), when not empty
	}{
		{"environment us", `"environment":"us"`, func(c Config) bool {
			return c.Environment == "us" && c.AuthBaseURL == "https://auth.us.corti.app" && c.AssistantBaseURL == "https://assistant.us.corti.app"
		}, "https://auth.us.corti.app/realms/base"},
		{"environment with a dash", `"environment":"beta-eu"`, func(c Config) bool {
			return c.AuthBaseURL == "https://auth.beta-eu.corti.app"
		}, "https://auth.beta-eu.corti.app/realms/base"},
		{"tenant", `"tenant":"copenhagen-hospital"`, func(c Config) bool { return c.Tenant == "copenhagen-hospital" },
			"https://auth.eu.corti.app/realms/copenhagen-hospital"},
		{"authBaseURL replaces the environment's, trailing slash dropped", `"authBaseURL":"https://proxy.example.com/corti-auth/","environment":"us"`,
			func(c Config) bool {
				return c.AuthBaseURL == "https://proxy.example.com/corti-auth" && c.AssistantBaseURL == "https://assistant.us.corti.app"
			}, "https://proxy.example.com/corti-auth/realms/base"},
		{"authBaseURL http on loopback (dev)", `"authBaseURL":"http://127.0.0.1:8180"`,
			func(c Config) bool { return c.AuthBaseURL == "http://127.0.0.1:8180" }, "http://127.0.0.1:8180/realms/base"},
		{"assistantBaseURL", `"assistantBaseURL":"https://assistant.example.com/"`,
			func(c Config) bool { return c.AssistantBaseURL == "https://assistant.example.com" }, ""},
		{"scope without openid gets it", `"scope":"profile email"`, func(c Config) bool { return c.Scope == "openid profile email" }, ""},
		{"scope deduplicated", `"scope":"email  openid email"`, func(c Config) bool { return c.Scope == "email openid" }, ""},
		{"blank scope is the default", `"scope":"  "`, func(c Config) bool { return c.Scope == "openid profile" }, ""},
		{"pendingLoginStorage session", `"pendingLoginStorage":"session"`, func(c Config) bool { return c.PendingLoginStorage == "session" }, ""},
		{"pendingLoginStorage local", `"pendingLoginStorage":"local"`, func(c Config) bool { return c.PendingLoginStorage == "local" }, ""},
		{"refreshBufferSeconds", `"refreshBufferSeconds":30.5`, func(c Config) bool { return c.RefreshBuffer() == 30500*time.Millisecond }, ""},
		{"refreshBufferSeconds null is the default", `"refreshBufferSeconds":null`, func(c Config) bool { return c.RefreshBuffer() == session.DefaultBuffer }, ""},
		{"allowPasswordGrant", `"allowPasswordGrant":true`, func(c Config) bool { return c.AllowPasswordGrant }, ""},
		{"shareAcrossTabs", `"shareAcrossTabs":true`, func(c Config) bool { return c.ShareAcrossTabs }, ""},
		{"clientId is trimmed", `"clientId":"  assistant-web "`, func(c Config) bool { return c.ClientID == "assistant-web" }, ""},
		{"redirectUri http on localhost", `"redirectUri":"http://localhost:5173/cb"`, func(c Config) bool { return c.RedirectURI == "http://localhost:5173/cb" }, ""},
		{"redirectUri http on 127.0.0.1", `"redirectUri":"http://127.0.0.1:8080/cb"`, func(c Config) bool { return true }, ""},
		{"redirectUri http on [::1]", `"redirectUri":"http://[::1]:8080/cb"`, func(c Config) bool { return true }, ""},
		{"redirectUri with a query", `"redirectUri":"https://app.example.com/cb?tab=notes"`, func(c Config) bool {
			return c.RedirectURI == "https://app.example.com/cb?tab=notes"
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Later members win in encoding/json, so tt.json may override the base.
			c, err := ParseConfig([]byte(`{"clientId":"assistant-web","redirectUri":"` + validRedirect + `",` + tt.json + `}`))
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config %+v", c)
			}
			if tt.issuer != "" && c.Issuer() != tt.issuer {
				t.Errorf("Issuer() = %q, want %q", c.Issuer(), tt.issuer)
			}
		})
	}
}

func TestParseConfigRefusals(t *testing.T) {
	const base = `"clientId":"assistant-web","redirectUri":"` + validRedirect + `"`
	tests := []struct {
		name    string
		json    string
		key     string // ConfigError.Key
		message string // substring of the error text
	}{
		{"not an object: array", `[]`, "", "must be an object"},
		{"not an object: null", `null`, "", "must be an object"},
		{"not an object: string", `"assistant-web"`, "", "must be an object"},
		{"not JSON", `{clientId:1}`, "", "must be an object"},
		{"empty", ``, "", "must be an object"},
		{"unknown key", `{` + base + `,"realm":"base"}`, "realm", "unknown key"},
		{"unknown key lists the known ones", `{` + base + `,"redirectUrl":"x"}`, "redirectUrl", "redirectUri"},
		{"a key in another case (JS keys are case-sensitive)", `{"clientID":"c","redirectUri":"` + validRedirect + `"}`, "clientID", "unknown key"},
		{"a second spelling of a key", `{` + base + `,"RedirectUri":"https://evil.example/cb"}`, "RedirectUri", "unknown key"},
		{"clientSecret", `{` + base + `,"clientSecret":"s3cr3t"}`, "clientSecret", "keep secrets on a backend"},
		{"secret", `{` + base + `,"secret":"s3cr3t"}`, "secret", "keep secrets on a backend"},
		{"CLIENT_SECRET", `{` + base + `,"CLIENT_SECRET":"s3cr3t"}`, "CLIENT_SECRET", "keep secrets on a backend"},
		{"client_secret", `{` + base + `,"client_secret":"s3cr3t"}`, "client_secret", "keep secrets on a backend"},
		{"clientSecret empty is still refused", `{` + base + `,"clientSecret":""}`, "clientSecret", "keep secrets on a backend"},
		{"clientSecret in another case", `{` + base + `,"ClientSecret":"s3cr3t"}`, "ClientSecret", "keep secrets on a backend"},
		{"missing clientId", `{"redirectUri":"` + validRedirect + `"}`, "clientId", "required"},
		{"blank clientId", `{"clientId":"  ","redirectUri":"` + validRedirect + `"}`, "clientId", "required"},
		{"missing redirectUri", `{"clientId":"assistant-web"}`, "redirectUri", "required"},
		{"relative redirectUri", `{"clientId":"c","redirectUri":"/callback"}`, "redirectUri", "absolute"},
		{"http redirectUri off loopback", `{"clientId":"c","redirectUri":"http://app.example.com/cb"}`, "redirectUri", "use https"},
		{"http redirectUri on a look-alike host", `{"clientId":"c","redirectUri":"http://127.0.0.1.nip.io/cb"}`, "redirectUri", "use https"},
		{"custom scheme redirectUri", `{"clientId":"c","redirectUri":"ftp://app.example.com/cb"}`, "redirectUri", "https"},
		{"javascript redirectUri", `{"clientId":"c","redirectUri":"javascript:alert(1)"}`, "redirectUri", "absolute"},
		{"redirectUri with a fragment", `{"clientId":"c","redirectUri":"https://app.example.com/cb#done"}`, "redirectUri", "fragment"},
		{"redirectUri with an empty fragment", `{"clientId":"c","redirectUri":"https://app.example.com/cb#"}`, "redirectUri", "fragment"},
		{"redirectUri with user info", `{"clientId":"c","redirectUri":"https://u:p@app.example.com/cb"}`, "redirectUri", "user info"},
		{"environment uppercase", `{` + base + `,"environment":"EU"}`, "environment", "environment name"},
		{"environment with a dot", `{` + base + `,"environment":"eu.evil.example"}`, "environment", "environment name"},
		{"environment with a trailing dash", `{` + base + `,"environment":"eu-"}`, "environment", "environment name"},
		{"tenant with a slash", `{` + base + `,"tenant":"base/../master"}`, "tenant", "realm"},
		{"tenant ..", `{` + base + `,"tenant":".."}`, "tenant", "realm"},
		{"tenant with a space", `{` + base + `,"tenant":"my tenant"}`, "tenant", "realm"},
		{"clientId a number", `{"clientId":5,"redirectUri":"` + validRedirect + `"}`, "clientId", "must be a string"},
		{"redirectUri an object", `{"clientId":"c","redirectUri":{}}`, "redirectUri", "must be a string"},
		{"allowPasswordGrant a string", `{` + base + `,"allowPasswordGrant":"yes"}`, "allowPasswordGrant", "must be a boolean"},
		{"shareAcrossTabs a number", `{` + base + `,"shareAcrossTabs":1}`, "shareAcrossTabs", "must be a boolean"},
		{"refreshBufferSeconds a string", `{` + base + `,"refreshBufferSeconds":"120"}`, "refreshBufferSeconds", "must be a number"},
		{"negative refreshBufferSeconds", `{` + base + `,"refreshBufferSeconds":-1}`, "refreshBufferSeconds", "more than 0"},
		{"zero refreshBufferSeconds", `{` + base + `,"refreshBufferSeconds":0}`, "refreshBufferSeconds", "more than 0"},
		{"huge refreshBufferSeconds", `{` + base + `,"refreshBufferSeconds":86401}`, "refreshBufferSeconds", "at most 86400"},
		{"scope an array", `{` + base + `,"scope":["openid"]}`, "scope", "must be a string"},
		{"scope with offline_access", `{` + base + `,"scope":"openid offline_access"}`, "scope", "offline_access"},
		{"scope with offline_access among others", `{` + base + `,"scope":"profile  offline_access email"}`, "scope", "outlives"},
		{"pendingLoginStorage cookie", `{` + base + `,"pendingLoginStorage":"cookie"}`, "pendingLoginStorage", `"local" or "session"`},
		{"authBaseURL with a query", `{` + base + `,"authBaseURL":"https://auth.example.com/?realm=x"}`, "authBaseURL", "no query"},
		{"authBaseURL with an empty query", `{` + base + `,"authBaseURL":"https://auth.example.com?"}`, "authBaseURL", "no query"},
		{"authBaseURL with a fragment", `{` + base + `,"authBaseURL":"https://auth.example.com/#x"}`, "authBaseURL", "no query"},
		{"authBaseURL with an empty fragment", `{` + base + `,"authBaseURL":"https://auth.example.com#"}`, "authBaseURL", "no query"},
		{"authBaseURL http off loopback", `{` + base + `,"authBaseURL":"http://auth.example.com"}`, "authBaseURL", "use https"},
		{"authBaseURL relative", `{` + base + `,"authBaseURL":"/auth"}`, "authBaseURL", "absolute"},
		{"assistantBaseURL with a query", `{` + base + `,"assistantBaseURL":"https://assistant.example.com?x=1"}`, "assistantBaseURL", "no query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig([]byte(tt.json))
			if err == nil {
				t.Fatalf("ParseConfig accepted %s: %+v", tt.json, c)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *ConfigError", err, err)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
			if ce.Key != tt.key {
				t.Errorf("ConfigError.Key = %q, want %q (%v)", ce.Key, tt.key, err)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not say %q", err, tt.message)
			}
			if !strings.HasPrefix(err.Error(), "auth: invalid config") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

// TestConfigURLsAreUsable: whatever ParseConfig accepts must give an issuer and
// endpoints that are URLs of the realm (no query or fragment swallowing the path).
func TestConfigURLsAreUsable(t *testing.T) {
	for _, base := range []string{"https://auth.example.com", "https://auth.example.com/", "https://proxy.example.com/a/b/", "http://localhost:8080"} {
		c, err := ParseConfig([]byte(`{"clientId":"c","redirectUri":"` + validRedirect + `","authBaseURL":"` + base + `"}`))
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		iss := c.Issuer()
		if strings.ContainsAny(iss, "?#") || !strings.HasSuffix(iss, "/realms/base") || strings.Contains(iss, "//realms") {
			t.Errorf("authBaseURL %q gives issuer %q", base, iss)
		}
	}
}

func TestConfigCallbackPages(t *testing.T) {
	c, err := ParseConfig([]byte(`{"clientId":"c","redirectUri":"` + validRedirect + `","popupRedirectUri":"https://app.example-hospital.dk/callback.html","silentRedirectUri":"https://app.example-hospital.dk/silent.html"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.PopupRedirectURI != "https://app.example-hospital.dk/callback.html" || c.SilentRedirectURI != "https://app.example-hospital.dk/silent.html" {
		t.Errorf("got popup %q silent %q", c.PopupRedirectURI, c.SilentRedirectURI)
	}
	for _, key := range []string{"popupRedirectUri", "silentRedirectUri"} {
		_, err := ParseConfig([]byte(`{"clientId":"c","redirectUri":"` + validRedirect + `","` + key + `":"http://evil.example/cb"}`))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != key {
			t.Errorf("%s over plain http: got %v, want a ConfigError for %s", key, err, key)
		}
	}
}

func TestAuthorizeWithOtherRedirect(t *testing.T) {
	cfg, err := ParseConfig([]byte(`{"clientId":"c","redirectUri":"` + validRedirect + `"}`))
	if err != nil {
		t.Fatal(err)
	}
	st := storage.NewMemory()
	c := NewClient(cfg, nil, st, token.NewKeySets(nil), nil)
	a, err := c.Authorize(AuthorizeOptions{RedirectURI: "https://app.example-hospital.dk/callback.html"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(a.URL)
	if got := u.Query().Get("redirect_uri"); got != "https://app.example-hospital.dk/callback.html" {
		t.Errorf("redirect_uri = %q", got)
	}
	if u.Query().Get("state") != a.State || a.State == "" {
		t.Errorf("state %q, URL's %q", a.State, u.Query().Get("state"))
	}
	p, err := (&storage.Pending{Store: st}).Take(a.State)
	if err != nil || p.RedirectURI != "https://app.example-hospital.dk/callback.html" {
		t.Errorf("pending login %+v, %v: want the popup's redirect URI (the token request must repeat it)", p, err)
	}
}
