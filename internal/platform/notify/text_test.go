package notify_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"roundtable/internal/platform/notify"
	"roundtable/internal/platform/notify/govuknotify"
)

func TestFitText(t *testing.T) {
	more := "Read it all: https://roundtable.example/panels/messages"
	short := "Roundtable: New meeting: Panel meeting, 1:30pm on 10 June 2026 at Luton Library."
	if got := notify.FitText(short, more); got != short {
		t.Errorf("a short text was changed: %q", got)
	}
	for _, body := range []string{
		"Roundtable: " + strings.Repeat("open the day centre on Sundays ", 30),
		"Roundtable: " + strings.Repeat("Ŵyl Dewi at Caerdydd ", 20), // UCS-2: 67 a part
		"Roundtable: " + strings.Repeat("{braces} cost two ", 40),    // GSM extension characters
		"Roundtable: " + strings.Repeat("x", 1000),                   // no word to cut at
	} {
		got := notify.FitText(body, more)
		if n := govuknotify.Segments(got); n > notify.MaxSegments || n < notify.MaxSegments-1 {
			t.Errorf("cut to %d segments: %q", n, got)
		}
		if !strings.HasSuffix(got, "... "+more) {
			t.Errorf("the cut text does not end with where to read the rest: %q", got)
		}
		kept := strings.TrimSuffix(got, "... "+more)
		if !strings.HasPrefix(body, kept) {
			t.Errorf("the cut text is not the start of the message: %q", kept)
		}
		// Between words (or after punctuation trimmed away), except in one over-long word.
		if rest := strings.TrimLeft(body[len(kept):], ".,:"); !strings.Contains(body, "xxxx") && !strings.HasPrefix(rest, " ") {
			t.Errorf("a word was cut in half: ...%q | %q...", kept[max(0, len(kept)-10):], rest[:10])
		}
	}
}

func TestLogTexterKeepsNumberAndWordsOutOfTheLog(t *testing.T) {
	var buf bytes.Buffer
	id, err := notify.LogTexter{Logger: slog.New(slog.NewTextHandler(&buf, nil))}.SendText(context.Background(),
		notify.Text{To: "+447700900001", Body: "Roundtable: New meeting", Reference: "panel-message-7"})
	if err != nil || id != "" {
		t.Fatalf("SendText = %q, %v", id, err)
	}
	if s := buf.String(); strings.Contains(s, "7700900001") || strings.Contains(s, "New meeting") || !strings.Contains(s, "panel-message-7") {
		t.Errorf("log: %s", s)
	}
}

func TestNotifyTexterRefusesOverThreeSegments(t *testing.T) {
	c, err := govuknotify.New("k-26785a09-ab16-4eb0-8407-a37497a57506-3d844edf-8d35-48ac-975b-e847b4f122b0")
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = "http://127.0.0.1:1" // never reached
	_, err = notify.NotifyTexter{Client: c, TemplateID: "f33517ff-2a88-4f6e-b855-c550268ce08a"}.SendText(context.Background(),
		notify.Text{To: "+447700900001", Body: strings.Repeat("a", 460)})
	if err == nil || !strings.Contains(err.Error(), "three") {
		t.Errorf("err = %v", err)
	}
}
