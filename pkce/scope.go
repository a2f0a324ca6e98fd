package pkce

import (
	"slices"
	"strings"
)

// DefaultScope is the scope requested when none is configured.
const DefaultScope = "openid profile"

// NormalizeScope returns scope as a clean OpenID Connect scope list: an empty
// (or blank) scope becomes DefaultScope; otherwise the space-separated values
// are deduplicated in their first-seen order, "openid" is prepended when missing
// (OIDC Core §3.1.2.1: an OpenID request MUST contain it) and the result is
// joined with single spaces.
func NormalizeScope(scope string) string {
	fields := strings.Fields(scope)
	if len(fields) == 0 {
		return DefaultScope
	}
	out := make([]string, 0, len(fields)+1)
	seen := make(map[string]bool, len(fields)+1)
	if !slices.Contains(fields, "openid") {
		out = append(out, "openid")
		seen["openid"] = true
	}
	for _, f := range fields {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}
