package panels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/jobs"
	mail "roundtable/internal/platform/notify"
	"roundtable/internal/platform/notify/govuknotify"
	"roundtable/internal/platform/web"
)

const (
	// textTries is how often a text is tried before the outbox gives up on it.
	textTries = 8
	// textWindow is how old a message may be and still be texted: long enough to wait out
	// quiet hours and a day's cap, short enough that nobody is texted about old news.
	textWindow = 36 * time.Hour
	// defaultTextCap is how many texts a person is sent in any 24 hours when Outbox.TextCap
	// is zero; more wait, and the messages are on their page meanwhile.
	defaultTextCap = 6
)

// Quiet reports whether now is in quiet hours, 21:00 to 08:00 in London, when no texts are
// sent: a text queued then waits until 08:00.
func Quiet(now time.Time) bool {
	h := now.In(web.London).Hour()
	return h >= 21 || h < 8
}

// textDue is a message claimed for texting.
type textDue struct {
	id, personID         int64
	to, subject, short   string
	attempts, sentInADay int
}

func (o Outbox) textCap() int {
	if o.TextCap > 0 {
		return o.TextCap
	}
	return defaultTextCap
}

// claimTexts claims waiting texts for this server until the lease ends, as claimEmail does
// for email but on the text columns, so the two channels never wait for each other. It
// leaves a person's messages beyond their daily cap unclaimed; they wait for the cap to
// free up.
func (o Outbox) claimTexts(ctx context.Context, holder string, now time.Time) ([]textDue, error) {
	var claimed []textDue
	err := o.DB.Tx(ctx, func(tx *sql.Tx) error {
		// The cap counts texts another server has claimed and not yet sent, so claims must
		// see each other: on PostgreSQL they take turns under a lock held to the commit
		// (SQLite's single writer makes them take turns already).
		if o.DB.Dialect == db.Postgres {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7262)"); err != nil {
				return err
			}
		}
		// A person's texts in the last day: sent, or claimed by a server that is sending them.
		const inADay = `(SELECT count(*) FROM panel_messages x WHERE x.person_id = m.person_id
			AND (x.texted_at > $4 OR (x.texted_at IS NULL AND x.text_claimed_until > $3)))`
		due, err := db.Collect(ctx, tx, func(s db.Scanner) (textDue, error) {
			var m textDue
			return m, s.Scan(&m.id, &m.personID, &m.to, &m.subject, &m.short, &m.attempts, &m.sentInADay)
		}, `SELECT m.id, m.person_id, p.mobile, m.subject, m.short, m.text_attempts, `+inADay+`
			FROM panel_messages m JOIN people p ON p.id = m.person_id
			WHERE m.texted_at IS NULL AND m.text_status = '' AND p.mobile IS NOT NULL AND p.contact_by IN ('text', 'both')
			AND p.disabled_at IS NULL AND m.text_attempts < $1 AND m.created_at > $2
			AND (m.text_next_at IS NULL OR m.text_next_at <= $3) AND (m.text_claimed_until IS NULL OR m.text_claimed_until <= $3)
			AND `+inADay+` < $5
			ORDER BY m.id LIMIT `+fmt.Sprint(emailBatch)+o.skipLocked(), textTries, now.Add(-textWindow), now, now.Add(-24*time.Hour), o.textCap())
		if err != nil {
			return err
		}
		// People at their cap are left out above, so their waiting texts cannot fill every
		// batch and hold up everyone else's; this keeps a batch from taking one past it.
		inBatch := map[int64]int{}
		for _, m := range due {
			if m.sentInADay+inBatch[m.personID] >= o.textCap() {
				continue
			}
			inBatch[m.personID]++
			if _, err := tx.ExecContext(ctx, `UPDATE panel_messages SET text_claimed_until = $1, text_claimed_by = $2, text_attempts = text_attempts + 1 WHERE id = $3`,
				now.Add(o.lease()), holder, m.id); err != nil {
				return err
			}
			claimed = append(claimed, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim texts to send: %w", err)
	}
	return claimed, nil
}

// textBody is what a text says: the short text written for it, or the message's subject,
// never its body (which may hold support needs or other details a shared phone should not
// show), cut to three text messages at most with the address of the full message.
func (o Outbox) textBody(m textDue) string {
	words := strings.TrimSpace(m.short)
	if words == "" {
		words = strings.TrimRight(strings.TrimSpace(m.subject), ".") + ". Sign in to Roundtable to read your message."
	}
	return mail.FitText("Roundtable: "+words, "Read it all: "+strings.TrimRight(o.BaseURL, "/")+"/panels/messages")
}

// SendTexts texts each waiting message to a person who chose texts, a claimed batch at a
// time, outside quiet hours and within each person's daily cap. A refusal Notify says would
// happen again (a number that is not a mobile, say) is recorded with Notify's words and not
// tried again; anything else (429, 5xx, no answer) is tried again later with a growing wait.
// It returns how many were sent.
func (o Outbox) SendTexts(ctx context.Context) (int, error) {
	if o.Texter == nil || Quiet(o.Now()) {
		return 0, nil
	}
	sent := 0
	holder := jobs.Holder()
	for {
		due, err := o.claimTexts(ctx, holder, o.Now().UTC())
		if err != nil || len(due) == 0 {
			return sent, err
		}
		for _, m := range due {
			now := o.Now().UTC()
			mine, err := o.renewClaim(ctx, textChannel, m.id, holder, now)
			if err != nil {
				return sent, err
			}
			if !mine {
				continue
			}
			sendCtx, cancel := context.WithTimeout(ctx, o.lease()/2)
			id, err := o.Texter.SendText(sendCtx, mail.Text{To: m.to, Body: o.textBody(m), Reference: messageReference(m.id)})
			cancel()
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			switch {
			case err == nil:
				status := "sent"
				if id == "" {
					status = "logged"
				}
				if _, err := o.DB.Write.ExecContext(ctx, `UPDATE panel_messages SET texted_at = $1, text_status = $2, notify_id = $3, text_error = '',
					text_claimed_until = NULL WHERE id = $4`, now, status, id, m.id); err != nil {
					return sent, err
				}
				sent++
			case govuknotify.Retryable(err) && m.attempts+1 < textTries:
				if err := o.retryLater(ctx, textChannel, m.id, m.attempts, err, now); err != nil {
					return sent, err
				}
			default:
				o.Log.Warn("text not sent; giving up", "message", m.id, "attempt", m.attempts+1, "err", err)
				if _, err := o.DB.Write.ExecContext(ctx, `UPDATE panel_messages SET text_status = 'failed', text_error = $1, text_claimed_until = NULL WHERE id = $2`,
					textFailure(err, m.attempts+1), m.id); err != nil {
					return sent, err
				}
			}
		}
	}
}

// textFailure is why a text failed for good, in words for the person and their facilitator:
// Notify's own, such as "phone_number Not a UK mobile number", when it refused the text.
func textFailure(err error, tries int) string {
	why := err.Error()
	if ae, ok := errors.AsType[*govuknotify.APIError](err); ok && ae.Message() != "" {
		why = ae.Message()
	}
	if govuknotify.Retryable(err) {
		return fmt.Sprintf("gave up after %d tries (%s)", tries, why)
	}
	return why
}

// messageReference is the id a message goes to Notify with, by email or by text, returned in
// delivery receipts: it names the message and nothing about the person.
func messageReference(id int64) string { return fmt.Sprint("panel-message-", id) }

// receiptReasons are Notify's reasons for each failure in a delivery receipt, as its
// documentation gives them, for texts and for email.
var receiptReasons = map[string]map[govuknotify.Status]string{
	"sms": {
		govuknotify.StatusPermanentFailure: "the phone network could not deliver it. The number may be wrong or not exist.",
		govuknotify.StatusTemporaryFailure: "the phone may be off, out of signal, or its inbox full.",
		govuknotify.StatusTechnicalFailure: "there was a problem between GOV.UK Notify and the phone network.",
	},
	"email": {
		govuknotify.StatusPermanentFailure: "the email address is wrong or no longer exists.",
		govuknotify.StatusTemporaryFailure: "the inbox may be full, or a spam filter turned it away.",
		govuknotify.StatusTechnicalFailure: "there was a problem between GOV.UK Notify and the email provider.",
	},
}

// RecordReceipt records a delivery receipt from Notify against the text or email it names: a
// text by Notify's id for it, an email by the message's reference (the outbox's mailer does
// not learn Notify's id). A receipt for a message Roundtable never sent changes nothing, and
// says so with false.
func RecordReceipt(ctx context.Context, d *db.DB, rc govuknotify.Receipt) (bool, error) {
	match, arg := `notify_id = $1 AND notify_id <> ''`, any(rc.ID)
	set := `text_status = $2, text_error = $3`
	switch rc.NotificationType {
	case "sms":
	case "email":
		var id int64
		if _, err := fmt.Sscanf(rc.Reference, "panel-message-%d", &id); err != nil || messageReference(id) != rc.Reference {
			return false, nil
		}
		match, arg, set = `id = $1 AND emailed_at IS NOT NULL`, id, `email_status = $2, email_error = $3`
	default:
		return false, nil
	}
	status, why := "", ""
	switch {
	case rc.Status == govuknotify.StatusDelivered:
		status = "delivered"
	case rc.Status.Failed():
		status, why = "failed", receiptReasons[rc.NotificationType][rc.Status]
	default:
		// Still on its way, or sent abroad where no more will be known: what is shown stays.
		var n int
		err := d.Read.QueryRowContext(ctx, `SELECT count(*) FROM panel_messages WHERE `+match, arg).Scan(&n)
		return n > 0, err
	}
	res, err := d.Write.ExecContext(ctx, `UPDATE panel_messages SET `+set+` WHERE `+match, arg, status, why)
	if err != nil {
		return false, fmt.Errorf("record delivery receipt: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// receipt is Notify's callback: a delivery receipt authenticated by the bearer token the
// service gave Notify. Unauthenticated gets 401 and malformed 400, changing nothing; a
// receipt for an unknown message is answered 204 so Notify does not send it again.
func (h *Handlers) receipt(w http.ResponseWriter, r *http.Request, _ *web.Renderer) error {
	rc, err := govuknotify.ParseCallback(r, h.opt.NotifyCallbackToken)
	switch {
	case errors.Is(err, govuknotify.ErrUnauthenticated):
		http.Error(w, "Unauthorised", http.StatusUnauthorized)
		return nil
	case err != nil:
		http.Error(w, "Bad request: "+err.Error(), http.StatusBadRequest)
		return nil
	}
	known, err := RecordReceipt(r.Context(), h.db, rc)
	if err != nil {
		return err
	}
	if !known {
		h.opt.Log.Info("delivery receipt for a message Roundtable does not know", "notify_id", rc.ID)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
