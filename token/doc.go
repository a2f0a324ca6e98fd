// Package token reads and verifies the JWTs of Corti's provider, through
// github.com/golang-jwt/jwt/v5 only.
//
// Two ways in, kept apart on purpose:
//
//   - IDTokenVerifier.Verify verifies an ID token as OpenID Connect Core 1.0
//     §3.1.3.7 asks: signature against the realm's JWKS (RS256, PS256, ES256;
//     never none or HMAC), iss, aud, azp, exp, iat, sub and nonce. Every
//     failure is an *IDTokenError naming the check. KeySet and KeySets fetch
//     and cache the JWKS (RFC 7517) through an injected Fetcher, refetching
//     once for an unknown kid, single-flighted.
//   - DecodeUnverified reads an access token's claims without checking its
//     signature (the access token is for Corti's API to verify): environment
//     and tenant from iss (ParseIssuer), the user, expiry, and whether it
//     belongs to a service account. Its result is for display and scheduling
//     only, never for an authorization decision.
//
// The package is pure Go (no JavaScript, no net/http) and takes its clock from
// the caller. docs/corti.md lists the claims Corti's tokens carry;
// docs/security.md says what the verification protects.
package token
