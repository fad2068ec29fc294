package panels

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

// ChannelHealth is how one channel (email or text) is doing: messages waiting now, and of
// the messages of the last 24 hours how many went, arrived (texts: Notify's receipts) and
// failed for good.
type ChannelHealth struct {
	Name string
	// Receipts is true for a channel that says when a message arrived (texts, through
	// Notify's receipts); email does not.
	Receipts  bool
	Waiting   int // to be sent now or later, retries included
	Retrying  int // of those, ones that have failed at least once
	Sent      int // sent in the last 24 hours
	Delivered int // texts sent in the last 24 hours that Notify says arrived
	Failed    int // messages of the last 24 hours that failed for good
}

// Health counts each channel's messages for the administrators' page. It reads the outbox's
// own columns, so it shows what every server has done.
func Health(ctx context.Context, d *db.DB, now time.Time) ([]ChannelHealth, error) {
	now = utc(now)
	day := now.Add(-24 * time.Hour)
	email := ChannelHealth{Name: "Email"}
	err := d.Read.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN m.emailed_at IS NULL AND p.email <> '' AND p.disabled_at IS NULL
			AND (p.contact_by IS NULL OR p.contact_by IN ('email', 'both')) AND m.email_attempts < $1 AND m.created_at > $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.emailed_at IS NULL AND m.email_error <> '' AND m.email_attempts < $1 AND m.created_at > $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.emailed_at > $3 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.emailed_at IS NULL AND m.email_attempts >= $1 AND m.created_at > $3 THEN 1 ELSE 0 END), 0)
		FROM panel_messages m JOIN people p ON p.id = m.person_id WHERE m.created_at > $4`,
		emailTries, now.Add(-emailWindow), day, now.Add(-emailWindow-textWindow)).Scan(&email.Waiting, &email.Retrying, &email.Sent, &email.Failed)
	if err != nil {
		return nil, fmt.Errorf("email health: %w", err)
	}
	text := ChannelHealth{Name: "Text message", Receipts: true}
	err = d.Read.QueryRowContext(ctx, `SELECT
		COALESCE(SUM(CASE WHEN m.texted_at IS NULL AND m.text_status = '' AND p.mobile IS NOT NULL AND p.disabled_at IS NULL
			AND p.contact_by IN ('text', 'both') AND m.text_attempts < $1 AND m.created_at > $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.texted_at IS NULL AND m.text_status = '' AND m.text_error <> '' AND m.created_at > $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.texted_at > $3 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.texted_at > $3 AND m.text_status = 'delivered' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN m.text_status = 'failed' AND m.created_at > $3 THEN 1 ELSE 0 END), 0)
		FROM panel_messages m JOIN people p ON p.id = m.person_id WHERE m.created_at > $4`,
		textTries, now.Add(-textWindow), day, now.Add(-emailWindow-textWindow)).Scan(&text.Waiting, &text.Retrying, &text.Sent, &text.Delivered, &text.Failed)
	if err != nil {
		return nil, fmt.Errorf("text health: %w", err)
	}
	return []ChannelHealth{email, text}, nil
}

// HealthView is the administrators' page on how messages are being sent.
type HealthView struct {
	web.Page
	Channels []ChannelHealth
	At       time.Time
}

func (h *Handlers) health(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	now := h.opt.Now()
	cs, err := Health(r.Context(), h.db, now)
	if err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "panels/health", &HealthView{Page: web.Page{Title: "How messages are being sent"}, Channels: cs, At: now})
}
