// Package app wires the capabilities into one HTTP handler and one list of migrations. It is
// the only package that knows them all; cmd/roundtable and the end-to-end tests use it.
package app

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/api"
	"roundtable/internal/consent"
	"roundtable/internal/directory"
	"roundtable/internal/evaluation"
	"roundtable/internal/funding"
	"roundtable/internal/insight"
	"roundtable/internal/panels"
	"roundtable/internal/payments"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/jobs"
	"roundtable/internal/platform/notify"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/personaldata"
	"roundtable/internal/platform/totals"
	"roundtable/internal/platform/web"
	"roundtable/internal/privacy"
	"roundtable/internal/site"
	"roundtable/internal/staffsignin"
	"roundtable/internal/standards"
)

// Migrations lists every migration in the order they run: a capability's tables come after
// the tables they refer to.
func Migrations() []db.Migration {
	var all []db.Migration
	for _, ms := range [][]db.Migration{audit.Migrations, jobs.Migrations, directory.Migrations, accounts.Migrations,
		funding.Migrations, consent.Migrations, panels.Migrations, insight.Migrations,
		standards.Migrations, payments.Migrations, evaluation.Migrations, privacy.Migrations, api.Migrations,
		staffsignin.Migrations} {
		all = append(all, ms...)
	}
	// Last, once every table they put triggers on exists.
	for i, kinds := range dataVersions {
		all = append(all, pagecache.Migration(i+1, "data versions for the page cache", kinds))
	}
	return append(all, pagecache.ListenMigration)
}

// Totals lists every capability's running totals (platform/totals), for `roundtable figures
// verify` and `rebuild`, and for the demo loader after a bulk load.
func Totals() []totals.Totals {
	return []totals.Totals{funding.FeedbackTotals, funding.ProgrammeSaidTotals, funding.ProgrammePeopleTotals, funding.ProgrammeScores,
		funding.ProgrammeBidTotals, funding.ReportBidTotals, funding.ReportTypeTotals, payments.PaymentTotals, payments.PanelTotals, payments.ProgrammeTotals, payments.SeatTotals,
		evaluation.LevelTotals}
}

// VerifyTotals counts every running total from scratch and lists each that differs from what
// is kept; none means they are all right. It checks each paid claim's days to payment first,
// as payments' totals add them up.
func VerifyTotals(ctx context.Context, d *db.DB) ([]string, error) {
	out, err := payments.VerifyDaysToPay(ctx, d)
	if err != nil {
		return nil, err
	}
	for _, t := range Totals() {
		diffs, err := t.Verify(ctx, d)
		if err != nil {
			return nil, err
		}
		for _, x := range diffs {
			out = append(out, t.Name+": "+x)
		}
	}
	return out, nil
}

// RebuildTotals writes every running total afresh, in one transaction, after each paid
// claim's days to payment, which payments' totals add up.
func RebuildTotals(ctx context.Context, d *db.DB) error {
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if err := payments.WriteDaysToPay(ctx, tx); err != nil {
			return err
		}
		for _, t := range Totals() {
			if err := t.Rebuild(ctx, tx, d.Dialect); err != nil {
				return err
			}
		}
		return nil
	})
}

// PersonalData lists every capability's personal data, for "Download my data", "Delete my
// account" and the retention job. A capability with tables that refer to people adds its
// source here; internal/privacy's tests fail while a column referring to people is unclaimed.
func PersonalData() []personaldata.Source {
	return []personaldata.Source{accounts.PersonalData{}, panels.PersonalData{}, funding.PersonalData{}, consent.PersonalData{},
		standards.PersonalData{}, payments.PersonalData{}, evaluation.PersonalData{}, staffsignin.PersonalData{}}
}

