// Command roundtable serves Roundtable and looks after its database.
//
//	roundtable [serve]                 serve the web application (the default)
//	roundtable migrate                 bring the database schema up to date
//	roundtable import authorities FILE import the UK local authority register (mySociety CSV)
//	roundtable import rough-sleeping FILE
//	                                   import the DLUHC rough sleeping snapshot (long or wide CSV)
//	roundtable demo [--scale national] fill an empty database with demo data, or the national-scale dataset
//	roundtable backup FILE             write a consistent copy of the SQLite database
//	roundtable retention               delete personal data past its retention period
//	roundtable version                 print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/demo"
	"roundtable/internal/directory"
	"roundtable/internal/insight"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/notify"
	"roundtable/internal/platform/notify/govuknotify"
	"roundtable/internal/platform/personaldata"
	"roundtable/internal/platform/web"
	"roundtable/internal/staffsignin"
)

// version is set at build time (make build).
var version = "dev"

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "roundtable:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

// config is the shared configuration: flags, with environment variables as defaults.
type config struct {
	addr        string
	dataDir     string
	databaseURL string
	baseURL     string
	logFormat   string
	demo        bool
	smtp        notify.SMTP
	// GOV.UK Notify for texts: the API key and callback token only from the environment.
	notifyKey, notifyTemplate, notifyEmailTemplate, notifyBaseURL, notifyCallbackToken string
	textCap                                                                            int
	// Several servers behind a proxy.
	trustedProxies string
	outboxPoll     time.Duration
	outboxLease    time.Duration
	drain          time.Duration
}

func (c *config) flags(fs *flag.FlagSet, getenv func(string) string, withServe bool) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs.StringVar(&c.dataDir, "data", env("ROUNDTABLE_DATA", "./data"), "data directory for the embedded SQLite database (env ROUNDTABLE_DATA)")
	fs.StringVar(&c.databaseURL, "database-url", env("DATABASE_URL", ""), "postgres://... to use PostgreSQL instead of SQLite (env DATABASE_URL)")
	fs.StringVar(&c.logFormat, "log-format", env("ROUNDTABLE_LOG_FORMAT", "text"), "log format: text or json (env ROUNDTABLE_LOG_FORMAT)")
	if withServe {
		fs.StringVar(&c.addr, "addr", env("ROUNDTABLE_ADDR", "localhost:8080"), "address to listen on (env ROUNDTABLE_ADDR)")
		fs.StringVar(&c.baseURL, "base-url", env("ROUNDTABLE_BASE_URL", ""), "public address, such as https://roundtable.example; https makes cookies Secure (env ROUNDTABLE_BASE_URL)")
		fs.BoolVar(&c.demo, "demo", env("ROUNDTABLE_DEMO", "") != "", "show the demo accounts on the start page and in the log (env ROUNDTABLE_DEMO)")
		fs.StringVar(&c.smtp.Addr, "smtp-addr", env("ROUNDTABLE_SMTP_ADDR", ""), "mail server host:port for email; without it, emails are written to the log (env ROUNDTABLE_SMTP_ADDR)")
		fs.StringVar(&c.smtp.From, "smtp-from", env("ROUNDTABLE_SMTP_FROM", ""), "the address emails come from (env ROUNDTABLE_SMTP_FROM)")
		fs.StringVar(&c.smtp.Username, "smtp-user", env("ROUNDTABLE_SMTP_USER", ""), "user name for the mail server, if it needs one (env ROUNDTABLE_SMTP_USER; the password only from ROUNDTABLE_SMTP_PASSWORD)")
		c.smtp.Password = getenv("ROUNDTABLE_SMTP_PASSWORD")
		c.notifyKey = getenv("ROUNDTABLE_NOTIFY_API_KEY")
		c.notifyCallbackToken = getenv("ROUNDTABLE_NOTIFY_CALLBACK_TOKEN")
		fs.StringVar(&c.notifyTemplate, "notify-sms-template", env("ROUNDTABLE_NOTIFY_SMS_TEMPLATE", ""), "GOV.UK Notify text message template id, a template whose content is ((message)); texts need it with the API key from ROUNDTABLE_NOTIFY_API_KEY (env ROUNDTABLE_NOTIFY_SMS_TEMPLATE)")
		fs.StringVar(&c.notifyEmailTemplate, "notify-email-template", env("ROUNDTABLE_NOTIFY_EMAIL_TEMPLATE", ""), "GOV.UK Notify email template id, a template whose subject is ((subject)) and content ((body)); with it, email goes through Notify instead of SMTP (env ROUNDTABLE_NOTIFY_EMAIL_TEMPLATE)")
		fs.StringVar(&c.notifyBaseURL, "notify-base-url", env("ROUNDTABLE_NOTIFY_BASE_URL", govuknotify.DefaultBaseURL), "GOV.UK Notify's API address; change it only for tests (env ROUNDTABLE_NOTIFY_BASE_URL)")
		fs.IntVar(&c.textCap, "text-cap", envInt(env("ROUNDTABLE_TEXT_CAP", "6")), "most texts one person is sent in any 24 hours; more wait (env ROUNDTABLE_TEXT_CAP)")
		fs.StringVar(&c.trustedProxies, "trusted-proxies", env("ROUNDTABLE_TRUSTED_PROXIES", ""), "reverse proxies whose X-Forwarded-For, Forwarded and X-Forwarded-Proto are believed: CIDRs or addresses, comma-separated, such as 127.0.0.1/32; none by default (env ROUNDTABLE_TRUSTED_PROXIES)")
		durationVar(fs, &c.outboxPoll, "outbox-poll", env("ROUNDTABLE_OUTBOX_POLL", "1m"), "how often the outbox looks for messages another server queued (env ROUNDTABLE_OUTBOX_POLL)")
		durationVar(fs, &c.outboxLease, "outbox-lease", env("ROUNDTABLE_OUTBOX_LEASE", "2m"), "how long a server's claim on messages holds before another server may send them (env ROUNDTABLE_OUTBOX_LEASE)")
		durationVar(fs, &c.drain, "drain", env("ROUNDTABLE_DRAIN", "0s"), "after SIGTERM, how long /readyz answers 503 while requests are still served, so the proxy stops sending here first; 5s behind a load balancer (env ROUNDTABLE_DRAIN)")
	}
}

