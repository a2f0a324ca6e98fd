//go:build js && wasm

package bridge

import (
	"fmt"

	"github.com/corti-auth/corti-auth/auth"
	"github.com/corti-auth/corti-auth/internal/jsx"
	"github.com/corti-auth/corti-auth/token"
	"github.com/hack-pad/safejs"
)

// Namespace builds the object that load() resolves with: version,
// decodeToken, createClient.
func Namespace(version string) safejs.Value {
	keys := token.NewKeySets(Fetcher{}.GetFunc())
	ms := methods{
		"decodeToken": {sync: func(a *argReader) (any, error) {
			raw, ok := argString(a.args, 0, "")
			if !ok {
				return nil, fmt.Errorf("%w: decodeToken takes a string", token.ErrInvalidToken)
			}
			c, err := token.DecodeUnverified(raw)
			if err != nil {
				return nil, err
			}
			return c.Decoded(), nil
		}},
		"createClient": {sync: func(a *argReader) (any, error) {
			v := a.value(0)
			if v.Type() != safejs.TypeObject || v.IsNull() {
				return nil, &auth.ConfigError{Reason: "createClient takes a config object: {clientId, redirectUri, ...}"}
			}
			// Keys whose value is a function are invisible to JSON: refuse them
			// explicitly rather than ignoring them.
			if err := refuseFunctions(v); err != nil {
				return nil, err
			}
			b, err := JSONOf(v)
			if err != nil {
				return nil, &auth.ConfigError{Reason: "the config cannot be serialised: " + err.Error()}
			}
			cfg, err := auth.ParseConfig(b)
			if err != nil {
				return nil, err
			}
			return newClient(cfg, keys).object(), nil
		}},
	}
	props := map[string]any{"version": version}
	if benchStats != nil {
		ms["__runtimeStats"] = method{sync: func(*argReader) (any, error) { return benchStats(), nil }}
		props["stats"] = true
	}
	obj, _ := publish("CortiAuth", nil, ms, props)
	return obj
}

// benchStats is set only in a build with the corti_bench tag (benchhooks.go): the benchmark's view of the Go
// runtime, as the namespace's __runtimeStats(). The shipped binary has none.
var benchStats func() map[string]any

func refuseFunctions(o safejs.Value) error {
	keys, err := rt.object.Call("keys", o)
	if err != nil {
		return nil
	}
	n, _ := keys.Length()
	for i := 0; i < n; i++ {
		k, _ := keys.Index(i)
		ks, _ := k.String()
		v, err := jsx.Get(o, ks)
		if err != nil {
			return &auth.ConfigError{Key: ks, Reason: "reading it threw: " + FromJSError(jsErrorValue(err)).Error()}
		}
		if v.Type() == safejs.TypeFunction {
			return &auth.ConfigError{Key: ks, Reason: "must not be a function"}
		}
	}
	return nil
}
