package pkce

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func FuzzParseCallback(f *testing.F) {
	for _, s := range []string{
		"https://app.example.com/cb?code=abc&state=xyz",
		"https://app.example.com/cb?state=f3a1&session_state=5b8c-77&iss=https%3A%2F%2Fauth.eu.corti.app%2Frealms%2Fbase&code=9e1d.5b8c.b1a2",
		"https://app.example.com/cb?error=access_denied&error_description=User+denied%20consent&state=xyz",
		"https://app.example.com/cb#state=xyz&code=abc&session_state=s",
		"https://app.example.com/cb?tab=2&code=q#code=f&state=fs",
		"https://app.example.com/?code=abc&state=xyz#/dashboard",
		"http://127.0.0.1:5173/cb?code=a&state=one&state=two",
		"/cb?code=%zz&state=s",
		"https://[::1/cb?code=a",
		"?state=s&error=login_required",
		"#",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := ParseCallback(raw)
		if err != nil {
			if !errors.Is(err, ErrInvalidCallback) {
				t.Fatalf("ParseCallback error %v does not wrap ErrInvalidCallback", err)
			}
			if IsCallback(raw) {
				t.Fatal("IsCallback true for a refused URL")
			}
			return
		}
		if (c.Err() != nil) != (c.Error != "") {
			t.Fatalf("Err() = %v for Error %q", c.Err(), c.Error)
		}
		stripped, err := StripCallback(raw)
		if err != nil {
			t.Fatalf("StripCallback refused a URL ParseCallback accepted: %v", err)
		}
		if IsCallback(stripped) {
			t.Fatalf("StripCallback(%q) = %q is still a callback", raw, stripped)
		}
		if len(stripped) > len(raw) {
			t.Fatalf("StripCallback(%q) = %q grew", raw, stripped)
		}
		if again, err := StripCallback(stripped); err == nil && again != stripped {
			t.Fatalf("StripCallback not idempotent: %q → %q → %q", raw, stripped, again)
		}
		if sc, err := ParseCallback(stripped); err == nil && (sc.Code != "" || sc.State != "" || sc.Error != "") {
			t.Fatalf("StripCallback(%q) = %q still carries %+v", raw, stripped, sc)
		}
		// The path survives stripping.
		base := raw
		if i := strings.IndexAny(base, "?#"); i >= 0 {
			base = base[:i]
		}
		if !strings.HasPrefix(stripped, base) {
			t.Fatalf("StripCallback(%q) = %q lost the path %q", raw, stripped, base)
		}
	})
}

func FuzzParseTokenResponse(f *testing.F) {
	for _, s := range []string{
		keycloakResponse,
		`{"access_token":"a","expires_in":"300","refresh_expires_in":"0","not-before-policy":"7"}`,
		`{"access_token":"a","expires_in":299.9,"refresh_expires_in":1.8e3}`,
		`{"access_token":"a","refresh_token":null,"expires_in":null}`,
		`{"access_token":"a","x":{"y":[1,"\u00e9",null,true]}}`,
		`{"access_token":"a"}{}`,
		`{"error":"invalid_grant","error_description":"Code not valid"}`,
		`<html><body>503</body></html>`,
		`[1,2]`,
		`null`,
		`{"access_token":42}`,
		`{"access_token":"a","expires_in":"NaN"}`,
		``,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, status := range []int{400, 503} {
			if _, err := ParseTokenEndpointResponse(status, []byte(body)); err == nil {
				t.Fatalf("status %d accepted", status)
			}
		}
		tr, err := ParseTokenResponse([]byte(body))
		if err != nil {
			if !errors.Is(err, ErrBadResponse) || tr != nil {
				t.Fatalf("ParseTokenResponse = %v, %v; want nil and ErrBadResponse", tr, err)
			}
			return
		}
		if tr.AccessToken == "" {
			t.Fatal("accepted without an access_token")
		}
		// Round trip: what MarshalJSON writes parses again to the same fields
		// and the same set of members.
		out, err := json.Marshal(tr)
		if err != nil {
			t.Fatalf("MarshalJSON: %v", err)
		}
		tr2, err := ParseTokenResponse(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		a, b := *tr, *tr2
		a.Raw, b.Raw = nil, nil
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("round trip changed fields: %+v → %+v", a, b)
		}
		if len(tr.Raw) != len(tr2.Raw) {
			t.Fatalf("round trip changed members: %d → %d (%s)", len(tr.Raw), len(tr2.Raw), out)
		}
		out2, _ := json.Marshal(tr2)
		if string(out2) != string(out) {
			t.Fatalf("MarshalJSON not stable: %s → %s", out, out2)
		}
	})
}