// envInt reads a whole number from the environment's default; one that is not becomes -1,
// refused in texts.
func envInt(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return -1
	}
	return n
}

// texts sets up GOV.UK Notify, for texts and, with its own template, email, when an API key
// is given. The key and the callback token are never logged: the client logs its key's name
// and service only.
func (c *config) texts(cfg *app.Config, log *slog.Logger) error {
	if c.textCap < 1 {
		return errors.New("--text-cap (ROUNDTABLE_TEXT_CAP) must be a whole number above zero, such as 6")
	}
	cfg.TextCap = c.textCap
	cfg.NotifyCallbackToken = c.notifyCallbackToken
	if c.notifyKey == "" {
		if c.notifyTemplate != "" || c.notifyEmailTemplate != "" {
			return errors.New("a GOV.UK Notify template is set but ROUNDTABLE_NOTIFY_API_KEY is not: set the key too")
		}
		log.Info("texts are not set up: texts are written to the log, without the number or the words")
		return nil
	}
	client, err := govuknotify.New(c.notifyKey)
	if err != nil {
		return fmt.Errorf("ROUNDTABLE_NOTIFY_API_KEY: %w", err)
	}
	client.BaseURL = c.notifyBaseURL
	if c.notifyTemplate == "" && c.notifyEmailTemplate == "" {
		return errors.New("--notify-sms-template (ROUNDTABLE_NOTIFY_SMS_TEMPLATE) or --notify-email-template is needed with ROUNDTABLE_NOTIFY_API_KEY")
	}
	for _, t := range []struct{ flag, id string }{{"--notify-sms-template (ROUNDTABLE_NOTIFY_SMS_TEMPLATE)", c.notifyTemplate},
		{"--notify-email-template (ROUNDTABLE_NOTIFY_EMAIL_TEMPLATE)", c.notifyEmailTemplate}} {
		if t.id != "" && !govuknotify.IsUUID(t.id) {
			return fmt.Errorf("%s must be the id of a GOV.UK Notify template, like 8b1e3f4a-...", t.flag)
		}
	}
	if c.notifyTemplate != "" {
		cfg.Texter = notify.NotifyTexter{Client: client, TemplateID: c.notifyTemplate}
		log.Info("texts go through GOV.UK Notify", "notify", client, "template", c.notifyTemplate, "receipts", c.notifyCallbackToken != "")
	}
	if c.notifyEmailTemplate != "" {
		if c.smtp.Addr != "" {
			return errors.New("--smtp-addr and --notify-email-template are both set: choose one way to send email")
		}
		cfg.Mailer = notify.NotifyMailer{Client: client, TemplateID: c.notifyEmailTemplate}
		log.Info("email goes through GOV.UK Notify", "notify", client, "template", c.notifyEmailTemplate)
	}
	return nil
}

