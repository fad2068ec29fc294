package panels

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

// Message is one message in a person's outbox.
type Message struct {
	ID        int64
	PersonID  int64
	Subject   string
	Body      string
	Link      string
	CreatedAt time.Time
	ReadAt    time.Time // zero until the person marks it read
	// TextStatus is where its text message is: "" (none), "sent", "delivered", "failed" (with
	// TextError, Notify's reason) or "logged" (no text service is set up).
	TextStatus string
	TextError  string
	TextedAt   time.Time
	// EmailedAt is when the email went (zero if not, or not yet); EmailStatus is what GOV.UK
	// Notify's receipt said of it: "" (no more is known), "delivered", or "failed" with
	// EmailError its reason. EmailGaveUp is set when the outbox stopped trying.
	EmailedAt   time.Time
	EmailStatus string
	EmailError  string
	EmailGaveUp bool
}

// EmailNote says in plain English what happened to the message's email, or "" when none was
// sent or tried.
func (m Message) EmailNote() string {
	switch {
	case m.EmailStatus == "delivered":
		return "Sent by email, and it arrived."
	case m.EmailStatus == "failed":
		return "The email could not be delivered: " + m.EmailError
	case !m.EmailedAt.IsZero():
		return "Sent by email."
	case m.EmailGaveUp:
		return "The email could not be sent: " + m.EmailError
	case m.EmailError != "":
		return "The email is waiting to be tried again."
	}
	return ""
}

// TextNote says in plain English what happened to the message's text, or "" when none was
// sent or tried.
func (m Message) TextNote() string {
	switch m.TextStatus {
	case "sent":
		return "Sent by text message."
	case "delivered":
		return "Sent by text message, and it arrived."
	case "failed":
		return "The text message could not be sent: " + m.TextError
	case "logged":
		return "Not sent by text: Roundtable has no text message service set up."
	}
	if m.TextError != "" {
		return "The text message is waiting to be tried again."
	}
	return ""
}

// outgoing is a message queued inside a transaction, to be logged once it commits.
type outgoing struct {
	PersonID int64
	Subject  string
}

// notify adds a message to each person's outbox inside tx and returns what to log after the
// commit.
func notify(ctx context.Context, tx *sql.Tx, panelID int64, people []int64, subject, body, link string, now time.Time) ([]outgoing, error) {
	return notifyShort(ctx, tx, panelID, people, subject, body, "", link, now)
}

// notifyShort is notify with a short text written for text messages, which must never hold
// support needs or other sensitive details; "" sends the subject instead.
func notifyShort(ctx context.Context, tx *sql.Tx, panelID int64, people []int64, subject, body, short, link string, now time.Time) ([]outgoing, error) {
	var out []outgoing
	seen := map[int64]bool{}
	for _, p := range people {
		if seen[p] {
			continue
		}
		seen[p] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO panel_messages (person_id, panel_id, subject, body, short, link, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			p, nullID(panelID), subject, body, short, link, utc(now)); err != nil {
			return nil, fmt.Errorf("queue message: %w", err)
		}
		out = append(out, outgoing{PersonID: p, Subject: subject})
	}
	return out, nil
}

// deliver wakes the outbox after a commit that queued msgs, so email goes at once rather than
// at the next poll (see Outbox.Run). The messages are already safe in the outbox.
func deliver(msgs []outgoing) {
	if len(msgs) > 0 {
		wakeOutboxes()
	}
}

