//go:build js && wasm

// Command floor is the smallest program that uses what corti-auth must use: safejs for JS and golang-jwt/jwt/v5
// for a JWT, answering the loader like corti-auth does (its namespace has a version and nothing else). It is
// not shipped: web/bench/floor.mjs builds it to show what the mandated dependencies alone cost in size and
// start-up, beside corti-auth.wasm.
package main

import (
	"os"

	"github.com/golang-jwt/jwt/v5"
	"github.com/hack-pad/safejs"
)

func main() {
	key := os.Getenv("CORTI_AUTH_HOOKS")
	hooks, err := safejs.Global().Get(key)
	if key == "" || err != nil {
		return
	}
	// One verified parse, so that the linker keeps what a JWT check needs.
	_, perr := jwt.ParseWithClaims(key, &jwt.RegisteredClaims{}, func(*jwt.Token) (any, error) { return nil, nil },
		jwt.WithValidMethods([]string{"RS256"}))
	obj, _ := safejs.Global().Get("Object")
	ns, _ := obj.New()
	_ = ns.Set("version", "floor")
	_ = ns.Set("parsed", perr == nil)
	if resolve, err := hooks.Get("resolve"); err == nil {
		_, _ = resolve.Invoke(ns)
	}
	select {}
}
