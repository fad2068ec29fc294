// Package notify sends email. Messages are kept in each capability's outbox first, in the
// same transaction as what they tell of, and a background job hands them to a Mailer after
// the commit, so a message is never lost to a mail server that is down, and never sent for a
// change that was rolled back.
//
// Without an SMTP server configured the Log mailer writes each email to the log instead, so
// the demo and a development server work with nothing set up.
package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/smtp"
	"strings"
	"time"
)

// Email is one message to one address, in plain text. Reference is the sender's own id for
// it, with no personal data: GOV.UK Notify returns it in delivery receipts; SMTP ignores it.
type Email struct {
	To        string
	Subject   string
	Body      string
	Reference string
}

// Mailer sends an email or says why it could not.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// Log is the mailer used when no SMTP server is set up: it writes the email to the log.
type Log struct{ Logger *slog.Logger }

// Send writes the email's address and subject to the log.
func (l Log) Send(_ context.Context, e Email) error {
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	lg.Info("email not sent: no SMTP server is set up", "to", e.To, "subject", e.Subject)
	return nil
}

// SMTP sends through a mail server. Addr is host:port; From is the sender's address. With a
// Username, it signs in with PLAIN authentication, which net/smtp allows only over TLS or to
// localhost. STARTTLS is used whenever the server offers it.
type SMTP struct {
	Addr     string
	From     string
	Username string
	Password string
	// Timeout bounds one whole delivery; 30 seconds when zero.
	Timeout time.Duration
}

// Send delivers one email.
func (s SMTP) Send(ctx context.Context, e Email) error {
	if err := checkHeader(e.To); err != nil {
		return err
	}
	if err := checkHeader(s.From); err != nil {
		return err
	}
	timeout := s.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("connect to the mail server: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("greet the mail server: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("start TLS: %w", err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password, host)); err != nil {
			return fmt.Errorf("sign in to the mail server: %w", err)
		}
	}
	if err := c.Mail(s.From); err != nil {
		return fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(e.To); err != nil {
		return fmt.Errorf("RCPT TO: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(Message(s.From, e, time.Now())); err != nil {
		return fmt.Errorf("write the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end the message: %w", err)
	}
	// The server has accepted the message: a failed goodbye must not make the outbox send it
	// again.
	_ = c.Quit()
	return nil
}

// checkHeader refuses a value that would let someone add headers of their own.
func checkHeader(v string) error {
	if v == "" || strings.ContainsAny(v, "\r\n") {
		return errors.New("an email address is empty or holds a line break")
	}
	return nil
}

// Message is the email as handed to the server: headers, with the subject encoded for any
// language, then the body in UTF-8. Lines end in LF: the SMTP client's writer turns them into
// CRLF and escapes a line that starts with a dot.
func Message(from string, e Email, now time.Time) []byte {
	var b strings.Builder
	subject := strings.Join(strings.Fields(e.Subject), " ")
	fmt.Fprintf(&b, "From: %s\nTo: %s\nSubject: %s\nDate: %s\n", from, e.To, mime.QEncoding.Encode("utf-8", subject), now.Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n")
	b.WriteString(strings.ReplaceAll(e.Body, "\r\n", "\n"))
	if !strings.HasSuffix(e.Body, "\n") {
		b.WriteString("\n")
	}
	return []byte(b.String())
}