// panelPeople lists the ids of a panel's people with the role, read inside tx.
func panelPeople(ctx context.Context, tx *sql.Tx, panelID int64, role auth.Role) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT m.person_id FROM panels p
		JOIN memberships m ON m.organisation_id = p.organisation_id AND m.role = $2
		JOIN people pe ON pe.id = m.person_id AND pe.disabled_at IS NULL
		WHERE p.id = $1 ORDER BY m.person_id`, panelID, string(role))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// addresseePeople lists who answers for a recommendation: the council's officers, or the
// funder's people.
func addresseePeople(ctx context.Context, tx *sql.Tx, councilGSS string) ([]int64, error) {
	q := `SELECT m.person_id FROM memberships m JOIN councils c ON c.organisation_id = m.organisation_id
		WHERE c.gss_code = $1 AND m.role = 'council_officer' ORDER BY m.person_id`
	args := []any{councilGSS}
	if councilGSS == "" {
		q, args = `SELECT DISTINCT person_id FROM memberships WHERE role = 'funder' ORDER BY person_id`, nil
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Messages lists the newest messages to a person; panelID, when not 0, keeps those about
// that panel (what a facilitator sees of a member's messages).
func Messages(ctx context.Context, d *db.DB, personID, panelID int64, limit int) ([]Message, error) {
	return MessagesFrom(ctx, d, personID, panelID, limit, 0)
}

// MessagesFrom is Messages after skipping the newest offset, a page at a time.
func MessagesFrom(ctx context.Context, d *db.DB, personID, panelID int64, limit, offset int) ([]Message, error) {
	q := `SELECT id, person_id, subject, body, link, created_at, read_at, text_status, text_error, texted_at,
		emailed_at, email_status, email_error, email_attempts >= ` + fmt.Sprint(emailTries) + ` FROM panel_messages WHERE person_id = $1`
	args := []any{personID}
	if panelID != 0 {
		q += ` AND panel_id = $2`
		args = append(args, panelID)
	}
	q += fmt.Sprintf(` ORDER BY created_at DESC, id DESC LIMIT %d OFFSET %d`, max(1, min(limit, 200)), max(0, offset))
	rows, err := d.Read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	defer rows.Close()
	var out []Message
	for rows.Next() {
		var m Message
		var read, texted, emailed sql.NullTime
		if err := rows.Scan(&m.ID, &m.PersonID, &m.Subject, &m.Body, &m.Link, &m.CreatedAt, &read, &m.TextStatus, &m.TextError, &texted,
			&emailed, &m.EmailStatus, &m.EmailError, &m.EmailGaveUp); err != nil {
			return nil, err
		}
		m.ReadAt, m.TextedAt, m.EmailedAt = read.Time, texted.Time, emailed.Time
		out = append(out, m)
	}
	return out, rows.Err()
}

// MessagesView is a person's own messages, newest first, a page at a time.
type MessagesView struct {
	web.Page
	Messages []Message
	Unread   int
	Pager    web.Pager
}

// messagesPerPage keeps a member's messages page light on an old phone with little data.
const messagesPerPage = 20

func (h *Handlers) messages(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	me := auth.From(r.Context())
	v := &MessagesView{Page: web.Page{Title: "Your messages"}, Pager: web.PageFrom(r, messagesPerPage, "Pages of messages")}
	ms, err := MessagesFrom(r.Context(), h.db, me.PersonID, 0, messagesPerPage+1, v.Pager.Offset())
	if err != nil {
		return err
	}
	v.Pager.More(r, len(ms) > messagesPerPage)
	v.Messages = ms[:min(len(ms), messagesPerPage)]
	if v.Unread, err = Unread(r.Context(), h.db, me.PersonID); err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "panels/messages", v)
}

// NotifyPanel queues a message to each member and facilitator of the panel inside tx, for
// another capability's news (such as a proposal to a standard the panel drafts). Call
// WakeOutbox after the commit so that email goes at once.
func NotifyPanel(ctx context.Context, tx *sql.Tx, panelID int64, subject, body, link string, now time.Time) error {
	var people []int64
	for _, role := range []auth.Role{auth.Member, auth.Facilitator} {
		ids, err := panelPeople(ctx, tx, panelID, role)
		if err != nil {
			return err
		}
		people = append(people, ids...)
	}
	_, err := notify(ctx, tx, panelID, people, subject, body, link, now)
	return err
}

// Tell queues a message to each of people inside tx, for another capability's news: a payment
// approved or paid, an answer to what a person said, a bid they helped with sent. panelID,
// when not 0, is the panel it concerns, so the person's facilitator sees it too. short is the
// text message's words, which must never hold support needs, money or other details a shared
// phone should not show; "" texts the subject. Call WakeOutbox after the commit so that it
// goes at once.
func Tell(ctx context.Context, tx *sql.Tx, panelID int64, people []int64, subject, body, short, link string, now time.Time) error {
	_, err := notifyShort(ctx, tx, panelID, people, subject, body, short, link, now)
	return err
}

// InTxThenWake runs fn in a transaction and, once it commits, wakes the outbox, for a change
// that queues messages with Tell.
func InTxThenWake(ctx context.Context, d *db.DB, fn func(*sql.Tx) error) error {
	err := d.Tx(ctx, fn)
	if err == nil {
		wakeOutboxes()
	}
	return err
}

// WakeOutbox asks the outbox to send what was queued, without waiting for its next poll.
func WakeOutbox() { wakeOutboxes() }

// onlyThroughFacilitator reports whether the person is told of messages only through their
// facilitator: they chose so, or nothing can reach them (no choice made and no email).
func onlyThroughFacilitator(ctx context.Context, d *db.DB, personID int64) (bool, error) {
	var n int
	err := d.Read.QueryRowContext(ctx, `SELECT count(*) FROM people WHERE id = $1
		AND (contact_by = 'facilitator' OR (contact_by IS NULL AND email = ''))`, personID).Scan(&n)
	return n > 0, err
}
