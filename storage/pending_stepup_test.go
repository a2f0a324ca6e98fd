package storage_test

import (
	"strings"
	"testing"
	"time"

	"github.com/corti-auth/corti-auth/storage"
)

// TestPendingKeepsStepUp: max_age and acr_values survive the round trip
// through the store (max_age 0 included: it is not "unset"), and an entry
// stored before they existed still reads, with nothing to check.
func TestPendingKeepsStepUp(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	m := storage.NewMemory()
	p := &storage.Pending{Store: m, Now: func() time.Time { return now }}
	zero := int64(0)
	if err := p.Save(storage.PendingLogin{State: "s1", Verifier: "v", MaxAge: &zero, ACRValues: "gold silver"}); err != nil {
		t.Fatal(err)
	}
	got, err := p.Take("s1")
	if err != nil {
		t.Fatal(err)
	}
	if got.MaxAge == nil || *got.MaxAge != 0 || got.ACRValues != "gold silver" {
		t.Errorf("took MaxAge %v, ACRValues %q; want 0 and \"gold silver\"", got.MaxAge, got.ACRValues)
	}

	// The JSON an earlier version stored: no max_age, no acr_values.
	old := `{"state":"s2","verifier":"v","nonce":"n","redirect_uri":"https://app.example/","client_id":"c","created_at":1700000000000}`
	if err := m.Set(storage.PendingPrefix+"s2", old); err != nil {
		t.Fatal(err)
	}
	got, err = p.Take("s2")
	if err != nil {
		t.Fatalf("an entry without step-up fields: %v", err)
	}
	if got.MaxAge != nil || got.ACRValues != "" || got.Nonce != "n" {
		t.Errorf("old entry read as MaxAge %v, ACRValues %q, Nonce %q", got.MaxAge, got.ACRValues, got.Nonce)
	}

	// Without step-up, nothing new is written: old readers see the same JSON.
	if err := p.Save(storage.PendingLogin{State: "s3", Verifier: "v"}); err != nil {
		t.Fatal(err)
	}
	raw, _, _ := m.Get(storage.PendingPrefix + "s3")
	for _, k := range []string{"max_age", "acr_values"} {
		if strings.Contains(raw, k) {
			t.Errorf("entry without step-up holds %s: %s", k, raw)
		}
	}
}
