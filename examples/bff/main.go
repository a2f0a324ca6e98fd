//go:build !js

// Command bff is an example backend-for-frontend (BFF) for corti-auth.
//
// It signs a clinician into Corti (Keycloak) as a confidential OAuth client —
// Authorization Code with the client secret on the server, plus PKCE — and
// keeps the refresh token in server memory behind an HttpOnly, SameSite=Strict
// session cookie. The page (static/) loads corti-auth and builds a session with
// client.fromTokens(tokens, {refresh}), whose refresh callback calls POST /token
// here. The page only ever holds short-lived access tokens; the refresh token
// and the client secret never reach the browser.
//
//	go run ./examples/bff -issuer http://127.0.0.1:8180/realms/base \
//	    -client-id corti-bff -client-secret "$BFF_CLIENT_SECRET" -dist dist
//
// Every flag can also come from an environment variable (BFF_ISSUER, BFF_CLIENT_ID,
// BFF_CLIENT_SECRET, BFF_LISTEN, BFF_PUBLIC_URL, BFF_DIST, BFF_ASSISTANT_BASE_URL,
// BFF_TOKEN_URL); a flag wins over its variable. Prefer BFF_CLIENT_SECRET to the
// flag: command lines are visible to other users of the machine.
//
// The program prints "BFF listening on http://<host>:<port>" once it accepts
// connections, and stops on SIGINT/SIGTERM, or when its standard input is a pipe
// and that pipe closes (so a child process never outlives the test that
// started it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	logger := log.New(os.Stderr, "bff: ", log.LstdFlags)
	if err := run(os.Args[1:], os.Getenv, os.Stdout, logger); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}

// options are the command-line settings.
type options struct {
	issuer, clientID, clientSecret string
	listen, publicURL              string
	dist, assistantBaseURL         string
	tokenURL                       string
}

func parseOptions(args []string, getenv func(string) string) (options, error) {
	var o options
	env := func(key, dflt string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return dflt
	}
	fs := flag.NewFlagSet("bff", flag.ContinueOnError)
	fs.StringVar(&o.issuer, "issuer", env("BFF_ISSUER", ""), "realm issuer, e.g. https://auth.eu.corti.app/realms/base (env BFF_ISSUER)")
	fs.StringVar(&o.clientID, "client-id", env("BFF_CLIENT_ID", ""), "confidential client id (env BFF_CLIENT_ID)")
	fs.StringVar(&o.clientSecret, "client-secret", env("BFF_CLIENT_SECRET", ""), "client secret; prefer env BFF_CLIENT_SECRET (never logged)")
	fs.StringVar(&o.listen, "listen", env("BFF_LISTEN", "127.0.0.1:8183"), "address to listen on; port 0 picks a free port (env BFF_LISTEN)")
	fs.StringVar(&o.publicURL, "public-url", env("BFF_PUBLIC_URL", ""), "origin the browser uses to reach this server, when behind a proxy; default http://<listen address> (env BFF_PUBLIC_URL)")
	fs.StringVar(&o.dist, "dist", env("BFF_DIST", ""), "corti-auth dist/ folder, served at /dist/ (env BFF_DIST)")
	fs.StringVar(&o.assistantBaseURL, "assistant-base-url", env("BFF_ASSISTANT_BASE_URL", ""), "optional Corti Assistant base URL, published to the page (env BFF_ASSISTANT_BASE_URL)")
	fs.StringVar(&o.tokenURL, "token-url", env("BFF_TOKEN_URL", ""), "optional token endpoint override, e.g. an internal route to Keycloak; default {issuer}/protocol/openid-connect/token (env BFF_TOKEN_URL)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	switch {
	case o.issuer == "":
		return o, errors.New("-issuer is required")
	case o.clientID == "":
		return o, errors.New("-client-id is required")
	case o.clientSecret == "":
		return o, errors.New("-client-secret (or BFF_CLIENT_SECRET) is required")
	}
	return o, nil
}

func run(args []string, getenv func(string) string, stdout io.Writer, logger *log.Logger) error {
	o, err := parseOptions(args, getenv)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return err
	}
	defer ln.Close()
	listenURL := "http://" + ln.Addr().String()
	public := o.publicURL
	if public == "" {
		public = listenURL
	}
	pu, err := url.Parse(public)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return fmt.Errorf("-public-url %q: want http(s)://host[:port]", public)
	}

	srv, err := NewServer(Config{
		Issuer:           o.issuer,
		ClientID:         o.clientID,
		ClientSecret:     o.clientSecret,
		PublicURL:        pu,
		TokenURL:         o.tokenURL,
		DistDir:          o.dist,
		AssistantBaseURL: o.assistantBaseURL,
		Logger:           logger,
	})
	if err != nil {
		return err
	}
	defer srv.Close()

	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          logger,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if stdinIsPipe() {
		// A parent that closes our stdin (or dies) stops us.
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			stop()
		}()
	}

	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Fprintf(stdout, "BFF listening on %s\n", listenURL)
	if public != listenURL {
		fmt.Fprintf(stdout, "BFF public URL %s (redirect URI %s)\n", public, srv.RedirectURI())
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Print("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// stdinIsPipe reports whether stdin is a pipe or socket (a parent process),
// not a terminal or /dev/null: watching /dev/null would stop us at once.
func stdinIsPipe() bool {
	fi, err := os.Stdin.Stat()
	return err == nil && fi.Mode()&(os.ModeNamedPipe|os.ModeSocket) != 0
}