// durationVar is a duration flag whose default may come from the environment; a default that
// is not a duration is reported when the flags are parsed.
func durationVar(fs *flag.FlagSet, p *time.Duration, name, def, usage string) {
	d, err := time.ParseDuration(def)
	if err != nil {
		d = -1 // checked in serve
	}
	fs.DurationVar(p, name, d, usage)
}

func (c *config) logger(w io.Writer) *slog.Logger {
	if c.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// open opens and migrates the database; a database that cannot be opened or migrated stops
// the command with a clear message.
func (c *config) open(ctx context.Context, log *slog.Logger) (*db.DB, error) {
	d, err := db.Open(ctx, db.Options{URL: c.databaseURL, DataDir: c.dataDir})
	if err != nil {
		return nil, err
	}
	n, err := d.Migrate(ctx, app.Migrations())
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("the database could not be brought up to date, so nothing was changed: %w", err)
	}
	where := d.Path
	if d.Dialect == db.Postgres {
		where = "PostgreSQL"
	}
	log.Info("database ready", "dialect", d.Dialect, "at", where, "migrations_applied", n)
	return d, nil
}

var commands = []struct{ name, summary string }{
	{"serve", "serve the web application (the default)"},
	{"migrate", "bring the database schema up to date"},
	{"import", "import reference data: import authorities FILE, import rough-sleeping FILE"},
	{"demo", "fill an empty database with demo data"},
	{"backup", "write a consistent copy of the SQLite database to FILE"},
	{"restore", "put a backup FILE in place as the SQLite database (stop the server first)"},
	{"audit", "check the audit trail: audit verify"},
	{"figures", "check the running totals: figures verify; write them afresh: figures rebuild"},
	{"retention", "delete personal data past its retention period (serve does this hourly)"},
	{"version", "print the version"},
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: roundtable [command] [flags]")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'roundtable COMMAND --help' for a command's flags.")
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		usage(stdout)
		return flag.ErrHelp
	}
	var c config
	fs := flag.NewFlagSet("roundtable "+cmd, flag.ContinueOnError)
	fs.SetOutput(stdout)
	switch cmd {
	case "serve":
		c.flags(fs, getenv, true)
		if err := parse(fs, args, "Serve the web application until SIGTERM or SIGINT; requests in flight finish first."); err != nil {
			return err
		}
		return serve(ctx, &c, stderr)
	case "migrate":
		c.flags(fs, getenv, false)
		plan := fs.Bool("plan", false, "change nothing: list the migrations this version would run, and whether servers of the previous version keep working after each (a rolling upgrade)")
		if err := parse(fs, args, "Bring the database schema up to date. The server also does this when it starts."); err != nil {
			return err
		}
		if *plan {
			return migrationPlan(ctx, &c, stdout)
		}
		log := c.logger(stderr)
		d, err := c.open(ctx, log)
		if err != nil {
			return err
		}
		defer d.Close()
		fmt.Fprintln(stdout, "The database is up to date.")
		return nil
	case "import":
		c.flags(fs, getenv, false)
		strict := fs.Bool("strict", true, "rough-sleeping: refuse a file with any problem; --strict=false imports it without the figures at fault and lists each problem")
		if err := parse(fs, args, "Import reference data.\n\n"+
			"  roundtable import authorities FILE     the UK local authority register, mySociety's CSV format\n"+
			"  roundtable import rough-sleeping FILE  the DLUHC Annual Rough Sleeping Snapshot, long (csvcubed) or wide (published table) CSV;\n"+
			"                                         import the authorities first, so that old council codes map to today's councils"); err != nil {
			return err
		}
		rest := fs.Args()
		if len(rest) == 2 && rest[0] == "authorities" {
			return importAuthorities(ctx, &c, rest[1], stdout, stderr)
		}
		if len(rest) == 2 && rest[0] == "rough-sleeping" {
			return importRoughSleeping(ctx, &c, rest[1], *strict, stdout, stderr)
		}
		return usageError{"usage: roundtable import authorities FILE, or roundtable import rough-sleeping FILE [--strict=false]"}
	case "demo":
		c.flags(fs, getenv, false)
		var authorities string
		fs.StringVar(&authorities, "authorities", "../shared/data/uk_local_authorities.csv", "the UK local authority register to import first")
		scale := fs.String("scale", "demo", "demo: the demo data; national: the demo, then every council at work for years (5,000 members, 20,000 bids, 1,000,000 contributions)")
		factor := fs.Float64("factor", 1, "with --scale national: a fraction of the national sizes, such as 0.1")
		if err := parse(fs, args, "Fill an empty database with demo data: the council register, partner organisations and one account for each role. A database that already has data is left alone."); err != nil {
			return err
		}
		if *scale != "demo" && *scale != "national" {
			return usageError{"--scale must be demo or national"}
		}
		log := c.logger(stderr)
		d, err := c.open(ctx, log)
		if err != nil {
			return err
		}
		defer d.Close()
		if *scale == "national" {
			return demo.RunNational(ctx, d, demo.NationalOptions{Options: demo.Options{AuthoritiesFile: authorities},
				Sizes: demo.National.Scaled(*factor), Seed: 1, Progress: stdout})
		}
		loaded, err := demo.Load(ctx, d, demo.Options{AuthoritiesFile: authorities})
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if !loaded {
			fmt.Fprintln(stdout, "The database already has data, so the demo data was not loaded again.")
			return nil
		}
		fmt.Fprintln(stdout, "Demo data loaded. Sign in with any of these accounts:")
		for _, a := range demo.Accounts() {
			fmt.Fprintf(stdout, "  %-30s %-34s %s\n", a.Role, a.Login, a.Password)
		}
		return nil
	case "backup":
		c.flags(fs, getenv, false)
		if err := parse(fs, args, "Write a consistent copy of the SQLite database to FILE while the server runs.\n\n  roundtable backup FILE"); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usageError{"usage: roundtable backup FILE"}
		}
		d, err := db.Open(ctx, db.Options{URL: c.databaseURL, DataDir: c.dataDir})
		if err != nil {
			return err
		}
		defer d.Close()
		if err := d.Backup(ctx, fs.Arg(0)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Backed up to %s.\n", fs.Arg(0))
		return nil
	case "restore":
		c.flags(fs, getenv, false)
		if err := parse(fs, args, "Put a backup made by 'roundtable backup' in place as the SQLite database of the data\ndirectory. Stop the server first. The database already there is kept beside it, renamed.\n\n  roundtable restore FILE"); err != nil {
			return err
		}
		if fs.NArg() != 1 {
			return usageError{"usage: roundtable restore FILE"}
		}
		if c.databaseURL != "" {
			return errors.New("restore puts back the embedded SQLite database; for PostgreSQL use pg_restore (see the README)")
		}
		kept, err := db.Restore(ctx, fs.Arg(0), c.dataDir)
		if err != nil {
			return err
		}
		if kept != "" {
			fmt.Fprintf(stdout, "The database that was there is kept as %s.\n", kept)
		}
		d, err := c.open(ctx, c.logger(stderr))
		if err != nil {
			return err
		}
		d.Close()
		fmt.Fprintf(stdout, "Restored from %s.\n", fs.Arg(0))
		return nil
	case "audit":
		c.flags(fs, getenv, false)
		if err := parse(fs, args, "Check the audit trail.\n\n  roundtable audit verify   recompute every record's hash and report any record edited or removed"); err != nil {
			return err
		}
		if fs.NArg() != 1 || fs.Arg(0) != "verify" {
			return usageError{"usage: roundtable audit verify"}
		}
		d, err := c.open(ctx, c.logger(stderr))
		if err != nil {
			return err
		}
		defer d.Close()
		n, problems, err := audit.Verify(ctx, d)
		if err != nil {
			return err
		}
		for _, p := range problems {
			fmt.Fprintln(stdout, p.String())
		}
		if len(problems) > 0 {
			return fmt.Errorf("the audit trail has %d problems in %d records: it was changed outside Roundtable", len(problems), n)
		}
		fmt.Fprintf(stdout, "The audit trail is intact: %d records checked.\n", n)
		return nil
	case "figures":
		c.flags(fs, getenv, false)
		if err := parse(fs, args, "Check or rebuild the running totals the national figures read.\n\n"+
			"  roundtable figures verify    count every total from scratch and name any that differs from what is kept\n"+
			"  roundtable figures rebuild   write every total afresh (after servers of an older version changed data)"); err != nil {
			return err
		}
		if fs.NArg() != 1 || (fs.Arg(0) != "verify" && fs.Arg(0) != "rebuild") {
			return usageError{"usage: roundtable figures verify, or roundtable figures rebuild"}
		}
		d, err := c.open(ctx, c.logger(stderr))
		if err != nil {
			return err
		}
		defer d.Close()
		if fs.Arg(0) == "rebuild" {
			if err := app.RebuildTotals(ctx, d); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "The running totals are written afresh.")
			return nil
		}
		diffs, err := app.VerifyTotals(ctx, d)
		if err != nil {
			return err
		}
		for _, x := range diffs {
			fmt.Fprintln(stdout, x)
		}
		if len(diffs) > 0 {
			return fmt.Errorf("%d running totals differ from a count from scratch: run roundtable figures rebuild, and find the change that missed them", len(diffs))
		}
		fmt.Fprintf(stdout, "The running totals match a count from scratch: %d kinds checked, 0 differences.\n", len(app.Totals()))
		return nil
	case "retention":
		c.flags(fs, getenv, false)
		if err := parse(fs, args, "Delete personal data past its retention period: ended sessions, used or expired sign-in codes,\nold failed sign-ins, and each capability's own rules. The server does this every hour."); err != nil {
			return err
		}
		d, err := c.open(ctx, c.logger(stderr))
		if err != nil {
			return err
		}
		defer d.Close()
		results, err := personaldata.Expire(ctx, d, app.PersonalData(), time.Now())
		for _, r := range results {
			fmt.Fprintf(stdout, "  %-12s %s deleted\n", r.Source, web.FormatNumber(int64(r.Deleted)))
		}
		return err
	case "version":
		if err := parse(fs, args, "Print the version."); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "roundtable", version)
		return nil
	default:
		usage(stderr)
		return usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
}

