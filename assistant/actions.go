package assistant

import (
	"context"
	"encoding/json"
	"fmt"
)

// CreateInteraction sends createInteraction ({assignedUserId?, encounter,
// patient?}) and returns the response payload ({id, createdAt, status?}).
func (c *Controller) CreateInteraction(ctx context.Context, p any) (json.RawMessage, error) {
	return c.Request(ctx, "createInteraction", p)
}

// Navigate sends navigate {path}, for example "/session/<id>".
func (c *Controller) Navigate(ctx context.Context, path string) (json.RawMessage, error) {
	return c.Request(ctx, "navigate", map[string]string{"path": path})
}

// ConfigureApp sends configureApp with a configuration patch and returns the
// full applied configuration.
func (c *Controller) ConfigureApp(ctx context.Context, cfg any) (json.RawMessage, error) {
	return c.Request(ctx, "configureApp", cfg)
}

// SetInteractionOptions sends setInteractionOptions ({mode?, spokenLanguage?,
// templates?, documents?}, a patch).
func (c *Controller) SetInteractionOptions(ctx context.Context, o any) (json.RawMessage, error) {
	return c.Request(ctx, "setInteractionOptions", o)
}

// AddFacts sends addFacts. facts is either the list of facts, sent as
// {"facts": facts}, or an object that is already {"facts": [...]}
// (FactsPayload); anything else gives ErrInvalidPayload.
func (c *Controller) AddFacts(ctx context.Context, facts any) (json.RawMessage, error) {
	b, err := json.Marshal(facts)
	if err != nil {
		return nil, fmt.Errorf("assistant: addFacts payload: %w", err)
	}
	p, err := FactsPayload(b)
	if err != nil {
		return nil, err
	}
	return c.Request(ctx, "addFacts", p)
}

// StartRecording sends startRecording.
func (c *Controller) StartRecording(ctx context.Context) (json.RawMessage, error) {
	return c.Request(ctx, "startRecording", nil)
}

// StopRecording sends stopRecording.
func (c *Controller) StopRecording(ctx context.Context) (json.RawMessage, error) {
	return c.Request(ctx, "stopRecording", nil)
}

// GetStatus sends getStatus and returns {auth:{isAuthenticated, user?},
// currentUrl, interaction}.
func (c *Controller) GetStatus(ctx context.Context) (json.RawMessage, error) {
	return c.Request(ctx, "getStatus", nil)
}

// GetTemplates sends getTemplates and returns {templates:[…]}.
func (c *Controller) GetTemplates(ctx context.Context) (json.RawMessage, error) {
	return c.Request(ctx, "getTemplates", nil)
}
