package main

import (
	"bytes"
	"flag"
	"log/slog"
	"os"
	"strings"
	"testing"

	"roundtable/internal/app"
	"roundtable/internal/platform/notify"
)

const (
	testService = "26785a09-ab16-4eb0-8407-a37497a57506"
	testSecret  = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	testTmpl    = "f33517ff-2a88-4f6e-b855-c550268ce08a"
)

// Bad Notify settings stop the server before the database is touched, and the errors never
// repeat the key.
func TestNotifySettingsThatStopTheServer(t *testing.T) {
	key := "roundtable-" + testService + "-" + testSecret
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"ROUNDTABLE_NOTIFY_API_KEY": "not-a-key-" + testSecret}, []string{"--notify-sms-template", testTmpl}, "ROUNDTABLE_NOTIFY_API_KEY"},
		{map[string]string{"ROUNDTABLE_NOTIFY_API_KEY": key}, nil, "--notify-sms-template"},
		{map[string]string{"ROUNDTABLE_NOTIFY_API_KEY": key, "ROUNDTABLE_NOTIFY_SMS_TEMPLATE": "welcome"}, nil, "--notify-sms-template"},
		{nil, []string{"--notify-sms-template", testTmpl}, "ROUNDTABLE_NOTIFY_API_KEY is not"},
		{nil, []string{"--notify-email-template", testTmpl}, "ROUNDTABLE_NOTIFY_API_KEY is not"},
		{map[string]string{"ROUNDTABLE_NOTIFY_API_KEY": key}, []string{"--notify-email-template", "x"}, "--notify-email-template"},
		{map[string]string{"ROUNDTABLE_NOTIFY_API_KEY": key}, []string{"--notify-email-template", testTmpl, "--smtp-addr", "localhost:25", "--smtp-from", "a@b.example"}, "choose one"},
		{nil, []string{"--text-cap", "0"}, "--text-cap"},
		{map[string]string{"ROUNDTABLE_TEXT_CAP": "lots"}, nil, "--text-cap"},
	} {
		dir := t.TempDir()
		env := map[string]string{"ROUNDTABLE_DATA": dir}
		for k, v := range tc.env {
			env[k] = v
		}
		_, stderr, err := runCmd(t, env, append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v %v: err = %v, want it to name %s", tc.env, tc.args, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error()+stderr, testSecret) {
			t.Errorf("%v %v: the secret is in the error or the log", tc.env, tc.args)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%v %v: the data folder was touched: %v", tc.env, tc.args, entries)
		}
	}
}

// Good settings give the app a Notify texter and the callback token, and log neither secret.
func TestNotifySettingsLogNoSecret(t *testing.T) {
	var c config
	fs := flag.NewFlagSet("roundtable serve", flag.ContinueOnError)
	env := map[string]string{"ROUNDTABLE_NOTIFY_API_KEY": "roundtable-" + testService + "-" + testSecret,
		"ROUNDTABLE_NOTIFY_CALLBACK_TOKEN": "callback-token-kept-secret", "ROUNDTABLE_NOTIFY_SMS_TEMPLATE": testTmpl}
	c.flags(fs, func(k string) string { return env[k] }, true)
	if err := fs.Parse([]string{"--notify-base-url", "http://127.0.0.1:1"}); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	var cfg app.Config
	if err := c.texts(&cfg, slog.New(slog.NewJSONHandler(&logs, nil))); err != nil {
		t.Fatal(err)
	}
	tx, ok := cfg.Texter.(notify.NotifyTexter)
	if !ok || tx.TemplateID != testTmpl || tx.Client.BaseURL != "http://127.0.0.1:1" || tx.Client.ServiceID() != testService {
		t.Errorf("texter: %#v", cfg.Texter)
	}
	if cfg.NotifyCallbackToken != "callback-token-kept-secret" || cfg.TextCap != 6 {
		t.Errorf("token %q, cap %d", cfg.NotifyCallbackToken, cfg.TextCap)
	}
	if cfg.Mailer != nil {
		t.Errorf("without an email template, Notify must not send email: %#v", cfg.Mailer)
	}
	if strings.Contains(logs.String(), testSecret) || strings.Contains(logs.String(), "callback-token-kept-secret") {
		t.Errorf("a secret is in the log: %s", logs.String())
	}
	if !strings.Contains(logs.String(), testService) {
		t.Errorf("the log does not say which Notify service: %s", logs.String())
	}
}

// With an email template, email goes through Notify too.
func TestNotifyEmailSettings(t *testing.T) {
	var c config
	fs := flag.NewFlagSet("roundtable serve", flag.ContinueOnError)
	env := map[string]string{"ROUNDTABLE_NOTIFY_API_KEY": "roundtable-" + testService + "-" + testSecret, "ROUNDTABLE_NOTIFY_EMAIL_TEMPLATE": testTmpl}
	c.flags(fs, func(k string) string { return env[k] }, true)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	var cfg app.Config
	if err := c.texts(&cfg, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if m, ok := cfg.Mailer.(notify.NotifyMailer); !ok || m.TemplateID != testTmpl || cfg.Texter != nil {
		t.Errorf("mailer %#v, texter %#v", cfg.Mailer, cfg.Texter)
	}
}
