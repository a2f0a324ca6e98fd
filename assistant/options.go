package assistant

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// MountOptions are the options of mountAssistant(target, options).
type MountOptions struct {
	BaseURL        string        // "" → the client's assistantBaseURL
	ReadyTimeout   time.Duration // ≤ 0 → DefaultReadyTimeout
	RequestTimeout time.Duration // ≤ 0 → DefaultRequestTimeout
	Title          string        // "" → the Frame's default title
	// AssistantRefreshes hands the Assistant the refresh token with auth
	// (Controller Options.ShareRefreshToken; see refresh.go for why it is off
	// by default).
	AssistantRefreshes bool
}

// ParseMountOptions reads the JSON of mountAssistant's options object
// ({baseURL?, readyTimeoutMs?, requestTimeoutMs?, title?, assistantRefreshes?}); empty input or
// null gives the zero options. Another key, or a member of the wrong type,
// gives an error wrapping ErrInvalidOptions.
func ParseMountOptions(b []byte) (MountOptions, error) {
	var o struct {
		BaseURL          string  `json:"baseURL"`
		ReadyTimeoutMs   float64 `json:"readyTimeoutMs"`
		RequestTimeoutMs float64 `json:"requestTimeoutMs"`
		Title            string  `json:"title"`
		AssistantRefresh bool    `json:"assistantRefreshes"`
	}
	if len(bytes.TrimSpace(b)) > 0 && string(bytes.TrimSpace(b)) != "null" {
		d := json.NewDecoder(bytes.NewReader(b))
		d.DisallowUnknownFields()
		if err := d.Decode(&o); err != nil {
			return MountOptions{}, fmt.Errorf("%w: mountAssistant options: expected {baseURL?, readyTimeoutMs?, requestTimeoutMs?, title?, assistantRefreshes?}: %v",
				ErrInvalidOptions, err)
		}
	}
	return MountOptions{BaseURL: o.BaseURL, ReadyTimeout: millis(o.ReadyTimeoutMs), RequestTimeout: millis(o.RequestTimeoutMs), Title: o.Title,
		AssistantRefreshes: o.AssistantRefresh}, nil
}

// millis is ms as a Duration; out of range gives 0 (the default).
func millis(ms float64) time.Duration {
	if ms <= 0 || ms > float64(math.MaxInt64/int64(time.Millisecond)) {
		return 0
	}
	return time.Duration(ms * float64(time.Millisecond))
}

// Frame is the iframe for these options: on BaseURL, or defaultBase when it
// is empty, with Title when set.
func (o MountOptions) Frame(defaultBase string) (Frame, error) {
	base := o.BaseURL
	if base == "" {
		base = defaultBase
	}
	f, err := NewFrame(base)
	if err != nil {
		return Frame{}, err
	}
	if o.Title != "" {
		f.Title = o.Title
	}
	return f, nil
}
