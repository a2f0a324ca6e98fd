package auth

import (
	"encoding/json"
	"maps"
	"strconv"
	"strings"
)

// SpaceList is a space-separated list read from JS as a string ("gold
// silver") or an array of strings (["gold", "silver"]): acrValues.
type SpaceList string

// UnmarshalJSON accepts a string or an array of strings without spaces.
func (l *SpaceList) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*l = SpaceList(strings.Join(strings.Fields(s), " "))
		return nil
	}
	var a []string
	if err := json.Unmarshal(b, &a); err != nil {
		return &ConfigError{Key: "acrValues", Reason: "must be a string or an array of strings"}
	}
	for _, v := range a {
		if v == "" || strings.ContainsAny(v, " \t\n") {
			return &ConfigError{Key: "acrValues", Reason: "an array entry is empty or holds a space"}
		}
	}
	*l = SpaceList(strings.Join(a, " "))
	return nil
}

// liftStepUp moves max_age and acr_values given as extraParams into MaxAge and
// ACRValues, so that the ID token is checked against them however they were
// sent (before these options existed, extraParams was the only way).
func (o AuthorizeOptions) liftStepUp() (AuthorizeOptions, error) {
	age, hasAge := o.ExtraParams["max_age"]
	acr, hasACR := o.ExtraParams["acr_values"]
	if !hasAge && !hasACR || hasAge && o.MaxAge != nil || hasACR && o.ACRValues != "" {
		return o, nil // nothing to lift, or set twice: pkce refuses that
	}
	o.ExtraParams = maps.Clone(o.ExtraParams)
	if hasAge {
		n, err := strconv.ParseInt(age, 10, 64)
		if err != nil {
			return o, &ConfigError{Key: "extraParams.max_age", Reason: "must be a whole number of seconds (better: the maxAge option)"}
		}
		o.MaxAge = &n
		delete(o.ExtraParams, "max_age")
	}
	if hasACR {
		o.ACRValues = SpaceList(strings.Join(strings.Fields(acr), " "))
		delete(o.ExtraParams, "acr_values")
	}
	return o, nil
}