func parse(fs *flag.FlagSet, args []string, about string) error {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s [flags]\n\n%s\n\nFlags:\n", fs.Name(), about)
		fs.PrintDefaults()
	}
	// Flags may come before or after the positional arguments ("import authorities FILE
	// --data DIR"): parse, keep the next positional, parse the rest, and so on.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			break
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

func importAuthorities(ctx context.Context, c *config, path string, stdout, stderr io.Writer) error {
	log := c.logger(stderr)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	d, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := directory.ImportAuthorities(ctx, d, f)
	if err != nil {
		return fmt.Errorf("%s was not imported, and nothing was changed: %w", path, err)
	}
	fmt.Fprintf(stdout, "Imported %d current councils and %d past councils (%d added, %d updated).\n",
		res.Current, res.Past, res.Added, res.Updated)
	return nil
}

func importRoughSleeping(ctx context.Context, c *config, path string, strict bool, stdout, stderr io.Writer) error {
	log := c.logger(stderr)
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot read %s: %w", path, err)
	}
	defer f.Close()
	d, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer d.Close()
	res, err := insight.ImportRoughSleeping(ctx, d, f, insight.ImportOptions{Strict: strict, Source: filepath.Base(path)})
	var ie *insight.ImportError
	if errors.As(err, &ie) {
		fmt.Fprintf(stderr, "%s was not imported, and nothing was changed:\n", path)
		for _, p := range ie.Problems {
			fmt.Fprintln(stderr, "  "+p.String())
		}
		if strict && len(ie.Problems) > 0 && ie.Problems[0].Line > 0 {
			fmt.Fprintln(stderr, "Correct the file, or import it without the figures at fault with --strict=false.")
		}
		return fmt.Errorf("%s was not imported, and nothing was changed: %w", path, err)
	}
	if err != nil {
		return fmt.Errorf("%s was not imported, and nothing was changed: %w", path, err)
	}
	fmt.Fprintf(stdout, "Imported %s rows (%s shape): figures for England, its regions and %d councils, %d to %d.\n",
		web.FormatNumber(int64(res.DataRows)), res.Shape, res.Councils, res.Years[0], res.Years[len(res.Years)-1])
	for _, m := range res.Merged {
		fmt.Fprintf(stdout, "  %s (%s) counted in %s (%s)\n", m.SourceName, m.SourceCode, m.CouncilName, m.CouncilCode)
	}
	fmt.Fprintln(stdout, "Each year's councils added up, against the England row:")
	for _, y := range res.Checks {
		switch {
		case !y.HasEngland:
			fmt.Fprintf(stdout, "  %d: %s (no England row to check against)\n", y.Year, web.FormatNumber(y.Councils))
		case y.Matches():
			fmt.Fprintf(stdout, "  %d: %s, matches the England row\n", y.Year, web.FormatNumber(y.Councils))
		default:
			fmt.Fprintf(stdout, "  %d: %s, does NOT match the England row (%s)\n", y.Year, web.FormatNumber(y.Councils), web.FormatNumber(y.England))
		}
	}
	if len(res.Problems) > 0 {
		noun := "problems"
		if len(res.Problems) == 1 {
			noun = "problem"
		}
		fmt.Fprintf(stdout, "Imported with %d %s (figures that could not be read were left out; figures that do not add up were kept as published):\n", len(res.Problems), noun)
		for _, p := range res.Problems {
			fmt.Fprintln(stdout, "  "+p.String())
		}
	}
	return nil
}