// Config is what the handler needs beyond the database.
type Config struct {
	// BaseURL is where people reach the site, such as https://roundtable.example; an https
	// base URL marks cookies Secure and turns on HSTS.
	BaseURL string
	Log     *slog.Logger
	// Demo lists demo sign-ins for the start page; nil outside the demo.
	Demo func() []site.DemoAccount
	// Now is the clock, replaceable in tests.
	Now func() time.Time
	// MaxInFlight caps the requests served at once; more wait briefly, then get a 503.
	MaxInFlight int
	// Mailer sends the outbox's email; without one, emails are written to the log.
	Mailer notify.Mailer
	// Texter sends texts to people who chose them (GOV.UK Notify); without one, texts are
	// logged, never with the number or the words.
	Texter notify.Texter
	// TextCap is how many texts one person is sent in any 24 hours (6 when zero).
	TextCap int
	// NotifyCallbackToken is the bearer token GOV.UK Notify sends with delivery receipts to
	// /notify/receipts; empty refuses them all.
	NotifyCallbackToken string
	// StaffSignIn lists the OpenID Connect providers staff may sign in with (staffsignin).
	StaffSignIn []staffsignin.Provider
	// TrustedProxies are the reverse proxies whose X-Forwarded-For, Forwarded and
	// X-Forwarded-Proto headers are believed; with none, every such header is ignored.
	TrustedProxies web.TrustedProxies
	// OutboxPoll is how often the outbox looks for work another server queued (a minute when
	// zero); OutboxLease how long a server may hold messages it claimed before another takes
	// them over (two minutes when zero).
	OutboxPoll, OutboxLease time.Duration
	// NoPageCache renders every page for every request: for benchmarks that measure rendering.
	NoPageCache bool
}

// App is the assembled web application.
type App struct {
	Handler  http.Handler
	Router   *web.Router
	Accounts *accounts.Service
	// Background runs the jobs a server runs beside its pages until ctx ends: the outbox
	// (email and overdue reminders) and the hourly retention job.
	Background func(ctx context.Context)
	// Drain makes /readyz answer 503, so a proxy stops sending new requests before the server
	// stops (after SIGTERM, during a rolling upgrade).
	Drain func()
}

// New builds the application on an open, migrated database.
func New(d *db.DB, cfg Config) (*App, error) {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 128
	}
	assets, err := web.LoadAssets()
	if err != nil {
		return nil, err
	}
	secure := len(cfg.BaseURL) >= 8 && cfg.BaseURL[:8] == "https://"
	staff := staffsignin.New(d, staffsignin.Options{Providers: cfg.StaffSignIn, BaseURL: cfg.BaseURL, SecureCookies: secure, Now: cfg.Now, Log: cfg.Log})
	// The configured texter only (nil without one): a sign-in code written to the log would
	// reach nobody, so facilitators are told to use paper instead.
	acc := accounts.New(d, accounts.Options{SecureCookies: secure, Now: cfg.Now, Log: cfg.Log,
		PasswordRefused: staff.PasswordRefused, SignOutAt: staff.SignOutAt, Texter: cfg.Texter})
	dir := directory.New(d)
	capOpt := struct {
		Now func() time.Time
		Log *slog.Logger
	}{cfg.Now, cfg.Log}
	// Attendance at a bid's activity or a panel's meeting owes people for their time.
	fund := funding.New(d, funding.Options{Now: cfg.Now, Log: cfg.Log, OnAttendance: payments.ActivityAttended(d.Dialect)})
	pan := panels.New(d, panels.Options{Now: cfg.Now, Log: cfg.Log, OnAttendance: payments.MeetingAttended(d.Dialect),
		NotifyCallbackToken: cfg.NotifyCallbackToken})
	ins := insight.New(d, insight.Options(capOpt))
	std := standards.New(d, standards.Options(capOpt))
	pay := payments.New(d, payments.Options{Now: cfg.Now, Log: cfg.Log})
	eva := evaluation.New(d, evaluation.Options(capOpt))
	apiH := api.New(d, api.Options{Now: cfg.Now, Log: cfg.Log, SecureCookies: secure})
	priv := privacy.New(d, privacy.Options{Now: cfg.Now, Log: cfg.Log, Sources: PersonalData(), SecureCookies: secure})

	render, err := web.NewRenderer(assets, navigation, cfg.Log,
		site.Templates, directory.Templates, accounts.Templates,
		funding.Templates, panels.Templates, insight.Templates,
		standards.Templates, payments.Templates, evaluation.Templates, privacy.Templates, api.Templates, staffsignin.Templates)
	if err != nil {
		return nil, err
	}
	rt := web.NewRouter(render, cfg.Log)
	// Without the cache no page is registered with it and its middleware is left out.
	cachePages := func(next http.Handler) http.Handler { return next }
	listen := func(context.Context) {}
	if !cfg.NoPageCache {
		pages := pagecache.New(d, pagecache.Options{Now: cfg.Now, Log: cfg.Log, Kinds: DataKinds()})
		rt.UseCache(pages)
		cachePages, listen = pages.Middleware, pages.Listen
	}
	rt.HandleRaw("GET /static/", web.Public, assets)
	rt.HandleRaw("GET /healthz", web.Public, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	}))
	var draining atomic.Bool
	rt.HandleRaw("GET /readyz", web.Public, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if draining.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "draining: this server is stopping")
			return
		}
		if err := d.Ping(ctx); err != nil {
			cfg.Log.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "database unavailable")
			return
		}
		fmt.Fprintln(w, "ready")
	}))
	(&site.Handlers{Demo: cfg.Demo}).Register(rt)
	dir.Register(rt)
	acc.Register(rt)
	fund.Register(rt)
	pan.Register(rt)
	ins.Register(rt)
	std.Register(rt)
	pay.Register(rt)
	eva.Register(rt)
	priv.Register(rt)
	apiH.Register(rt)
	staff.Register(rt)

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt.Error(w, r, errForbiddenCrossOrigin)
	}))
	h := web.Chain(rt,
		web.ClientAddresses(cfg.TrustedProxies),
		web.LogRequests(cfg.Log, func(w http.ResponseWriter, r *http.Request, ref string) {
			http.Error(w, "Sorry, there is a problem with the service. Reference: "+ref, http.StatusInternalServerError)
		}),
		web.SecurityHeaders(secure),
		web.Shed(cfg.MaxInFlight, 250*time.Millisecond),
		cachePages,
		web.Compress,
		web.LimitBody(1<<20, payments.MaxUpload),
		cop.Handler,
		acc.Middleware,
		staff.Middleware,
	)
	if cfg.Mailer == nil {
		cfg.Mailer = notify.Log{Logger: cfg.Log}
	}
	if cfg.Texter == nil {
		cfg.Texter = notify.LogTexter{Logger: cfg.Log}
	}
	outbox := panels.Outbox{DB: d, Mailer: cfg.Mailer, Texter: cfg.Texter, TextCap: cfg.TextCap, BaseURL: cfg.BaseURL,
		Now: cfg.Now, Log: cfg.Log, Poll: cfg.OutboxPoll, Lease: cfg.OutboxLease}
	background := func(ctx context.Context) {
		go outbox.Run(ctx)
		go listen(ctx)
		privacy.RetentionEvery(ctx, d, PersonalData(), time.Hour, cfg.Now, cfg.Log, jobs.Holder())
	}
	return &App{Handler: h, Router: rt, Accounts: acc, Background: background, Drain: func() { draining.Store(true) }}, nil
}

