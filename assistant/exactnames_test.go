package assistant

import (
	"encoding/json"
	"testing"
)

// Nested members of the Assistant's messages are read by their exact names,
// the last of two equal names winning, as the page's JavaScript reads them
// (JSON.parse, then payload.status): encoding/json's struct decoding would
// match {"Status": …} case-insensitively, and let it override "status".

func TestDeviceLinkStatusExactName(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{`{"status":"approved"}`, "approved", true},
		{`{"status":"denied","Status":"approved"}`, "denied", true},
		{`{"Status":"approved","status":"denied"}`, "denied", true},
		{`{"status":"maybe","Status":"approved"}`, "", false},
		{`{"STATUS":"approved"}`, "", false},
		{`{"status":"approved","status":"expired"}`, "expired", true},
		{`{"status":"approved","status":5}`, "", false},
		{`{"status":1}`, "", false},
		{`[]`, "", false},
		{`null`, "", false},
		{``, "", false},
	}
	for _, tt := range tests {
		got, ok := DeviceLinkStatus(json.RawMessage(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("DeviceLinkStatus(%s) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestReadyVersionExactName(t *testing.T) {
	tests := []struct {
		in       string
		mismatch bool
		version  string
	}{
		{`{"version":"v1"}`, false, "v1"},
		{`{"version":"v2","Version":"v1"}`, true, "v2"},
		{`{"Version":"v2"}`, false, ""},
		{`{"VERSION":"v2","version":"v1"}`, false, "v1"},
		{`{"version":"v1","version":"v3"}`, true, "v3"},
	}
	for _, tt := range tests {
		err := ReadyVersionError(json.RawMessage(tt.in))
		if (err != nil) != tt.mismatch {
			t.Errorf("ReadyVersionError(%s) = %v, want a mismatch: %v", tt.in, err, tt.mismatch)
		}
		if v := readyVersion(json.RawMessage(tt.in)); v != tt.version {
			t.Errorf("readyVersion(%s) = %q, want %q", tt.in, v, tt.version)
		}
	}
}

func TestTriggeredErrorExactName(t *testing.T) {
	tests := []struct {
		in, msg, code string
	}{
		{`{"message":"m","Message":"M","code":"c","CODE":"C"}`, "m", "c"},
		{`{"Message":"M","Code":"C"}`, "the Assistant reported an error", ""},
		{`{"message":"a","message":"b"}`, "b", ""},
	}
	for _, tt := range tests {
		e := TriggeredError(json.RawMessage(tt.in))
		if e.Message != tt.msg || e.Code != tt.code {
			t.Errorf("TriggeredError(%s) = %q, %q; want %q, %q", tt.in, e.Message, e.Code, tt.msg, tt.code)
		}
	}
}

func TestAuthenticatedUserExactName(t *testing.T) {
	tests := []struct {
		in        string
		id, email string
	}{
		{`{"user":{"id":"u1","email":"a@x","Email":"b@x","ID":"u2"}}`, "u1", "a@x"},
		{`{"user":{"id":"u1"},"User":{"id":"u2"}}`, "u1", ""},
		{`{"User":{"id":"u2","email":"b@x"}}`, "", ""},
		{`{"user":{"Id":"u2","EMAIL":"b@x"}}`, "", ""},
		{`{"user":{"id":"u1"},"user":{"id":"u3"}}`, "u3", ""},
	}
	for _, tt := range tests {
		u := parseUser(json.RawMessage(tt.in))
		if u.ID != tt.id || u.Email != tt.email {
			t.Errorf("parseUser(%s) = id %q, email %q; want %q, %q", tt.in, u.ID, u.Email, tt.id, tt.email)
		}
	}
}

// The page's own arguments are read as the component reads them too: navigate
// reads arg.path, addFacts arg.facts, setCredentials arg.password.
func TestPayloadArgumentsExactName(t *testing.T) {
	for _, in := range []string{`{"Path":"/a"}`, `{"path":"/a","path":5}`} {
		if _, err := NavigatePayload(json.RawMessage(in)); err == nil {
			t.Errorf("NavigatePayload(%s) accepted", in)
		}
	}
	for _, in := range []string{`{"Facts":[]}`, `{"facts":[],"facts":{}}`} {
		if _, err := FactsPayload(json.RawMessage(in)); err == nil {
			t.Errorf("FactsPayload(%s) accepted", in)
		}
	}
	for _, in := range []string{`{"Password":"pw"}`, `{"password":"pw","password":""}`} {
		if _, err := CredentialsPayload(json.RawMessage(in)); err == nil {
			t.Errorf("CredentialsPayload(%s) accepted", in)
		}
	}
}
