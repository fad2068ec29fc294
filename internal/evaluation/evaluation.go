// Package evaluation runs peer evaluation of councils' co-production by trained
// lived-experience researchers, independent assessment, findings and action plans, and the
// training recommended where ratings are low.
//
// The funder commissions a cycle: a published standard version, dates, an independent
// assessor organisation and the panels that carry it out. Each council in the cycle has a
// team (evaluation_teams): members of one of those panels with a recorded research training and
// no declared conflict with the council. Each evaluator rates every unit (the version's
// indicators and the quality of relationships) on the ladder, on their own; the panel's
// facilitator then agrees the team's rating per unit and publishes findings. The independent
// assessor rates the same units. The council sees its own self-assessment, the agreed peer
// rating and the independent rating side by side, never an individual evaluator's rating.
package evaluation

import (
	"context"
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

// Templates are the evaluation pages.
var Templates = web.TemplateSet{Name: "evaluation", FS: web.Sub(templates, "templates")}

// Migrations create the evaluation and training tables.
var Migrations = []db.Migration{{
	Component: "evaluation", Version: 1, Name: "evaluation cycles, teams, ratings, plans and training",
	SQL: `
-- A research training a member has done, which they need before they can evaluate.
-- completed_on is a calendar date (YYYY-MM-DD).
CREATE TABLE evaluation_research_training (
	id {{id}},
	person_id BIGINT NOT NULL REFERENCES people(id),
	course TEXT NOT NULL,
	completed_on TEXT NOT NULL,
	recorded_by BIGINT REFERENCES people(id),
	recorded_at {{time}} NOT NULL
);
CREATE INDEX evaluation_research_training_person ON evaluation_research_training(person_id);

-- A member's declared conflict of interest with a council: they are never on its team.
CREATE TABLE evaluation_conflicts (
	person_id BIGINT NOT NULL REFERENCES people(id),
	council_id BIGINT NOT NULL REFERENCES organisations(id),
	reason TEXT NOT NULL,
	declared_at {{time}} NOT NULL,
	PRIMARY KEY (person_id, council_id)
);

-- A cycle the funder commissions, against one published standard version.
CREATE TABLE evaluation_cycles (
	id {{id}},
	title TEXT NOT NULL,
	version_id BIGINT NOT NULL REFERENCES standard_versions(id),
	assessor_id BIGINT NOT NULL REFERENCES organisations(id),
	starts_on TEXT NOT NULL,
	ends_on TEXT NOT NULL,
	created_by BIGINT REFERENCES people(id),
	created_at {{time}} NOT NULL
);
CREATE TABLE evaluation_cycle_panels (
	cycle_id BIGINT NOT NULL REFERENCES evaluation_cycles(id),
	panel_id BIGINT NOT NULL REFERENCES panels(id),
	PRIMARY KEY (cycle_id, panel_id)
);

-- One council in a cycle, evaluated by a team from one of the cycle's panels. The council's
-- name and region are copied from the directory when it is added, for lists.
CREATE TABLE evaluation_teams (
	id {{id}},
	cycle_id BIGINT NOT NULL REFERENCES evaluation_cycles(id),
	council_id BIGINT NOT NULL REFERENCES organisations(id),
	council_gss TEXT NOT NULL,
	council_name TEXT NOT NULL,
	region_name TEXT NOT NULL DEFAULT '',
	panel_id BIGINT NOT NULL REFERENCES panels(id),
	findings TEXT NOT NULL DEFAULT '',
	recommendations TEXT NOT NULL DEFAULT '',
	published_at {{time}},
	plan_published_at {{time}},
	UNIQUE (cycle_id, council_id)
);
CREATE INDEX evaluation_teams_council ON evaluation_teams(council_gss, published_at);
CREATE TABLE evaluation_team_members (
	team_id BIGINT NOT NULL REFERENCES evaluation_teams(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	assigned_by BIGINT REFERENCES people(id),
	assigned_at {{time}} NOT NULL,
	PRIMARY KEY (team_id, person_id)
);

-- Ratings on the ladder (0 to 6). indicator_id is a standard_version_indicators id, or 0 for
-- the quality of relationships, which every evaluation rates too.
CREATE TABLE evaluation_ratings (
	team_id BIGINT NOT NULL REFERENCES evaluation_teams(id),
	indicator_id BIGINT NOT NULL,
	person_id BIGINT NOT NULL REFERENCES people(id),
	level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 6),
	evidence TEXT NOT NULL,
	notes TEXT NOT NULL DEFAULT '',
	rated_at {{time}} NOT NULL,
	PRIMARY KEY (team_id, indicator_id, person_id)
);
CREATE TABLE evaluation_agreed (
	team_id BIGINT NOT NULL REFERENCES evaluation_teams(id),
	indicator_id BIGINT NOT NULL,
	level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 6),
	reason TEXT NOT NULL DEFAULT '',
	agreed_by BIGINT REFERENCES people(id),
	agreed_at {{time}} NOT NULL,
	PRIMARY KEY (team_id, indicator_id)
);
CREATE TABLE evaluation_independent (
	team_id BIGINT NOT NULL REFERENCES evaluation_teams(id),
	indicator_id BIGINT NOT NULL,
	level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 6),
	evidence TEXT NOT NULL,
	notes TEXT NOT NULL DEFAULT '',
	rated_by BIGINT REFERENCES people(id),
	rated_at {{time}} NOT NULL,
	PRIMARY KEY (team_id, indicator_id)
);

-- The council's action plan in answer to the findings; due_on is a calendar date.
CREATE TABLE evaluation_actions (
	id {{id}},
	team_id BIGINT NOT NULL REFERENCES evaluation_teams(id),
	action TEXT NOT NULL,
	owner TEXT NOT NULL,
	due_on TEXT NOT NULL,
	done_at {{time}},
	created_by BIGINT REFERENCES people(id),
	created_at {{time}} NOT NULL
);
CREATE INDEX evaluation_actions_team ON evaluation_actions(team_id, id);

-- A short example of strong practice, written by the team, published once the council consents.
CREATE TABLE evaluation_examples (
	id {{id}},
	team_id BIGINT NOT NULL REFERENCES evaluation_teams(id),
	indicator_id BIGINT NOT NULL,
	title TEXT NOT NULL,
	body TEXT NOT NULL,
	written_by BIGINT REFERENCES people(id),
	written_at {{time}} NOT NULL,
	consented_by BIGINT REFERENCES people(id),
	consented_at {{time}},
	UNIQUE (team_id, indicator_id)
);
CREATE INDEX evaluation_examples_published ON evaluation_examples(consented_at);

-- Training on co-production for council staff, mapped to indicator keys ("1.2", or
-- "relationships") so that low ratings recommend it.
CREATE TABLE training_modules (
	id {{id}},
	title TEXT NOT NULL,
	summary TEXT NOT NULL,
	audience TEXT NOT NULL DEFAULT '',
	created_at {{time}} NOT NULL
);
CREATE TABLE training_module_indicators (
	module_id BIGINT NOT NULL REFERENCES training_modules(id),
	indicator_key TEXT NOT NULL,
	PRIMARY KEY (module_id, indicator_key)
);
CREATE INDEX training_module_indicators_key ON training_module_indicators(indicator_key);
CREATE TABLE training_sessions (
	id {{id}},
	module_id BIGINT NOT NULL REFERENCES training_modules(id),
	starts_at {{time}} NOT NULL,
	place TEXT NOT NULL DEFAULT '',
	online BOOLEAN NOT NULL DEFAULT FALSE,
	capacity INTEGER NOT NULL CHECK (capacity > 0),
	trainers TEXT NOT NULL,
	co_trainers TEXT NOT NULL,
	created_at {{time}} NOT NULL
);
CREATE INDEX training_sessions_module ON training_sessions(module_id, starts_at);
-- attended is NULL until attendance is recorded.
CREATE TABLE training_bookings (
	session_id BIGINT NOT NULL REFERENCES training_sessions(id),
	person_id BIGINT NOT NULL REFERENCES people(id),
	council_id BIGINT NOT NULL REFERENCES organisations(id),
	council_gss TEXT NOT NULL,
	booked_at {{time}} NOT NULL,
	attended BOOLEAN,
	PRIMARY KEY (session_id, person_id)
);
CREATE INDEX training_bookings_council ON training_bookings(council_gss);
`,
}, levelTotalsMigration(), {
	Component: "evaluation", Version: 3, Name: "a person's evaluation teams",
	// Safe under old code: an index only.
	SQL: `
-- A peer researcher's teams, read without going through every team's members (issue 15).
CREATE INDEX evaluation_team_members_person ON evaluation_team_members(person_id);
`,
}}

// Options configure the handlers.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
}

