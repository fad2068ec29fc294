package panels

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/jobs"
	mail "roundtable/internal/platform/notify"
	"roundtable/internal/platform/notify/govuknotify"
	"roundtable/internal/platform/web"
)

// running holds a wake-up channel for each running outbox (one per server; tests run
// several), so a commit that queued messages can nudge them all.
var running = struct {
	sync.Mutex
	wake map[chan struct{}]bool
}{wake: map[chan struct{}]bool{}}

// wakeOutboxes nudges every running outbox without waiting.
func wakeOutboxes() {
	running.Lock()
	defer running.Unlock()
	for c := range running.wake {
		select {
		case c <- struct{}{}:
		default: // a wake-up is already waiting
		}
	}
}

const (
	// emailTries is how often a message is tried before the outbox gives up on email; the
	// message stays on the person's page either way.
	emailTries = 8
	// emailWindow is how old a message may be and still be emailed: a person who adds an
	// email address today is not sent last year's messages.
	emailWindow = 3 * 24 * time.Hour
	// emailBatch is how many messages a server claims at a time, so several servers share a
	// burst and a server that dies strands few.
	emailBatch = 20
)

// Outbox sends the panels' messages by email and text, each on the channels the person chose, and reminds addressees of overdue answers. Any
// number of servers sharing the database may run one: each claims the messages it sends.
type Outbox struct {
	DB     *db.DB
	Mailer mail.Mailer
	// Texter sends texts to people who chose them; nil sends none.
	Texter mail.Texter
	// TextCap is how many texts one person is sent in any 24 hours (6 when zero); more wait.
	TextCap int
	BaseURL string // for the link in each email, such as https://roundtable.example
	Now     func() time.Time
	Log     *slog.Logger
	// Poll is how often the outbox looks for work when nothing in this process wakes it: a
	// minute when zero. Messages another server queues are found at the next poll.
	Poll time.Duration
	// Lease is how long a claim on messages holds: two minutes when zero. A server that dies
	// holding claims loses them after this, and another server sends those messages.
	Lease time.Duration
}

func (o Outbox) poll() time.Duration {
	if o.Poll > 0 {
		return o.Poll
	}
	return time.Minute
}

func (o Outbox) lease() time.Duration {
	if o.Lease > 0 {
		return o.Lease
	}
	return 2 * time.Minute
}

// channel is one way a message goes out (email, text), by the prefix of its columns in
// panel_messages (_claimed_until, _claimed_by, _next_at, _error) and the condition that it has
// not gone yet.
type channel struct{ prefix, unsent string }

var (
	emailChannel = channel{"email", "emailed_at IS NULL"}
	textChannel  = channel{"text", "texted_at IS NULL AND text_status = ''"}
)

// skipLocked makes a claim's SELECT pass over rows another server is claiming at that moment
// (PostgreSQL); SQLite has one writer, so claims take turns anyway.
func (o Outbox) skipLocked() string {
	if o.DB.Dialect == db.Postgres {
		return " FOR UPDATE OF m SKIP LOCKED"
	}
	return ""
}

