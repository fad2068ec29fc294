// Package panels holds the regional and local lived-experience panels: members, meetings,
// and recommendations followed through to a public answer.
//
// A panel belongs to one organisation in the directory: its members are the people holding
// the member role there, and its facilitators those holding the facilitator role, so a
// facilitator invites a member (with a sign-in code or an email) through the people pages of
// the accounts capability. Recommendations are decided by consent (internal/consent).
package panels

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
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the panels pages.
var Templates = web.TemplateSet{Name: "panels", FS: web.Sub(templates, "templates")}

// Migrations create the panels tables.
var Migrations = []db.Migration{{
	Component: "panels", Version: 1, Name: "panels, profiles, meetings and recommendations",
	SQL: `
-- A panel: regional (one per English region) or local. Its members and facilitators are the
-- people holding those roles in its organisation.
CREATE TABLE panels (
	id {{id}},
	name TEXT NOT NULL,
	slug TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	organisation_id BIGINT NOT NULL UNIQUE REFERENCES organisations(id),
	region_id BIGINT REFERENCES regions(id),
	about TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL
);
CREATE INDEX panels_region ON panels(region_id);

-- A member's strengths-based profile. support lists the support they need to take part
-- (codes separated by commas); only the member and their facilitators see it.
CREATE TABLE panel_profiles (
	person_id BIGINT PRIMARY KEY REFERENCES people(id) ON DELETE CASCADE,
	skills TEXT NOT NULL DEFAULT '',
	interests TEXT NOT NULL DEFAULT '',
	hopes TEXT NOT NULL DEFAULT '',
	support TEXT NOT NULL DEFAULT '',
	support_other TEXT NOT NULL DEFAULT '',
	named_publicly BOOLEAN NOT NULL DEFAULT FALSE,
	updated_at {{time}} NOT NULL
);

-- A meeting of a panel; notes, decisions and actions are written after it.
CREATE TABLE panel_meetings (
	id {{id}},
	panel_id BIGINT NOT NULL REFERENCES panels(id),
	title TEXT NOT NULL,
	starts_at {{time}} NOT NULL,
	place TEXT NOT NULL DEFAULT '',
	online_link TEXT NOT NULL DEFAULT '',
	access_info TEXT NOT NULL DEFAULT '',
	agenda TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	decisions TEXT NOT NULL DEFAULT '',
	actions TEXT NOT NULL DEFAULT '',
	recorded_at {{time}},
	created_by BIGINT REFERENCES people(id),
	created_at {{time}} NOT NULL
);
CREATE INDEX panel_meetings_panel ON panel_meetings(panel_id, starts_at);

-- Whether a member says they are coming: yes, no or maybe.
CREATE TABLE panel_meeting_replies (
	meeting_id BIGINT NOT NULL REFERENCES panel_meetings(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id),
	answer TEXT NOT NULL,
	replied_at {{time}} NOT NULL,
	PRIMARY KEY (meeting_id, person_id)
);

-- Who attended, as the facilitator recorded it.
CREATE TABLE panel_attendance (
	meeting_id BIGINT NOT NULL REFERENCES panel_meetings(id) ON DELETE CASCADE,
	person_id BIGINT NOT NULL REFERENCES people(id),
	PRIMARY KEY (meeting_id, person_id)
);

-- A recommendation, addressed to a council (council_gss) or to the funder (council_gss
-- empty). status: consent, not_agreed, awaiting (sent, not answered), answered, done.
CREATE TABLE recommendations (
	id {{id}},
	panel_id BIGINT NOT NULL REFERENCES panels(id),
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	council_gss TEXT NOT NULL DEFAULT '',
	response_weeks INTEGER NOT NULL,
	status TEXT NOT NULL,
	drafted_by BIGINT REFERENCES people(id),
	drafted_at {{time}} NOT NULL,
	sent_at {{time}},
	due_at {{time}},
	answer TEXT NOT NULL DEFAULT '',
	answer_reasons TEXT NOT NULL DEFAULT '',
	answered_by_name TEXT NOT NULL DEFAULT '',
	answered_at {{time}},
	done_at {{time}}
);
CREATE INDEX recommendations_panel ON recommendations(panel_id, id);
CREATE INDEX recommendations_council ON recommendations(council_gss, status);
CREATE INDEX recommendations_status ON recommendations(status, due_at);

-- Progress after the answer, each with a date and a note: the timeline.
CREATE TABLE recommendation_updates (
	id {{id}},
	recommendation_id BIGINT NOT NULL REFERENCES recommendations(id),
	at {{time}} NOT NULL,
	note TEXT NOT NULL,
	done BOOLEAN NOT NULL DEFAULT FALSE,
	by_id BIGINT REFERENCES people(id),
	by_name TEXT NOT NULL
);
CREATE INDEX recommendation_updates_rec ON recommendation_updates(recommendation_id, at);

-- The outbox: messages to a person, shown on their messages page (and to their facilitators)
-- and sent by email when email is set up; without it, written to the log.
CREATE TABLE panel_messages (
	id {{id}},
	person_id BIGINT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
	panel_id BIGINT REFERENCES panels(id),
	subject TEXT NOT NULL,
	body TEXT NOT NULL,
	link TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL
);
CREATE INDEX panel_messages_person ON panel_messages(person_id, id);

-- Paid roles for people with lived experience, posted by someone in an organisation.
-- pay_pence is per pay_unit: hour, day, session or year.
CREATE TABLE opportunities (
	id {{id}},
	organisation_id BIGINT NOT NULL REFERENCES organisations(id),
	posted_by BIGINT REFERENCES people(id),
	title TEXT NOT NULL,
	involves TEXT NOT NULL,
	pay_pence BIGINT NOT NULL,
	pay_unit TEXT NOT NULL,
	hours TEXT NOT NULL,
	closes_at {{time}} NOT NULL,
	support TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL
);
CREATE INDEX opportunities_closes ON opportunities(closes_at);

-- A member's interest in an opportunity, with a short statement, and the poster's reply.
CREATE TABLE opportunity_interests (
	id {{id}},
	opportunity_id BIGINT NOT NULL REFERENCES opportunities(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	statement TEXT NOT NULL,
	created_at {{time}} NOT NULL,
	reply TEXT NOT NULL DEFAULT '',
	replied_at {{time}}
);
CREATE UNIQUE INDEX opportunity_interests_person ON opportunity_interests(opportunity_id, person_id);
`,
}, {
	Component: "panels", Version: 2, Name: "email delivery, read messages and overdue reminders",
	SQL: `
-- Email delivery of the outbox: when it went, how many tries failed, when to try next.
ALTER TABLE panel_messages ADD COLUMN emailed_at {{time}};
ALTER TABLE panel_messages ADD COLUMN email_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE panel_messages ADD COLUMN email_next_at {{time}};
ALTER TABLE panel_messages ADD COLUMN email_error TEXT NOT NULL DEFAULT '';
-- When the person marked the message read.
ALTER TABLE panel_messages ADD COLUMN read_at {{time}};
-- When the addressee was reminded that an answer is overdue; once only.
ALTER TABLE recommendations ADD COLUMN overdue_reminded_at {{time}};
`,
}, {
	Component: "panels", Version: 3, Name: "outbox claims, for several servers",
	// Safe under old code: a new nullable column that old servers neither read nor write.
	SQL: `
-- A server (email_claimed_by) claims messages before emailing them, until this time; after it
-- another server may take them over (the first one died).
ALTER TABLE panel_messages ADD COLUMN email_claimed_until {{time}};
ALTER TABLE panel_messages ADD COLUMN email_claimed_by TEXT NOT NULL DEFAULT '';
CREATE INDEX panel_messages_unsent ON panel_messages(id) WHERE emailed_at IS NULL;
`,
}, {
	Component: "panels", Version: 4, Name: "the register of recommendations in date order",
	// Safe under old code: an index only.
	SQL: `
-- The register lists recommendations newest first a page at a time; without this index every
-- page sorted all of them (issue 15).
CREATE INDEX recommendations_newest ON recommendations((COALESCE(sent_at, drafted_at)), id);
`,
}, {
	Component: "panels", Version: 5, Name: "text messages",
	// Safe under old code: new columns with defaults or nullable, and indexes; old servers
	// neither read nor write them, and go on emailing as before.
	SQL: `
-- Texting each message, claimed apart from emailing it so that one channel's outage does not
-- hold up the other: who holds the claim and until when, tries, when to try next, and when
-- the text went.
ALTER TABLE panel_messages ADD COLUMN text_claimed_until {{time}};
ALTER TABLE panel_messages ADD COLUMN text_claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE panel_messages ADD COLUMN text_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE panel_messages ADD COLUMN text_next_at {{time}};
ALTER TABLE panel_messages ADD COLUMN texted_at {{time}};
-- Where the text is: '' not (yet) texted, 'sent' (Notify took it), 'delivered', 'failed'
-- (permanently: text_error holds Notify's reason), 'logged' (no text service is set up).
ALTER TABLE panel_messages ADD COLUMN text_status TEXT NOT NULL DEFAULT '';
ALTER TABLE panel_messages ADD COLUMN text_error TEXT NOT NULL DEFAULT '';
-- Notify's id for the text, by which its delivery receipts name it.
ALTER TABLE panel_messages ADD COLUMN notify_id TEXT NOT NULL DEFAULT '';
-- A short text for the message written for a text message (a meeting's date, time and
-- place), never holding support needs; when empty, the text says the subject.
ALTER TABLE panel_messages ADD COLUMN short TEXT NOT NULL DEFAULT '';
CREATE INDEX panel_messages_untexted ON panel_messages(id) WHERE texted_at IS NULL AND text_status = '';
CREATE INDEX panel_messages_notify ON panel_messages(notify_id) WHERE notify_id <> '';
-- When the members were reminded of a meeting the day before; once only.
ALTER TABLE panel_meetings ADD COLUMN reminded_at {{time}};
-- The daily cap counts each person's texts of the last day.
CREATE INDEX panel_messages_texted ON panel_messages(person_id, texted_at);
`,
}, db.Migration{
	Component: "panels", Version: 6, Name: "email delivery receipts and changed meetings",
	// Safe under old code: new columns with defaults or nullable; old servers neither read
	// nor write them.
	SQL: `
-- Where an email is after it went, as GOV.UK Notify's delivery receipts say: '' (no more is
-- known, as with SMTP), 'delivered', or 'failed' (email_error holds why).
ALTER TABLE panel_messages ADD COLUMN email_status TEXT NOT NULL DEFAULT '';
-- When a meeting's time or place last changed: its reminder is not sent straight after the
-- message telling of the change.
ALTER TABLE panel_meetings ADD COLUMN changed_at {{time}};
`,
}, db.Migration{
	Component: "panels", Version: 7, Name: "recommendations drafted and meetings attended, by person",
	// Safe under old code: an index only.
	SQL: `
-- A member's own page lists what they drafted without reading every recommendation (issue 15).
CREATE INDEX recommendations_drafted_by ON recommendations(drafted_by);
-- And the meetings they attended, for their own page and their claims, and for payments'
-- places at the table by person. IF NOT EXISTS: a database migrated before this release may
-- have it from payments/3.
CREATE INDEX IF NOT EXISTS panel_attendance_person ON panel_attendance(person_id, meeting_id);
`,
}, db.Migration{
	Component: "panels", Version: 8, Name: "messages by when they were made",
	// Safe under old code: an index only.
	SQL: `
-- The administrators' page on how messages are being sent counts the last few days' messages:
-- read through this index, not every message since the service began (issue 15).
CREATE INDEX panel_messages_created ON panel_messages(created_at);
`,
}}

