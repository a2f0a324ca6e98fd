package assistant

import (
	"errors"
	"testing"
	"time"
)

func TestParseMountOptions(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want MountOptions
		bad  bool
	}{
		{in: "", want: MountOptions{}},
		{in: "null", want: MountOptions{}},
		{in: "{}", want: MountOptions{}},
		{in: `{"baseURL":"https://assistant.us.corti.app","readyTimeoutMs":1500,"requestTimeoutMs":250.5,"title":"Scribe"}`,
			want: MountOptions{BaseURL: "https://assistant.us.corti.app", ReadyTimeout: 1500 * time.Millisecond, RequestTimeout: 250500 * time.Microsecond, Title: "Scribe"}},
		{in: `{"readyTimeoutMs":-5,"requestTimeoutMs":1e300}`, want: MountOptions{}},
		{in: `{"readyTimeout":1500}`, bad: true},
		{in: `{"title":3}`, bad: true},
		{in: `{"assistantRefreshes":true}`, want: MountOptions{AssistantRefreshes: true}},
		{in: `{"assistantRefreshes":"yes"}`, bad: true},
		{in: `[]`, bad: true},
	} {
		got, err := ParseMountOptions([]byte(tt.in))
		if tt.bad {
			if !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("%s: err = %v, want ErrInvalidOptions", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestMountOptionsFrame(t *testing.T) {
	f, err := MountOptions{}.Frame(testOrigin)
	if err != nil || f.Origin != testOrigin || f.Title == "" {
		t.Fatalf("default frame = %+v, %v", f, err)
	}
	f, err = MountOptions{BaseURL: "https://assistant.us.corti.app", Title: "Scribe"}.Frame(testOrigin)
	if err != nil || f.Origin != "https://assistant.us.corti.app" || f.Title != "Scribe" {
		t.Fatalf("frame = %+v, %v", f, err)
	}
	if _, err := (MountOptions{BaseURL: "http://evil.example"}).Frame(testOrigin); !errors.Is(err, ErrInvalidBaseURL) {
		t.Errorf("an http base: %v", err)
	}
}
