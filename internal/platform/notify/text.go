package notify

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"unicode"

	"roundtable/internal/platform/notify/govuknotify"
)

// MaxSegments is the most text messages one text may be sent as: longer ones are cut with
// FitText. People with old phones and little credit pay for, and must piece together, each.
const MaxSegments = 3

// Text is one text message to one UK mobile number, in E.164 (+447...). Reference is the
// sender's own id for it, with no personal data, returned in Notify's delivery receipts.
type Text struct {
	To        string
	Body      string
	Reference string
}

// Texter sends a text message, or says why it could not. It returns the provider's id for the
// message, by which delivery receipts name it; empty when no provider took it (the log).
// An error for which govuknotify.Retryable is true may succeed if tried again later.
type Texter interface {
	SendText(ctx context.Context, t Text) (id string, err error)
}

// LogTexter is the texter used when no text service is set up: it logs that a text was not
// sent, with its reference, but never the number or the words.
type LogTexter struct{ Logger *slog.Logger }

// SendText logs the reference and returns no id.
func (l LogTexter) SendText(_ context.Context, t Text) (string, error) {
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	lg.Info("text not sent: no text message service is set up", "reference", t.Reference, "segments", govuknotify.Segments(t.Body))
	return "", nil
}

// NotifyTexter sends texts through GOV.UK Notify with one template whose whole content is the
// placeholder ((Field)) (Field is "message" when empty), so Roundtable writes the words and
// Notify's template adds nothing that could push a text past MaxSegments.
type NotifyTexter struct {
	Client     *govuknotify.Client
	TemplateID string
	Field      string
}

// SendText hands the text to Notify. A body over MaxSegments is refused here, before it
// costs anything: callers cut it with FitText first.
func (n NotifyTexter) SendText(ctx context.Context, t Text) (string, error) {
	if s := govuknotify.Segments(t.Body); s > MaxSegments {
		return "", errors.New("the text is longer than three text messages; cut it with FitText")
	}
	field := n.Field
	if field == "" {
		field = "message"
	}
	sent, err := n.Client.SendSMS(ctx, govuknotify.SMS{PhoneNumber: t.To, TemplateID: n.TemplateID,
		Personalisation: map[string]string{field: t.Body}, Reference: t.Reference})
	if err != nil {
		return "", err
	}
	return sent.ID, nil
}

// FitText returns body when it fits in MaxSegments text messages. Otherwise it cuts body at
// the last whole word that leaves room, and ends it with "..." and more (such as "Read it
// all: https://..."), so the person knows where the rest is. more must itself fit.
func FitText(body, more string) string {
	if govuknotify.Segments(body) <= MaxSegments {
		return body
	}
	tail := "... " + more
	runes := []rune(body)
	// Find the longest prefix that fits, by halving: Segments grows with length.
	lo, hi := 0, len(runes)
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if govuknotify.Segments(string(runes[:mid])+tail) <= MaxSegments {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	cut := string(runes[:lo])
	// Back to a word boundary, so no word is left half-written, unless one word is most of
	// the text (a long address, say): then it is cut.
	if lo < len(runes) && !unicode.IsSpace(runes[lo]) {
		if i := strings.LastIndexFunc(cut, unicode.IsSpace); i > len(cut)/2 {
			cut = cut[:i]
		}
	}
	return strings.TrimRightFunc(cut, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsPunct(r) }) + tail
}

// NotifyMailer sends email through GOV.UK Notify with one template whose subject is
// ((subject)) and whose content is ((body)), so Roundtable writes the words.
type NotifyMailer struct {
	Client     *govuknotify.Client
	TemplateID string
}

// Send hands the email to Notify. A refusal Notify says would happen again is an
// *govuknotify.APIError for which govuknotify.Retryable is false.
func (n NotifyMailer) Send(ctx context.Context, e Email) error {
	_, err := n.Client.SendEmail(ctx, govuknotify.Email{EmailAddress: e.To, TemplateID: n.TemplateID,
		Personalisation: map[string]string{"subject": e.Subject, "body": e.Body}, Reference: e.Reference})
	return err
}
