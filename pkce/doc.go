// Package pkce is corti-auth's OAuth 2.0 and OpenID Connect wire format: every
// message the module builds for the provider or reads from it, as pure
// functions with no I/O. Despite its name it holds much more than PKCE:
//
//   - PKCE (RFC 7636): verifiers, S256 challenges, and the state and nonce
//     values of a login (NewVerifier, S256Challenge, NewState, NewNonce);
//   - the authorization request URL (AuthorizeRequest, RFC 6749 §4.1.1, OIDC
//     Core §3.1.2.1), with its reserved parameters and scope normalisation;
//   - the callback: parsing code, state, iss (RFC 9207) and error from the
//     redirect, and stripping them from the address (Callback, ParseCallback,
//     StripCallback);
//   - the token endpoint's request forms (CodeForm, RefreshForm,
//     PasswordForm) and the revocation form (RevokeForm, RFC 7009);
//   - token responses and OAuth error answers (TokenResponse,
//     ParseTokenEndpointResponse, OAuthError, RFC 6749 §5.1–5.2);
//   - the end-session URL (EndSession, OIDC RP-Initiated Logout 1.0);
//   - the module's one URL policy (ParseURL, ParseBaseURL, IsLoopback).
//
// It is the lowest package of the module: auth, session and assistant import
// it, it imports none of them, and it never touches JavaScript or the network.
// docs/corti.md describes the Corti endpoints and token shapes these messages
// follow.
package pkce
