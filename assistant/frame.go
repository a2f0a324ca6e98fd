package assistant

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/corti-auth/corti-auth/pkce"
)

// Iframe attributes the official <corti-embedded> component sets.
const (
	// Sandbox is the iframe's sandbox attribute.
	Sandbox = "allow-forms allow-modals allow-scripts allow-same-origin"
	// Title is the iframe's accessible title.
	Title = "Corti Assistant"
	// ReferrerPolicy is the iframe's referrerpolicy: the Assistant's first
	// request carries this page's origin, never its address — an Assistant
	// mounted before handleCallback() would otherwise receive the
	// authorization code and state in its Referer under a page-wide unsafe-url
	// policy (issue 22 §4). Not the component's: set by this module.
	ReferrerPolicy = "origin"
)

// Frame holds the attributes of the Assistant iframe. Origin is the Assistant
// origin as a browser serialises it (event.origin): the only targetOrigin the
// bridge posts to and the only origin it accepts messages from.
type Frame struct {
	Src     string // <base>/embedded
	Origin  string // scheme://host[:port], default port left out
	Sandbox string
	Allow   string // permissions granted to Origin only, as the component grants them
	Title   string
	// ReferrerPolicy is the iframe's referrerpolicy attribute.
	ReferrerPolicy string
}

// DefaultBaseURL returns the Assistant base URL of a Corti environment
// ("eu" → "https://assistant.eu.corti.app"). The environment is trimmed and
// lower-cased but not otherwise checked; NewFrame refuses a result that is not a
// valid URL.
func DefaultBaseURL(environment string) string {
	return "https://assistant." + strings.ToLower(strings.TrimSpace(environment)) + ".corti.app"
}

// NewFrame computes the iframe attributes from an Assistant base URL such as
// "https://assistant.eu.corti.app", "https://proxy.example/prefix" or, for
// development, "http://127.0.0.1:8181"; a trailing slash is tolerated. It returns
// an error wrapping ErrInvalidBaseURL when the URL is not absolute, not http(s),
// uses http for a host other than 127.0.0.1, localhost or [::1], carries user
// info, a query or a fragment, or has a non-ASCII host (use its xn-- form, which
// is what the browser reports as the origin).
func NewFrame(baseURL string) (Frame, error) {
	bad := func(format string, args ...any) (Frame, error) {
		return Frame{}, fmt.Errorf("%w: %q: %s", ErrInvalidBaseURL, baseURL, fmt.Sprintf(format, args...))
	}
	raw := strings.TrimSpace(baseURL)
	if raw == "" {
		return bad("empty")
	}
	u, err := pkce.ParseBaseURL(raw)
	if err != nil {
		return bad("%v", err)
	}
	if strings.Contains(u.Host, "@") {
		return bad("user info is not allowed")
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return bad("no host")
	}
	for i := 0; i < len(u.Host); i++ {
		if c := u.Host[i]; c >= 0x80 || c <= ' ' || c == '%' {
			return bad("host must be ASCII (use its xn-- form)")
		}
	}
	if strings.HasSuffix(u.Host, ":") {
		return bad("empty port")
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return bad("port %q out of range", port)
		}
		port = strconv.Itoa(n) // as the browser serialises it: "08181" → "8181"
	}
	if (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		port = ""
	}
	hostport := host
	if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	if port != "" {
		hostport += ":" + port
	}
	origin := u.Scheme + "://" + hostport
	path := strings.TrimRight(u.EscapedPath(), "/")
	return Frame{
		Src:     origin + path + "/embedded",
		Origin:  origin,
		Sandbox: Sandbox,
		Allow: "microphone " + origin + "; camera " + origin + "; device-capture " + origin +
			"; display-capture " + origin + "; clipboard-write " + origin,
		Title:          Title,
		ReferrerPolicy: ReferrerPolicy,
	}, nil
}
