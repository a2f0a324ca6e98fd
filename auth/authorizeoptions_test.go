package auth

import (
	"errors"
	"reflect"
	"testing"
)

func TestParseAuthorizeOptions(t *testing.T) {
	maxAge := int64(0)
	for _, c := range []struct {
		in   string
		want AuthorizeOptions
	}{
		{"", AuthorizeOptions{}},
		{"null", AuthorizeOptions{}},
		{" null ", AuthorizeOptions{}},
		{"{}", AuthorizeOptions{}},
		{`{"prompt":"login","loginHint":"doctor","uiLocales":"da en","extraParams":{"kc_idp_hint":"x"},"maxAge":0,"acrValues":"gold silver"}`,
			AuthorizeOptions{Prompt: "login", LoginHint: "doctor", UILocales: "da en", ExtraParams: map[string]string{"kc_idp_hint": "x"}, MaxAge: &maxAge, ACRValues: "gold silver"}},
		{`{"acrValues":["gold","silver"]}`, AuthorizeOptions{ACRValues: "gold silver"}},
	} {
		got, err := ParseAuthorizeOptions([]byte(c.in))
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q: got %+v, want %+v", c.in, got, c.want)
		}
	}
}

func TestParseAuthorizeOptionsRefusesWrongShapes(t *testing.T) {
	for in, key := range map[string]string{
		`"login"`: "authorizeURL options", `[1]`: "authorizeURL options", `{"prompt":1}`: "authorizeURL options",
		`{"extraParams":{"a":1}}`: "authorizeURL options", `{"maxAge":"soon"}`: "authorizeURL options",
		`{"acrValues":3}`: "acrValues", `{"acrValues":["gold silver"]}`: "acrValues", `{"acrValues":[""]}`: "acrValues",
	} {
		got, err := ParseAuthorizeOptions([]byte(in))
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Key != key {
			t.Errorf("%s: %v, want a ConfigError for %s", in, err, key)
		}
		if !reflect.DeepEqual(got, AuthorizeOptions{}) {
			t.Errorf("%s: half-read options returned: %+v", in, got)
		}
	}
}