// Options configure the handlers.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
	// OnAttendance, when set, hears each change to a meeting's attendance inside the
	// transaction that records it (the app wires payments here).
	OnAttendance func(context.Context, *sql.Tx, AttendanceChange) error
	// NotifyCallbackToken is the bearer token GOV.UK Notify sends with delivery receipts;
	// empty refuses every receipt.
	NotifyCallbackToken string
}

// Handlers serve the panels pages.
type Handlers struct {
	db  *db.DB
	opt Options
	// registerPages are the register's main content, by the filters and page asked for, and
	// panelPages a panel's, by what the person may see (nil without the page cache).
	registerPages, panelPages *pagecache.Memo[web.SharedMain]
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

// Register adds the panels routes.
func (h *Handlers) Register(rt *web.Router) {
	rd := rt.Renderer()
	wrap := func(f func(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error) web.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error { return f(w, r, rd) }
	}
	rt.Handle("GET /panels", web.Public, wrap(h.list))
	rt.Handle("GET /panels/messages", web.SignedIn, wrap(h.messages))
	rt.Handle("GET /panels/new", web.Roles(auth.Admin), wrap(h.newPanelForm))
	rt.Handle("POST /panels/new", web.Roles(auth.Admin), wrap(h.createPanel))
	rt.Handle("POST /panels/messages/read", web.SignedIn, wrap(h.markRead))
	// Public to the router: GOV.UK Notify signs in with its bearer token, checked inside.
	rt.Handle("POST /notify/receipts", web.Public, wrap(h.receipt))
	rt.Handle("GET /admin/messages", web.Roles(auth.Admin), wrap(h.health))
	rt.Handle("GET /panels/{slug}", web.Public, wrap(h.panel))
	rt.Handle("GET /panels/{slug}/members", web.SignedIn, wrap(h.members))
	rt.Handle("GET /panels/{slug}/members/{person}", web.SignedIn, wrap(h.member))
	rt.Handle("GET /panels/{slug}/meetings", web.SignedIn, wrap(h.meetings))
	rt.Handle("GET /panels/{slug}/profile", web.Roles(auth.Member), wrap(h.profileForm))
	rt.Handle("POST /panels/{slug}/profile", web.Roles(auth.Member), wrap(h.saveProfile))
	rt.Handle("GET /panels/{slug}/meetings/new", web.Roles(auth.Facilitator), wrap(h.newMeetingForm))
	rt.Handle("POST /panels/{slug}/meetings", web.Roles(auth.Facilitator), wrap(h.createMeeting))
	rt.Handle("GET /panels/{slug}/meetings/{meeting}", web.SignedIn, wrap(h.meeting))
	rt.Handle("GET /panels/{slug}/meetings/{meeting}/edit", web.Roles(auth.Facilitator), wrap(h.changeMeetingForm))
	rt.Handle("POST /panels/{slug}/meetings/{meeting}/edit", web.Roles(auth.Facilitator), wrap(h.changeMeeting))
	rt.Handle("POST /panels/{slug}/meetings/{meeting}/reply", web.Roles(auth.Member), wrap(h.replyMeeting))
	rt.Handle("POST /panels/{slug}/meetings/{meeting}/record", web.Roles(auth.Facilitator), wrap(h.recordMeeting))
	rt.Handle("GET /panels/{slug}/recommendations/new", web.Roles(auth.Member, auth.Facilitator), wrap(h.newRecommendationForm))
	rt.Handle("POST /panels/{slug}/recommendations", web.Roles(auth.Member, auth.Facilitator), wrap(h.createRecommendation))
	posters := web.Roles(auth.Facilitator, auth.CouncilOfficer, auth.Funder)
	rt.Handle("GET /opportunities", web.Public, wrap(h.opportunities))
	rt.Handle("GET /opportunities/new", posters, wrap(h.newOpportunityForm))
	rt.Handle("POST /opportunities", posters, wrap(h.createOpportunity))
	rt.Handle("GET /opportunities/{id}", web.Public, wrap(h.opportunity))
	rt.Handle("POST /opportunities/{id}/interest", web.Roles(auth.Member), wrap(h.expressInterest))
	rt.Handle("POST /opportunities/{id}/interests/{interest}/reply", posters, wrap(h.replyInterest))
	rt.Handle("GET /recommendations", web.Public, wrap(h.register))
	rt.Handle("GET /recommendations/to-answer", web.Roles(auth.CouncilOfficer, auth.Funder), wrap(h.toAnswer))
	rt.Handle("GET /recommendations/{id}", web.Public, wrap(h.recommendation))
	// Overdue answers and closing dates depend on the clock as well as the data.
	shown := pagecache.Page{Kinds: []string{"panels", "consent", "directory", "accounts"}, Every: time.Minute}
	h.registerPages = pagecache.NewMemo[web.SharedMain](rt.PageCache(), "the register of recommendations", shown)
	h.panelPages = pagecache.NewMemo[web.SharedMain](rt.PageCache(), "the panels' pages", shown)
	for _, p := range []string{"/panels", "/panels/{slug}", "/opportunities", "/opportunities/{id}", "/recommendations", "/recommendations/{id}"} {
		rt.Cache("GET "+p, shown)
	}
	rt.Handle("POST /recommendations/{id}/respond", web.Roles(auth.Member), wrap(h.respond))
	rt.Handle("POST /recommendations/{id}/resolve", web.Roles(auth.Facilitator), wrap(h.resolve))
	rt.Handle("POST /recommendations/{id}/close", web.Roles(auth.Facilitator), wrap(h.closeRound))
	rt.Handle("POST /recommendations/{id}/answer", web.Roles(auth.CouncilOfficer, auth.Funder), wrap(h.answer))
	rt.Handle("POST /recommendations/{id}/updates", web.Roles(auth.CouncilOfficer, auth.Funder, auth.Facilitator), wrap(h.addUpdate))
}

// LoadDemo adds this capability's demonstration data. internal/demo calls it once, on an
// empty database, after the council register, the organisations and the demo people.
func LoadDemo(ctx context.Context, d *db.DB, now time.Time) error { return loadDemo(ctx, d, now) }