func serve(ctx context.Context, c *config, stderr io.Writer) error {
	log := c.logger(stderr)
	slog.SetDefault(log)
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	// Settings are checked before the database is touched, so a bad one changes nothing.
	if c.outboxPoll <= 0 || c.outboxLease <= 0 || c.drain < 0 {
		return errors.New("--outbox-poll and --outbox-lease must be durations above zero, and --drain zero or more, such as 1m, 2m and 5s")
	}
	trusted, err := web.ParseTrustedProxies(c.trustedProxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxies (ROUNDTABLE_TRUSTED_PROXIES): %w", err)
	}
	cfg := app.Config{BaseURL: c.baseURL, Log: log,
		OutboxPoll: c.outboxPoll, OutboxLease: c.outboxLease}
	if err := c.texts(&cfg, log); err != nil {
		return err
	}
	d, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer d.Close()
	cfg.TrustedProxies = trusted
	if len(cfg.TrustedProxies) > 0 {
		log.Info("believing forwarded headers from these proxies only", "trusted_proxies", cfg.TrustedProxies.String())
	}
	if cfg.StaffSignIn, err = staffsignin.LoadProviders(os.Getenv); err != nil {
		return err
	}
	if c.smtp.Addr != "" {
		if c.smtp.From == "" {
			return errors.New("--smtp-from (ROUNDTABLE_SMTP_FROM) is needed with --smtp-addr: the address emails come from")
		}
		cfg.Mailer = c.smtp
		log.Info("email goes through the mail server", "addr", c.smtp.Addr, "from", c.smtp.From)
	} else if cfg.Mailer == nil {
		log.Info("email is not set up: messages are kept on people's pages and emails written to the log")
	}
	if c.demo {
		cfg.Demo = demo.Accounts
		for _, a := range demo.Accounts() {
			log.Info("demo account", "role", a.Role, "login", a.Login, "password", a.Password)
		}
	}
	a, err := app.New(d, cfg)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s: %w", c.addr, err)
	}
	url := "http://" + ln.Addr().String()
	if c.baseURL != "" {
		url = c.baseURL
	}
	log.Info("serving Roundtable", "url", url, "listen", ln.Addr().String(), "version", version)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go a.Background(ctx)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if c.drain > 0 {
		// Still serving, but no longer ready: the proxy's health check sees it and sends
		// new requests to the other servers before this one stops listening.
		a.Drain()
		log.Info("draining: /readyz answers 503", "for", c.drain)
		time.Sleep(c.drain)
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// migrationPlan lists the migrations this binary would run, without running them, and says
// whether the upgrade can go one server at a time (every migration only adds) or must stop
// every server first.
func migrationPlan(ctx context.Context, c *config, stdout io.Writer) error {
	d, err := db.Open(ctx, db.Options{URL: c.databaseURL, DataDir: c.dataDir})
	if err != nil {
		return err
	}
	defer d.Close()
	pending, err := d.Pending(ctx, app.Migrations())
	if err != nil {
		return err
	}
	if len(pending) == 0 {
		fmt.Fprintln(stdout, "The database is up to date: this version runs no migrations.")
		return nil
	}
	fmt.Fprintf(stdout, "This version would run %d migrations:\n", len(pending))
	unsafe := 0
	for _, m := range pending {
		ok, why := db.SafeUnderOldCode(m)
		verdict := "only adds: safe while old servers run"
		if !ok {
			unsafe++
			verdict = "NOT safe while old servers run: " + why
		}
		fmt.Fprintf(stdout, "  %s/%d %s: %s\n", m.Component, m.Version, m.Name, verdict)
	}
	if unsafe > 0 {
		fmt.Fprintln(stdout, "Stop every server before starting this version (see docs/deploy.md, \"Upgrades that cannot roll\").")
	} else {
		fmt.Fprintln(stdout, "Every migration only adds: upgrade one server at a time (see docs/deploy.md).")
	}
	return nil
}
