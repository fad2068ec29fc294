// Package payments pays people with lived experience for their time: organisations' rates,
// claims created from attendance, payment choices that respect benefits, the finance export,
// and the record of who was at the table and whether they were heard.
//
// A claim is made inside the transaction that records attendance at a panel's meeting or a
// council's co-production activity (the app wires MeetingAttended and ActivityAttended into
// panels and funding). The person chooses how to be paid; a facilitator (or, for a council
// that pays, a council officer) of the paying organisation approves; its finance team marks
// it paid. No bank details are kept: the finance export carries a payee reference that the
// organisation's own finance system knows.
package payments

import (
	"context"
	"database/sql"
	"embed"
	"log/slog"
	"net/http"
	"time"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/totals"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the payments pages.
var Templates = web.TemplateSet{Name: "payments", FS: web.Sub(templates, "templates")}

// MaxReceipt is the largest receipt accepted, in bytes.
const MaxReceipt = 5 << 20

// MaxUpload is the body limit for a multipart post: a receipt and the form around it.
const MaxUpload = MaxReceipt + 64<<10

// Migrations create the payments tables.
var Migrations = []db.Migration{{
	Component: "payments", Version: 1, Name: "rates, claims, receipts, preferences and quick questions",
	SQL: `
-- An organisation's rates, in pence. basis 'hour' pays hourly_pence an hour (a meeting with no
-- recorded length counts as session_minutes); 'session' pays session_pence for each meeting or
-- activity. The four caps are the most the organisation covers for each kind of expense on one
-- claim. source says where the rates come from.
CREATE TABLE payment_rates (
	organisation_id BIGINT PRIMARY KEY REFERENCES organisations(id),
	basis TEXT NOT NULL CHECK (basis IN ('hour', 'session')),
	hourly_pence BIGINT NOT NULL CHECK (hourly_pence >= 0),
	session_pence BIGINT NOT NULL CHECK (session_pence >= 0),
	session_minutes INTEGER NOT NULL CHECK (session_minutes > 0),
	travel_pence BIGINT NOT NULL CHECK (travel_pence >= 0),
	food_pence BIGINT NOT NULL CHECK (food_pence >= 0),
	childcare_pence BIGINT NOT NULL CHECK (childcare_pence >= 0),
	other_pence BIGINT NOT NULL CHECK (other_pence >= 0),
	source TEXT NOT NULL DEFAULT '',
	updated_at {{time}} NOT NULL,
	updated_by BIGINT REFERENCES people(id)
);

-- A person's own choices: how they like to be paid, a charity, and the weekly
-- permitted-earnings limit they recorded (NULL for none). No bank details, ever.
CREATE TABLE payment_preferences (
	person_id BIGINT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
	method TEXT NOT NULL DEFAULT '',
	charity TEXT NOT NULL DEFAULT '',
	weekly_limit_pence BIGINT CHECK (weekly_limit_pence >= 0),
	updated_at {{time}} NOT NULL
);

-- A claim for one person's time at one meeting (source 'meeting', a panel meeting) or one
-- activity (source 'activity', a council's co-production activity), paid by organisation_id.
-- time_pence is the time at the rate; taken_pence what the person takes for it. Expenses are
-- kept apart: they are never earnings.
CREATE TABLE payment_claims (
	id {{id}},
	organisation_id BIGINT NOT NULL REFERENCES organisations(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	source TEXT NOT NULL CHECK (source IN ('meeting', 'activity')),
	source_id BIGINT NOT NULL,
	panel_id BIGINT REFERENCES panels(id),
	council_id BIGINT REFERENCES organisations(id),
	title TEXT NOT NULL,
	held_at {{time}} NOT NULL,
	minutes INTEGER NOT NULL CHECK (minutes >= 0),
	time_pence BIGINT NOT NULL CHECK (time_pence >= 0),
	method TEXT NOT NULL DEFAULT '',
	taken_pence BIGINT NOT NULL DEFAULT 0 CHECK (taken_pence >= 0),
	charity TEXT NOT NULL DEFAULT '',
	travel_pence BIGINT NOT NULL DEFAULT 0 CHECK (travel_pence >= 0),
	food_pence BIGINT NOT NULL DEFAULT 0 CHECK (food_pence >= 0),
	childcare_pence BIGINT NOT NULL DEFAULT 0 CHECK (childcare_pence >= 0),
	other_pence BIGINT NOT NULL DEFAULT 0 CHECK (other_pence >= 0),
	expenses_note TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('owed', 'approved', 'paid', 'declined')),
	created_at {{time}} NOT NULL,
	approved_at {{time}},
	approved_by BIGINT REFERENCES people(id),
	paid_on {{time}},
	paid_reference TEXT NOT NULL DEFAULT '',
	paid_by BIGINT REFERENCES people(id),
	UNIQUE (source, source_id, person_id)
);
CREATE INDEX payment_claims_person ON payment_claims(person_id, held_at);
CREATE INDEX payment_claims_organisation ON payment_claims(organisation_id, status, held_at);
CREATE INDEX payment_claims_approved ON payment_claims(status, approved_at);

-- A photo or PDF of a receipt for a claim's expenses, checked by its content.
CREATE TABLE payment_receipts (
	claim_id BIGINT PRIMARY KEY REFERENCES payment_claims(id) ON DELETE CASCADE,
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	data {{bytes}} NOT NULL,
	uploaded_at {{time}} NOT NULL
);

-- Anonymous answers to the two quick questions after a meeting or activity. Who answered is
-- kept apart, without the answer or a time, so that an answer cannot be traced to a person.
CREATE TABLE payment_feedback (
	id {{id}},
	source TEXT NOT NULL,
	source_id BIGINT NOT NULL,
	listened TEXT NOT NULL CHECK (listened IN ('yes', 'partly', 'no')),
	again TEXT NOT NULL CHECK (again IN ('yes', 'maybe', 'no'))
);
CREATE INDEX payment_feedback_source ON payment_feedback(source, source_id);
CREATE TABLE payment_feedback_given (
	source TEXT NOT NULL,
	source_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	PRIMARY KEY (source, source_id, person_id)
);
`,
}, {
	Component: "payments", Version: 2, Name: "running totals of claims and how soon they were paid, by organisation",
	NotSafeUnderOldCode: "old servers would make, approve and pay claims without updating payment_totals; " +
		"stop them all, or run roundtable figures rebuild once they have stopped",
	SQL: `
-- Each paying organisation's claims for people's time (not declined), those paid, and the days
-- from the meeting or activity to payment added up over paid claims: written in the same
-- transaction as each change (PaymentTotals), so the national dashboard reads one row per
-- organisation. An organisation with none has no row.
CREATE TABLE payment_totals (
	organisation_id BIGINT PRIMARY KEY REFERENCES organisations(id),
	claims BIGINT NOT NULL,
	paid BIGINT NOT NULL,
	days_to_pay DOUBLE PRECISION NOT NULL
);
`, Then: func(ctx context.Context, tx *sql.Tx, d db.Dialect) error { return PaymentTotals.Rebuild(ctx, tx, d) },
}, {
	Component: "payments", Version: 3, Name: "days to payment on each paid claim, and running totals of who was at the table by panel and programme",
	NotSafeUnderOldCode: "old servers would pay claims without their days to payment, and record meetings, pay claims, take quick answers " +
		"and submit bids without updating the panel and programme totals; stop them all, or run roundtable figures rebuild once they have stopped",
	SQL: `
-- London calendar days from the meeting or activity to the payment, written when a claim is
-- paid (NULL until then), so that totals add them up in SQL the same way on both databases.
ALTER TABLE payment_claims ADD COLUMN days_to_pay INTEGER;

-- "Who was at the table" for the national view, written in the same transaction as each change
-- (PanelTotals, ProgrammeTotals, SeatTotals): per panel over its recorded meetings, and per
-- programme over its submitted bids' activities, the claims paid with their days to payment
-- added up, and the quick answers (how many, how many felt listened to, would come again).
CREATE TABLE payment_panel_totals (
	panel_id BIGINT PRIMARY KEY REFERENCES panels(id),
	paid BIGINT NOT NULL,
	days_to_pay BIGINT NOT NULL,
	answers BIGINT NOT NULL,
	listened BIGINT NOT NULL,
	again BIGINT NOT NULL
);
CREATE TABLE payment_programme_totals (
	programme_id BIGINT PRIMARY KEY REFERENCES funding_programmes(id),
	paid BIGINT NOT NULL,
	days_to_pay BIGINT NOT NULL,
	answers BIGINT NOT NULL,
	listened BIGINT NOT NULL,
	again BIGINT NOT NULL
);
-- Places each person took at each panel's recorded meetings, recounted by person through the
-- index of attendance by person (panel_attendance_person, panels/7).
CREATE TABLE payment_seat_totals (
	person_id BIGINT NOT NULL REFERENCES people(id),
	panel_id BIGINT NOT NULL REFERENCES panels(id),
	seats BIGINT NOT NULL,
	PRIMARY KEY (person_id, panel_id)
);
`, Then: func(ctx context.Context, tx *sql.Tx, d db.Dialect) error {
		if err := WriteDaysToPay(ctx, tx); err != nil {
			return err
		}
		for _, t := range []totals.Totals{PanelTotals, ProgrammeTotals, SeatTotals} {
			if err := t.Rebuild(ctx, tx, d); err != nil {
				return err
			}
		}
		return nil
	},
}, {
	Component: "payments", Version: 4, Name: "a panel's table read from indexes alone",
	// Safe under old code: indexes only.
	SQL: `
-- A panel's own table adds up its people's places by panel, and each meeting's paid claims and
-- quick answers, from the indexes alone rather than from every claim's and answer's row.
CREATE INDEX payment_seat_totals_panel ON payment_seat_totals(panel_id, person_id, seats);
CREATE INDEX payment_claims_source_status ON payment_claims(source, source_id, status, days_to_pay);
CREATE INDEX payment_feedback_answers ON payment_feedback(source, source_id, listened, again);
`, Then: func(ctx context.Context, tx *sql.Tx, d db.Dialect) error {
		return db.AnalyzeIndexes(ctx, tx, d, "payment_seat_totals_panel", "payment_claims_source_status", "payment_feedback_answers")
	},
}}

// Options configure the handlers.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
}

