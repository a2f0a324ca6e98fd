package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

const (
	maxJWKSSize = 1 << 20 // bytes of a JWKS body
	minRSABits  = 2048
	maxRSABits  = 8192 // verifying with a larger modulus is a denial of service
)

// verifyAlgs are the JWS algorithms (RFC 7518 §3.1) this package verifies.
var verifyAlgs = []string{"RS256", "PS256", "ES256"}

// jwk is one usable signing key of a JWKS.
type jwk struct {
	kid string
	kty string // "RSA" or "EC" (always P-256)
	alg string // "" when the JWK does not restrict it
	key crypto.PublicKey
}

// canVerify reports whether the JWK may verify a JWS with alg: the key type
// must fit alg, and a JWK "alg" (RFC 7517 §4.4) must equal it.
func (j *jwk) canVerify(alg string) bool {
	if j.alg != "" && j.alg != alg {
		return false
	}
	switch alg {
	case "RS256", "PS256":
		return j.kty == "RSA"
	case "ES256":
		return j.kty == "EC"
	}
	return false
}

// rawJWK holds the members of RFC 7517 §4 and RFC 7518 §6 read here.
type rawJWK struct {
	Kty    string   `json:"kty"`
	Use    string   `json:"use"`
	KeyOps []string `json:"key_ops"`
	Alg    string   `json:"alg"`
	Kid    string   `json:"kid"`
	N      string   `json:"n"`
	E      string   `json:"e"`
	Crv    string   `json:"crv"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

// parseJWKS returns the signing keys of a JWK Set (RFC 7517 §5). Keys for
// another use (Keycloak publishes an RSA-OAEP "enc" key), of another key type
// or curve, or with malformed members are skipped; a body over 1 MiB, invalid
// JSON, or a set without any usable key is an error wrapping ErrJWKS.
func parseJWKS(body []byte) ([]jwk, error) {
	if len(body) > maxJWKSSize {
		return nil, fmt.Errorf("%w: body of %d bytes is over %d", ErrJWKS, len(body), maxJWKSSize)
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKS, err)
	}
	var keys []jwk
	for _, raw := range set.Keys {
		var r rawJWK
		if json.Unmarshal(raw, &r) != nil {
			continue
		}
		if r.Use != "" && r.Use != "sig" || r.KeyOps != nil && !slices.Contains(r.KeyOps, "verify") {
			continue
		}
		key, err := r.publicKey()
		if err != nil || key == nil {
			continue
		}
		keys = append(keys, jwk{kid: r.Kid, kty: r.Kty, alg: r.Alg, key: key})
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no usable signing key among %d keys", ErrJWKS, len(set.Keys))
	}
	return keys, nil
}

// publicKey returns the RSA (RFC 7518 §6.3.1) or P-256 (§6.2.1) public key,
// nil for another key type or curve, or an error for malformed members.
func (r *rawJWK) publicKey() (crypto.PublicKey, error) {
	switch r.Kty {
	case "RSA":
		n, err := b64uint(r.N)
		if err != nil {
			return nil, err
		}
		if bits := n.BitLen(); bits < minRSABits || bits > maxRSABits {
			return nil, fmt.Errorf("RSA modulus of %d bits", bits)
		}
		e, err := b64uint(r.E)
		if err != nil {
			return nil, err
		}
		if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 || e.Bit(0) == 0 {
			return nil, fmt.Errorf("RSA exponent %v", e)
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		if r.Crv != "P-256" {
			return nil, nil
		}
		x, errX := base64.RawURLEncoding.DecodeString(strings.TrimRight(r.X, "="))
		y, errY := base64.RawURLEncoding.DecodeString(strings.TrimRight(r.Y, "="))
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return nil, fmt.Errorf("P-256 coordinates")
		}
		return ecdsa.ParseUncompressedPublicKey(elliptic.P256(), slices.Concat([]byte{4}, x, y))
	}
	return nil, nil
}

func b64uint(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, fmt.Errorf("empty integer")
	}
	return new(big.Int).SetBytes(b), nil
}