// navigation is the service navigation: what anyone may look at, then each capability's entry
// point for the roles that use it. Messages and the organisations list are reached from the
// account page and the start page, to keep the bar short on a phone.
func navigation(id *auth.Identity) []web.NavItem {
	items := []web.NavItem{
		{Text: "Councils", Href: "/councils"},
		{Text: "Panels", Href: "/panels"},
		{Text: "Recommendations", Href: "/recommendations"},
		{Text: "Standards", Href: "/standards"},
		{Text: "Paid roles", Href: "/opportunities"},
		{Text: "Data", Href: "/data"},
	}
	if id == nil {
		return items
	}
	items = append(items, web.NavItem{Text: "Funding", Href: "/funding"},
		web.NavItem{Text: "Evaluation", Href: "/evaluation"})
	if id.HasAny(auth.Member, auth.Facilitator, auth.CouncilOfficer, auth.Finance) {
		items = append(items, web.NavItem{Text: "Payments", Href: "/payments"})
	}
	if id.HasAny(auth.CouncilOfficer, auth.Funder) {
		items = append(items, web.NavItem{Text: "To answer", Href: "/recommendations/to-answer"})
	}
	if id.HasAny(auth.Admin, auth.Facilitator) {
		items = append(items, web.NavItem{Text: "People", Href: "/people"})
	}
	if id.HasAny(auth.Funder, auth.Admin) {
		items = append(items, web.NavItem{Text: "At the table", Href: "/payments/table"},
			web.NavItem{Text: "Audit", Href: "/audit"})
	}
	return append(items, web.NavItem{Text: "Your account", Href: "/account"})
}