// Handlers serve the payments pages.
type Handlers struct {
	db            *db.DB
	opt           Options
	nationalTable *pagecache.Memo[web.SharedMain] // nil without the page cache
	panelTables   *pagecache.Memo[web.SharedMain] // by panel and query
}

// New makes the handlers.
func New(d *db.DB, opt Options) *Handlers {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Handlers{db: d, opt: opt}
}

// Register adds the payments routes.
func (h *Handlers) Register(rt *web.Router) {
	rd := rt.Renderer()
	// Who was at the table, across England and at each panel, reads the people, panels,
	// funding and payments: kept until any data changes.
	h.nationalTable = pagecache.NewMemo[web.SharedMain](rt.PageCache(), "who was at the table", pagecache.Page{All: true})
	h.panelTables = pagecache.NewMemo[web.SharedMain](rt.PageCache(), "who was at each panel's table", pagecache.Page{All: true})
	wrap := func(f func(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error) web.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error { return f(w, r, rd) }
	}
	approvers := web.Roles(auth.Facilitator, auth.CouncilOfficer)
	setters := web.Roles(auth.Facilitator, auth.CouncilOfficer, auth.Finance)
	rt.Handle("GET /payments", web.SignedIn, wrap(h.home))
	rt.Handle("GET /payments/mine", web.Roles(auth.Member), wrap(h.mine))
	rt.Handle("GET /payments/preferences", web.Roles(auth.Member), wrap(h.preferencesForm))
	rt.Handle("POST /payments/preferences", web.Roles(auth.Member), wrap(h.savePreferences))
	rt.Handle("GET /payments/claims/{id}", web.SignedIn, wrap(h.claim))
	rt.Handle("POST /payments/claims/{id}/choice", web.Roles(auth.Member), wrap(h.choose))
	rt.Handle("POST /payments/claims/{id}/expenses", web.Roles(auth.Member), wrap(h.expenses))
	rt.Handle("GET /payments/claims/{id}/receipt", web.SignedIn, wrap(h.receipt))
	rt.Handle("POST /payments/claims/{id}/approve", approvers, wrap(h.approve))
	rt.Handle("POST /payments/claims/{id}/paid", web.Roles(auth.Finance), wrap(h.paid))
	rt.Handle("GET /payments/rates", web.SignedIn, wrap(h.ratesList))
	rt.Handle("GET /payments/rates/{org}", web.SignedIn, wrap(h.rates))
	rt.Handle("POST /payments/rates/{org}", setters, wrap(h.saveRates))
	rt.Handle("GET /payments/export", web.Roles(auth.Finance), wrap(h.export))
	rt.Handle("GET /payments/feedback/{source}/{id}", web.SignedIn, wrap(h.feedbackForm))
	rt.Handle("POST /payments/feedback/{source}/{id}", web.SignedIn, wrap(h.saveFeedback))
	rt.Handle("GET /payments/table", web.Roles(auth.Funder, auth.Admin), wrap(h.national))
	rt.Handle("GET /panels/{slug}/table", web.SignedIn, wrap(h.panelTable))
	rt.Handle("GET /funding/bids/{id}/table", web.SignedIn, wrap(h.bidTable))
}

// LoadDemo adds the demonstration data.
func LoadDemo(ctx context.Context, d *db.DB, now time.Time) error { return loadDemo(ctx, d, now) }