// renewClaim renews this server's claim on a message just before sending it: the batch's claim
// may have run out while earlier messages went (a slow service, a busy machine). It reports
// false, and the message is left, when another server has taken it over or it has gone.
func (o Outbox) renewClaim(ctx context.Context, c channel, id int64, holder string, now time.Time) (bool, error) {
	res, err := o.DB.Write.ExecContext(ctx, `UPDATE panel_messages SET `+c.prefix+`_claimed_until = $1
		WHERE id = $2 AND `+c.prefix+`_claimed_by = $3 AND `+c.unsent, now.Add(o.lease()), id, holder)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// retryLater gives up the claim on a message that failed for now and tries it again after a
// growing wait (2, 4, 8 ... minutes, by how often it was tried before).
func (o Outbox) retryLater(ctx context.Context, c channel, id int64, attempts int, why error, now time.Time) error {
	o.Log.Warn(c.prefix+" not sent; will try again", "message", id, "attempt", attempts+1, "err", why)
	wait := time.Duration(2<<min(attempts, 10)) * time.Minute
	_, err := o.DB.Write.ExecContext(ctx, `UPDATE panel_messages SET `+c.prefix+`_next_at = $1, `+c.prefix+`_error = $2, `+c.prefix+`_claimed_until = NULL WHERE id = $3`,
		now.Add(wait), why.Error(), id)
	return err
}

// Run works until ctx ends: every Poll, and at once when a message is queued in this process.
func (o Outbox) Run(ctx context.Context) {
	t := time.NewTicker(o.poll())
	defer t.Stop()
	wake := make(chan struct{}, 1)
	running.Lock()
	running.wake[wake] = true
	running.Unlock()
	defer func() {
		running.Lock()
		delete(running.wake, wake)
		running.Unlock()
	}()
	for {
		if _, err := o.RemindOverdue(ctx); err != nil && ctx.Err() == nil {
			o.Log.Error("overdue reminders", "err", err)
		}
		if _, err := o.RemindMeetings(ctx); err != nil && ctx.Err() == nil {
			o.Log.Error("meeting reminders", "err", err)
		}
		if _, err := o.SendEmail(ctx); err != nil && ctx.Err() == nil {
			o.Log.Error("send email", "err", err)
		}
		if _, err := o.SendTexts(ctx); err != nil && ctx.Err() == nil {
			o.Log.Error("send texts", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
	}
}

// emailDue is a message claimed for emailing.
type emailDue struct {
	id                int64
	to, subject, body string
	link              string
	attempts          int // tries before this one
}

// claimEmail claims up to emailBatch waiting messages for this server until the lease ends,
// counting the try as it claims: a server killed after sending but before recording it sends
// that message again at most once, when its claim runs out. On PostgreSQL the rows are locked
// with SKIP LOCKED, so servers claiming at the same moment take different messages; SQLite has
// one writer, so its claims take turns.
func (o Outbox) claimEmail(ctx context.Context, holder string, now time.Time) ([]emailDue, error) {
	var due []emailDue
	err := o.DB.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		due, err = db.Collect(ctx, tx, func(s db.Scanner) (emailDue, error) {
			var m emailDue
			return m, s.Scan(&m.id, &m.to, &m.subject, &m.body, &m.link, &m.attempts)
		}, `SELECT m.id, p.email, m.subject, m.body, m.link, m.email_attempts FROM panel_messages m JOIN people p ON p.id = m.person_id
			WHERE m.emailed_at IS NULL AND p.email <> '' AND p.disabled_at IS NULL AND (p.contact_by IS NULL OR p.contact_by IN ('email', 'both')) AND m.email_attempts < $1 AND m.created_at > $2
			AND (m.email_next_at IS NULL OR m.email_next_at <= $3) AND (m.email_claimed_until IS NULL OR m.email_claimed_until <= $3)
			ORDER BY m.id LIMIT `+fmt.Sprint(emailBatch)+o.skipLocked(), emailTries, now.Add(-emailWindow), now)
		if err != nil {
			return err
		}
		for _, m := range due {
			if _, err := tx.ExecContext(ctx, `UPDATE panel_messages SET email_claimed_until = $1, email_claimed_by = $2, email_attempts = email_attempts + 1 WHERE id = $3`,
				now.Add(o.lease()), holder, m.id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim email to send: %w", err)
	}
	return due, nil
}

// SendEmail emails each waiting message to a person who has an email address, a claimed batch
// at a time, and records the result: sent, or tried again later with a growing wait (2, 4, 8
// ... minutes). It returns how many were sent.
func (o Outbox) SendEmail(ctx context.Context) (int, error) {
	sent := 0
	holder := jobs.Holder()
	for {
		due, err := o.claimEmail(ctx, holder, o.Now().UTC())
		if err != nil || len(due) == 0 {
			return sent, err
		}
		for _, m := range due {
			now := o.Now().UTC()
			mine, err := o.renewClaim(ctx, emailChannel, m.id, holder, now)
			if err != nil {
				return sent, err
			}
			if !mine {
				continue
			}
			body := m.body
			if m.link != "" {
				body += "\n\n" + strings.TrimRight(o.BaseURL, "/") + m.link
			}
			body += "\n\nYou can read all your messages when you sign in to Roundtable.\n"
			// A send must finish well inside the lease, or another server could take the
			// message over while this one is still sending it.
			sendCtx, cancel := context.WithTimeout(ctx, o.lease()/2)
			err = o.Mailer.Send(sendCtx, mail.Email{To: m.to, Subject: m.subject, Body: body, Reference: messageReference(m.id)})
			cancel()
			if ctx.Err() != nil {
				return sent, ctx.Err()
			}
			if err == nil {
				_, err = o.DB.Write.ExecContext(ctx, `UPDATE panel_messages SET emailed_at = $1, email_error = '', email_claimed_until = NULL WHERE id = $2`, now, m.id)
				if err != nil {
					return sent, err
				}
				sent++
				continue
			}
			// GOV.UK Notify says when a refusal would happen again (an address it will not
			// take): then the outbox gives up at once. Any other failure is tried again.
			if ae, ok := errors.AsType[*govuknotify.APIError](err); ok && !govuknotify.Retryable(err) {
				o.Log.Warn("email not sent; giving up", "message", m.id, "err", err)
				if _, err := o.DB.Write.ExecContext(ctx, `UPDATE panel_messages SET email_attempts = $1, email_error = $2, email_claimed_until = NULL WHERE id = $3`,
					emailTries, ae.Message(), m.id); err != nil {
					return sent, err
				}
				continue
			}
			if err := o.retryLater(ctx, emailChannel, m.id, m.attempts, err, now); err != nil {
				return sent, err
			}
		}
	}
}

// RemindOverdue tells the addressee of each recommendation whose answer has just become
// overdue, and the panel's facilitators, once. It returns how many recommendations it
// reminded about.
func (o Outbox) RemindOverdue(ctx context.Context) (int, error) {
	now := o.Now().UTC()
	type overdue struct {
		id, panelID int64
		title, gss  string
	}
	late, err := db.Collect(ctx, o.DB.Read, func(s db.Scanner) (overdue, error) {
		var r overdue
		return r, s.Scan(&r.id, &r.panelID, &r.title, &r.gss)
	}, `SELECT id, panel_id, title, council_gss FROM recommendations
		WHERE status = $1 AND due_at < $2 AND overdue_reminded_at IS NULL ORDER BY id LIMIT 200`, StatusAwaiting, now)
	if err != nil {
		return 0, fmt.Errorf("find overdue answers: %w", err)
	}
	for _, r := range late {
		err := o.DB.Tx(ctx, func(tx *sql.Tx) error {
			// Claim the reminder first, so two servers never both send it.
			res, err := tx.ExecContext(ctx, `UPDATE recommendations SET overdue_reminded_at = $1 WHERE id = $2 AND overdue_reminded_at IS NULL`, now, r.id)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return nil
			}
			to, err := addresseePeople(ctx, tx, r.gss)
			if err != nil {
				return err
			}
			link := fmt.Sprintf("/recommendations/%d", r.id)
			if _, err := notify(ctx, tx, 0, to, "Answer overdue: "+r.title,
				"The panel's recommendation is waiting for your answer, which is now overdue. Please answer it, with your reasons.", link, now); err != nil {
				return err
			}
			facilitators, err := panelPeople(ctx, tx, r.panelID, auth.Facilitator)
			if err != nil {
				return err
			}
			_, err = notify(ctx, tx, r.panelID, facilitators, "No answer yet: "+r.title,
				"The answer to your panel's recommendation is overdue. The addressee has been reminded, and the public register shows it as overdue.", link, now)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("remind about recommendation %d: %w", r.id, err)
		}
	}
	return len(late), nil
}

// MarkRead marks every message to the person read.
func MarkRead(ctx context.Context, d *db.DB, personID int64, now time.Time) error {
	_, err := d.Write.ExecContext(ctx, `UPDATE panel_messages SET read_at = $1 WHERE person_id = $2 AND read_at IS NULL`, utc(now), personID)
	return err
}

// Unread counts the person's unread messages.
func Unread(ctx context.Context, d *db.DB, personID int64) (int, error) {
	var n int
	err := d.Read.QueryRowContext(ctx, `SELECT count(*) FROM panel_messages WHERE person_id = $1 AND read_at IS NULL`, personID).Scan(&n)
	return n, err
}

func (h *Handlers) markRead(w http.ResponseWriter, r *http.Request, _ *web.Renderer) error {
	if err := MarkRead(r.Context(), h.db, auth.From(r.Context()).PersonID, h.opt.Now()); err != nil {
		return err
	}
	web.SetFlash(w, "Your messages are marked as read.")
	return web.Redirect(w, r, "/panels/messages")
}
