package assistant

import "testing"

func TestIsActivity(t *testing.T) {
	for event, want := range map[string]bool{
		"embedded.navigated": true, "recording.started": true, "recording.stopped": true,
		"embedded.interactionCreated": true, "document.updated": true,
		"embedded.ready": false, "embedded.authenticated": false, "error.triggered": false,
		"": false, "Recording.Started": false,
	} {
		if got := IsActivity(event); got != want {
			t.Errorf("IsActivity(%q) = %v, want %v", event, got, want)
		}
	}
}
