package auth

import (
	"testing"

	"github.com/corti-auth/corti-auth/pkce"
)

// policyURLs exercise the loopback rule and the URL shapes that the three URL
// checks of the module used to judge differently.
var policyURLs = []string{
	"http://127.0.0.1:8180", "http://localhost:8180", "http://LOCALHOST:8180", "HTTP://LocalHost:8180",
	"http://[::1]:8180", "http://localhost.:8180", "http://127.0.0.2:8180", "http://sub.localhost:8180",
	"http://localhost.example.com", "https://auth.example.com", "https://u@auth.example.com",
	"ftp://auth.example.com", "https://auth.example.com#", "https://auth.example.com?",
}

// TestConfigFollowsURLPolicy: authBaseURL, assistantBaseURL and redirectUri are
// accepted exactly when pkce's one URL policy accepts them.
func TestConfigFollowsURLPolicy(t *testing.T) {
	for _, raw := range policyURLs {
		_, baseErr := pkce.ParseBaseURL(raw)
		_, urlErr := pkce.ParseURL(raw + "/cb")
		for _, c := range []struct {
			json string
			want error
		}{
			{`{"clientId":"c","redirectUri":"https://app.example.com/cb","authBaseURL":"` + raw + `"}`, baseErr},
			{`{"clientId":"c","redirectUri":"https://app.example.com/cb","assistantBaseURL":"` + raw + `"}`, baseErr},
			{`{"clientId":"c","redirectUri":"` + raw + `/cb"}`, urlErr},
		} {
			_, err := ParseConfig([]byte(c.json))
			if (err == nil) != (c.want == nil) {
				t.Errorf("ParseConfig(%s) = %v; the URL policy says %v", c.json, err, c.want)
			}
		}
	}
}
