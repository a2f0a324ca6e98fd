package auth

import (
	"errors"
	"testing"
)

func TestParseLogoutOptions(t *testing.T) {
	const def = "https://app.example-hospital.dk/"
	for _, c := range []struct {
		in       string
		redirect string
		navigate bool
	}{
		{"", def, true},
		{"null", def, true},
		{`"x"`, def, true}, // not an object: no options
		{"{}", def, true},
		{`{"navigate":false}`, def, false},
		{`{"navigate":true,"redirectUri":"https://app.example-hospital.dk/bye"}`, "https://app.example-hospital.dk/bye", true},
		{`{"redirectUri":""}`, "", true}, // no post_logout_redirect_uri
		{`{"redirectUri":null,"navigate":null}`, def, true},
		{`{"other":1}`, def, true},
	} {
		o, err := ParseLogoutOptions([]byte(c.in), def)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if o.RedirectURI != c.redirect || o.Navigate != c.navigate {
			t.Errorf("%s: redirect %q navigate %v, want %q %v", c.in, o.RedirectURI, o.Navigate, c.redirect, c.navigate)
		}
	}
}

func TestParseLogoutOptionsRefusesWrongTypes(t *testing.T) {
	for in, reason := range map[string]string{
		`{"redirectUri":5}`:     "redirectUri must be a string",
		`{"navigate":"false"}`:  "navigate must be a boolean",
		`{"navigate":0}`:        "navigate must be a boolean",
		`{"redirectUri":["a"]}`: "redirectUri must be a string",
	} {
		_, err := ParseLogoutOptions([]byte(in), "d")
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != "logout" || ce.Reason != reason {
			t.Errorf("%s: %v, want ConfigError logout: %s", in, err, reason)
		}
	}
}