// Handlers serve the evaluation pages.
type Handlers struct {
	db  *db.DB
	opt Options
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

// Register adds the evaluation routes. Finer checks (this team, this council, this assessor
// organisation) are made in the handlers, and what a person may not see is not found.
func (h *Handlers) Register(rt *web.Router) {
	rd := rt.Renderer()
	wrap := func(f func(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error) web.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error { return f(w, r, rd) }
	}
	funder := web.Roles(auth.Funder, auth.Admin)
	people := web.Roles(auth.Member, auth.Facilitator)
	rt.Handle("GET /evaluation", web.SignedIn, wrap(h.home))
	rt.Handle("GET /evaluation/cycles/new", web.Roles(auth.Funder), wrap(h.newCycleForm))
	rt.Handle("POST /evaluation/cycles", web.Roles(auth.Funder), wrap(h.createCycle))
	rt.Handle("GET /evaluation/cycles/{cycle}", web.Roles(auth.Funder, auth.Admin, auth.Facilitator, auth.Assessor), wrap(h.cycle))
	rt.Handle("POST /evaluation/cycles/{cycle}/councils", web.Roles(auth.Funder), wrap(h.addCouncil))
	rt.Handle("GET /evaluation/researchers", people, wrap(h.researchers))
	rt.Handle("POST /evaluation/researchers/training", people, wrap(h.recordTraining))
	rt.Handle("POST /evaluation/researchers/conflicts", web.Roles(auth.Member), wrap(h.declareConflict))
	teamRoles := web.Roles(auth.Member, auth.Facilitator, auth.Funder, auth.Admin, auth.Assessor)
	rt.Handle("GET /evaluation/teams/{team}", teamRoles, wrap(h.team))
	rt.Handle("POST /evaluation/teams/{team}/members", web.Roles(auth.Facilitator), wrap(h.assign))
	rt.Handle("GET /evaluation/teams/{team}/rate", web.Roles(auth.Member), wrap(h.rateForm))
	rt.Handle("POST /evaluation/teams/{team}/rate", web.Roles(auth.Member), wrap(h.rate))
	rt.Handle("GET /evaluation/teams/{team}/moderate", web.Roles(auth.Facilitator), wrap(h.moderateForm))
	rt.Handle("POST /evaluation/teams/{team}/moderate", web.Roles(auth.Facilitator), wrap(h.moderate))
	rt.Handle("POST /evaluation/teams/{team}/findings", web.Roles(auth.Facilitator), wrap(h.publishFindings))
	rt.Handle("GET /evaluation/teams/{team}/assess", web.Roles(auth.Assessor), wrap(h.assessForm))
	rt.Handle("POST /evaluation/teams/{team}/assess", web.Roles(auth.Assessor), wrap(h.assess))
	rt.Handle("POST /evaluation/teams/{team}/examples", web.Roles(auth.Facilitator), wrap(h.writeExample))
	rt.Handle("GET /evaluation/councils/{code}", web.SignedIn, wrap(h.council))
	officer := web.Roles(auth.CouncilOfficer)
	rt.Handle("POST /evaluation/teams/{team}/actions", officer, wrap(h.addAction))
	rt.Handle("POST /evaluation/teams/{team}/actions/{action}/done", officer, wrap(h.actionDone))
	rt.Handle("POST /evaluation/teams/{team}/plan", officer, wrap(h.publishPlan))
	rt.Handle("POST /evaluation/examples/{example}/consent", officer, wrap(h.consentExample))
	rt.Handle("GET /evaluation/support", funder, wrap(h.support))
	rt.Handle("GET /evaluation/practice", web.Public, wrap(h.practice))
	rt.Handle("GET /evaluation/training", web.Public, wrap(h.training))
	// Training lists the sessions still to come.
	shown := pagecache.Page{Kinds: []string{"evaluation", "standards", "directory", "accounts", "panels"}, Every: time.Minute}
	rt.Cache("GET /evaluation/practice", shown)
	rt.Cache("GET /evaluation/training", shown)
	rt.Handle("POST /evaluation/training/modules", funder, wrap(h.createModule))
	rt.Handle("GET /evaluation/training/sessions/{session}", web.SignedIn, wrap(h.session))
	rt.Handle("POST /evaluation/training/modules/{module}/sessions", funder, wrap(h.createSession))
	rt.Handle("POST /evaluation/training/sessions/{session}/book", officer, wrap(h.book))
	rt.Handle("POST /evaluation/training/sessions/{session}/attendance", funder, wrap(h.attendance))
}

// LoadDemo adds the demonstration data: training modules and sessions and, when the
// standards demo has published a version, a cycle with agreed ratings for a few councils.
func LoadDemo(ctx context.Context, d *db.DB, now time.Time) error { return loadDemo(ctx, d, now) }
