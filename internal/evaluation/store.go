package evaluation

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/panels"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/standards"
)

// MaxText is the longest free text accepted in any field, in characters.
const MaxText = 4000

func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// day is a calendar date as stored: YYYY-MM-DD.
func day(t time.Time) string { return t.Format(time.DateOnly) }

func parseDay(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func actor(by *auth.Identity) any {
	if by == nil || by.PersonID == 0 {
		return nil
	}
	return by.PersonID
}

func record(ctx context.Context, tx *sql.Tx, by *auth.Identity, action, subject, scope string, after any, now time.Time) error {
	id, name := audit.By(by)
	return audit.Record(ctx, tx, audit.Entry{ActorID: id, ActorName: name, Action: action, Subject: subject, Scope: scope, After: after, At: now})
}

func tooLong(v *errs.Validation, field, label, s string) {
	v.Check(len([]rune(s)) <= MaxText, field, fmt.Sprintf("%s must be %d characters or fewer", label, MaxText))
}

// Cycle is an evaluation round the funder commissions.
type Cycle struct {
	ID           int64
	Title        string
	Version      standards.VersionRef
	AssessorID   int64
	AssessorName string
	StartsOn     time.Time
	EndsOn       time.Time
	PanelIDs     []int64
	CreatedAt    time.Time
}

// NewCycle is what the funder fills in to commission a cycle.
type NewCycle struct {
	Title            string
	VersionID        int64
	AssessorID       int64
	StartsOn, EndsOn time.Time
	PanelIDs         []int64
}

// CreateCycle commissions a cycle. The version must be published, the assessor an
// independent assessor organisation and each panel a real one.
func CreateCycle(ctx context.Context, d *db.DB, n NewCycle, by *auth.Identity, now time.Time) (int64, error) {
	var v errs.Validation
	n.Title = strings.TrimSpace(n.Title)
	v.Check(n.Title != "", "title", "Enter a name for the cycle")
	tooLong(&v, "title", "The name", n.Title)
	if n.VersionID == 0 {
		v.Add("version", "Choose the published standard to evaluate against")
	} else if _, err := standards.VersionByID(ctx, d, n.VersionID); errs.Is(err, errs.NotFound) {
		v.Add("version", "Choose a published standard from the list")
	} else if err != nil {
		return 0, err
	}
	if n.AssessorID == 0 {
		v.Add("assessor", "Choose the independent assessor")
	} else if o, err := directory.OrganisationByID(ctx, d, n.AssessorID); err != nil && !errs.Is(err, errs.NotFound) {
		return 0, err
	} else if err != nil || o.Type != directory.IndependentAssessor {
		v.Add("assessor", "Choose an independent assessor from the list")
	}
	if n.StartsOn.IsZero() && !v.Has("starts") {
		v.Add("starts", "Enter the start date")
	}
	if n.EndsOn.IsZero() && !v.Has("ends") {
		v.Add("ends", "Enter the end date")
	}
	if !n.StartsOn.IsZero() && !n.EndsOn.IsZero() && !n.EndsOn.After(n.StartsOn) {
		v.Add("ends", "The end date must be after the start date")
	}
	if len(n.PanelIDs) == 0 {
		v.Add("panels", "Choose at least one panel to carry out the evaluation")
	}
	for _, p := range n.PanelIDs {
		if _, err := panels.PanelByID(ctx, d, p); errs.Is(err, errs.NotFound) {
			v.Add("panels", "Choose panels from the list")
		} else if err != nil {
			return 0, err
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err := d.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO evaluation_cycles (title, version_id, assessor_id, starts_on, ends_on, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, n.Title, n.VersionID, n.AssessorID, day(n.StartsOn), day(n.EndsOn),
			actor(by), utc(now)).Scan(&id); err != nil {
			return fmt.Errorf("insert cycle: %w", err)
		}
		for _, p := range slices.Compact(slices.Sorted(slices.Values(n.PanelIDs))) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_cycle_panels (cycle_id, panel_id) VALUES ($1, $2)`, id, p); err != nil {
				return fmt.Errorf("insert cycle panel: %w", err)
			}
		}
		return record(ctx, tx, by, "evaluation.cycle_commissioned", fmt.Sprintf("evaluation-cycle:%d", id), "", n, now)
	})
	return id, err
}

const cycleColumns = `c.id, c.title, c.version_id, c.assessor_id, o.name, c.starts_on, c.ends_on, c.created_at
	FROM evaluation_cycles c JOIN organisations o ON o.id = c.assessor_id`

func scanCycle(s db.Scanner) (Cycle, error) {
	var c Cycle
	var starts, ends string
	err := s.Scan(&c.ID, &c.Title, &c.Version.ID, &c.AssessorID, &c.AssessorName, &starts, &ends, &c.CreatedAt)
	c.StartsOn, c.EndsOn = parseDay(starts), parseDay(ends)
	return c, err
}

// ListCycles lists every cycle, newest first, with their versions and panels.
func ListCycles(ctx context.Context, d *db.DB) ([]Cycle, error) {
	cs, err := db.Collect(ctx, d.Read, scanCycle, `SELECT `+cycleColumns+` ORDER BY c.starts_on DESC, c.id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list cycles: %w", err)
	}
	// Every cycle's panels in one query, and each version of the standards once: a national
	// funder's list has a cycle for each region and year, and a query or two for each cost a
	// round trip apiece on PostgreSQL.
	type cyclePanel struct{ cycle, panel int64 }
	links, err := db.Collect(ctx, d.Read, func(s db.Scanner) (cp cyclePanel, err error) { err = s.Scan(&cp.cycle, &cp.panel); return cp, err },
		`SELECT cycle_id, panel_id FROM evaluation_cycle_panels ORDER BY cycle_id, panel_id`)
	if err != nil {
		return nil, fmt.Errorf("list cycles' panels: %w", err)
	}
	panels := map[int64][]int64{}
	for _, l := range links {
		panels[l.cycle] = append(panels[l.cycle], l.panel)
	}
	versions := map[int64]standards.VersionRef{}
	for i := range cs {
		c := &cs[i]
		v, ok := versions[c.Version.ID]
		if !ok {
			if v, err = standards.VersionByID(ctx, d, c.Version.ID); err != nil {
				return nil, err
			}
			versions[c.Version.ID] = v
		}
		c.Version, c.PanelIDs = v, panels[c.ID]
	}
	return cs, nil
}

// GetCycle reads one cycle.
func GetCycle(ctx context.Context, d *db.DB, id int64) (Cycle, error) {
	c, err := scanCycle(d.Read.QueryRowContext(ctx, `SELECT `+cycleColumns+` WHERE c.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, errs.New(errs.NotFound, "There is no such evaluation cycle.")
	}
	if err != nil {
		return c, fmt.Errorf("read cycle: %w", err)
	}
	return c, fillCycle(ctx, d, &c)
}

func fillCycle(ctx context.Context, d *db.DB, c *Cycle) error {
	v, err := standards.VersionByID(ctx, d, c.Version.ID)
	if err != nil {
		return err
	}
	c.Version = v
	c.PanelIDs, err = db.Collect(ctx, d.Read, func(s db.Scanner) (id int64, err error) { err = s.Scan(&id); return id, err },
		`SELECT panel_id FROM evaluation_cycle_panels WHERE cycle_id = $1 ORDER BY panel_id`, c.ID)
	return err
}

// Team is one council in a cycle and the panel members who evaluate it.
type Team struct {
	ID              int64
	CycleID         int64
	CycleTitle      string
	VersionID       int64
	AssessorID      int64
	CouncilID       int64
	CouncilGSS      string
	CouncilName     string
	RegionName      string
	PanelID         int64
	PanelName       string
	PanelOrgID      int64
	Findings        string
	Recommendations string
	PublishedAt     time.Time // zero until the findings are published
	PlanPublishedAt time.Time // zero until the council publishes its action plan
	// MemberIDs are the evaluators assigned.
	MemberIDs []int64
}

// Published reports whether the findings are out: then the council sees them.
func (t Team) Published() bool { return !t.PublishedAt.IsZero() }

// Evaluates reports whether the person is one of the team's evaluators.
func (t Team) Evaluates(id *auth.Identity) bool {
	return id != nil && slices.Contains(t.MemberIDs, id.PersonID) && id.HasIn(auth.Member, t.PanelOrgID)
}

// Facilitates reports whether the person facilitates the team's panel.
func (t Team) Facilitates(id *auth.Identity) bool { return id.HasIn(auth.Facilitator, t.PanelOrgID) }

// Assesses reports whether the person works for the cycle's independent assessor.
func (t Team) Assesses(id *auth.Identity) bool { return id.HasIn(auth.Assessor, t.AssessorID) }

// OfCouncil reports whether the person is an officer of the evaluated council.
func (t Team) OfCouncil(id *auth.Identity) bool { return id.HasIn(auth.CouncilOfficer, t.CouncilID) }

// Oversees reports whether the person is the funder or an administrator.
func Oversees(id *auth.Identity) bool { return id.HasAny(auth.Funder, auth.Admin) }

// SeesTeam reports whether the person may open the team's page: its evaluators, facilitators,
// the assessor, and the funder. Nobody else learns the team exists.
func (t Team) SeesTeam(id *auth.Identity) bool {
	return t.Evaluates(id) || t.Facilitates(id) || t.Assesses(id) || Oversees(id)
}

// Subject names the team in the audit log.
func (t Team) Subject() string { return fmt.Sprintf("evaluation-team:%d", t.ID) }

// Scope names the council in the audit log.
func (t Team) Scope() string { return "council:" + t.CouncilGSS }

// AddCouncil adds a council to a cycle, with the panel whose members will evaluate it.
func AddCouncil(ctx context.Context, d *db.DB, cycleID int64, gss string, panelID int64, by *auth.Identity, now time.Time) (int64, error) {
	c, err := GetCycle(ctx, d, cycleID)
	if err != nil {
		return 0, err
	}
	var v errs.Validation
	gss = strings.ToUpper(strings.TrimSpace(gss))
	var council directory.Council
	if gss == "" {
		v.Add("council", "Enter the council's GSS code, like E06000032")
	} else if council, err = directory.CouncilByCode(ctx, d, gss); errs.Is(err, errs.NotFound) || err == nil && !council.Current {
		v.Add("council", gss+" is not the GSS code of a current council")
	} else if err != nil {
		return 0, err
	}
	v.Check(slices.Contains(c.PanelIDs, panelID), "panel", "Choose one of the cycle's panels")
	if err := v.Err(); err != nil {
		return 0, err
	}
	var id int64
	err = d.Tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO evaluation_teams (cycle_id, council_id, council_gss, council_name, region_name, panel_id)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, cycleID, council.OrganisationID, council.GSSCode, council.Name, council.RegionName, panelID).Scan(&id)
		if db.IsUniqueViolation(err) {
			return &errs.Error{Code: errs.Conflict, Fields: map[string]string{"council": council.Name + " is already in this cycle"}, Order: []string{"council"}}
		}
		if err != nil {
			return fmt.Errorf("insert team: %w", err)
		}
		return record(ctx, tx, by, "evaluation.council_added", fmt.Sprintf("evaluation-team:%d", id), "council:"+council.GSSCode,
			map[string]any{"cycle": cycleID, "panel": panelID}, now)
	})
	return id, err
}

const teamColumns = `t.id, t.cycle_id, c.title, c.version_id, c.assessor_id, t.council_id, t.council_gss, t.council_name, t.region_name,
	t.panel_id, t.findings, t.recommendations, t.published_at, t.plan_published_at
	FROM evaluation_teams t JOIN evaluation_cycles c ON c.id = t.cycle_id`

func scanTeam(s db.Scanner) (Team, error) {
	var t Team
	var pub, plan sql.NullTime
	err := s.Scan(&t.ID, &t.CycleID, &t.CycleTitle, &t.VersionID, &t.AssessorID, &t.CouncilID, &t.CouncilGSS, &t.CouncilName,
		&t.RegionName, &t.PanelID, &t.Findings, &t.Recommendations, &pub, &plan)
	if pub.Valid {
		t.PublishedAt = pub.Time.UTC()
	}
	if plan.Valid {
		t.PlanPublishedAt = plan.Time.UTC()
	}
	return t, err
}

// TeamFilter narrows a list of teams; the zero filter lists all.
type TeamFilter struct {
	CycleID    int64
	CouncilGSS string
	// PublishedOnly keeps teams whose findings are published.
	PublishedOnly bool
	// For keeps the teams the person may be on: those they are a member of, those of the
	// panels they facilitate and those of the cycles their assessor organisation assesses
	// (Team.Evaluates, Facilitates and Assesses decide).
	For *auth.Identity
}

// ListTeams lists teams by cycle (newest first), then council name, with their panels and
// evaluators.
func ListTeams(ctx context.Context, d *db.DB, f TeamFilter) ([]Team, error) {
	q := `SELECT ` + teamColumns + ` WHERE 1 = 1`
	var args []any
	if f.CycleID != 0 {
		args = append(args, f.CycleID)
		q += fmt.Sprintf(" AND t.cycle_id = $%d", len(args))
	}
	if f.CouncilGSS != "" {
		args = append(args, f.CouncilGSS)
		q += fmt.Sprintf(" AND t.council_gss = $%d", len(args))
	}
	if f.PublishedOnly {
		q += " AND t.published_at IS NOT NULL"
	}
	if f.For != nil {
		args = append(args, f.For.PersonID)
		q += fmt.Sprintf(` AND (t.id IN (SELECT team_id FROM evaluation_team_members WHERE person_id = $%d)
			OR t.panel_id IN (SELECT id FROM panels WHERE organisation_id IN (%s)) OR c.assessor_id IN (%s))`,
			len(args), idList(f.For.OrganisationsFor(auth.Facilitator)), idList(f.For.OrganisationsFor(auth.Assessor)))
	}
	q += " ORDER BY c.starts_on DESC, c.id DESC, t.council_name"
	ts, err := db.Collect(ctx, d.Read, scanTeam, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list teams: %w", err)
	}
	return ts, fillTeams(ctx, d, ts)
}

// GetTeam reads one team.
func GetTeam(ctx context.Context, d *db.DB, id int64) (Team, error) {
	t, err := scanTeam(d.Read.QueryRowContext(ctx, `SELECT `+teamColumns+` WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, errs.New(errs.NotFound, "There is no such evaluation team.")
	}
	if err != nil {
		return t, fmt.Errorf("read team: %w", err)
	}
	ts := []Team{t}
	return ts[0], fillTeams(ctx, d, ts)
}

// fillTeams adds each team's panel and evaluators, with one query for each.
func fillTeams(ctx context.Context, d *db.DB, ts []Team) error {
	if len(ts) == 0 {
		return nil
	}
	type member struct{ team, person int64 }
	ids, panelIDs := make([]int64, len(ts)), make([]int64, len(ts))
	for i, t := range ts {
		ids[i], panelIDs[i] = t.ID, t.PanelID
	}
	byID, err := panels.PanelsByID(ctx, d, panelIDs)
	if err != nil {
		return err
	}
	ms, err := db.Collect(ctx, d.Read, func(s db.Scanner) (m member, err error) { err = s.Scan(&m.team, &m.person); return m, err },
		`SELECT team_id, person_id FROM evaluation_team_members WHERE team_id IN (`+idList(ids)+`) ORDER BY assigned_at, person_id`)
	if err != nil {
		return fmt.Errorf("list team members: %w", err)
	}
	at := map[int64]int{}
	for i := range ts {
		at[ts[i].ID] = i
		p := byID[ts[i].PanelID]
		ts[i].PanelName, ts[i].PanelOrgID = p.Name, p.OrganisationID
	}
	for _, m := range ms {
		if i, ok := at[m.team]; ok {
			ts[i].MemberIDs = append(ts[i].MemberIDs, m.person)
		}
	}
	return nil
}

// idList writes ids for an IN list: numbers only, so nothing a person typed; NULL for none,
// which matches nothing.
func idList(ids []int64) string {
	if len(ids) == 0 {
		return "NULL"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(out, ", ")
}

// Person is someone named on a page.
type Person struct {
	ID   int64
	Name string
}

// names reads display names for people.
func names(ctx context.Context, d *db.DB, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	ps, err := db.Collect(ctx, d.Read, func(s db.Scanner) (p Person, err error) { err = s.Scan(&p.ID, &p.Name); return p, err },
		`SELECT id, display_name FROM people WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("read names: %w", err)
	}
	for _, p := range ps {
		out[p.ID] = p.Name
	}
	return out, nil
}

// ResearchTraining is a research course a member completed.
type ResearchTraining struct {
	ID          int64
	PersonID    int64
	Course      string
	CompletedOn time.Time
}

// RecordTraining records a research course a member completed; the date cannot be in the
// future.
func RecordTraining(ctx context.Context, d *db.DB, personID int64, course string, completedOn time.Time, by *auth.Identity, now time.Time) error {
	var v errs.Validation
	course = strings.TrimSpace(course)
	v.Check(personID != 0, "person", "Choose whose training this is")
	v.Check(course != "", "course", "Enter the name of the course")
	tooLong(&v, "course", "The course name", course)
	if completedOn.IsZero() {
		v.Add("completed", "Enter the date the course was completed")
	} else if day(completedOn) > day(now.In(london)) {
		v.Add("completed", "The date the course was completed must be today or in the past")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_research_training (person_id, course, completed_on, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5)`, personID, course, day(completedOn), actor(by), utc(now)); err != nil {
			return fmt.Errorf("insert research training: %w", err)
		}
		return record(ctx, tx, by, "evaluation.research_training_recorded", fmt.Sprintf("person:%d", personID), "",
			map[string]any{"course": course, "completed_on": day(completedOn)}, now)
	})
}

// TrainingOf lists the research training of the people, by person, most recent first.
func TrainingOf(ctx context.Context, d *db.DB, personIDs []int64) (map[int64][]ResearchTraining, error) {
	out := map[int64][]ResearchTraining{}
	if len(personIDs) == 0 {
		return out, nil
	}
	all, err := db.Collect(ctx, d.Read, func(s db.Scanner) (r ResearchTraining, err error) {
		var on string
		err = s.Scan(&r.ID, &r.PersonID, &r.Course, &on)
		r.CompletedOn = parseDay(on)
		return r, err
	}, `SELECT id, person_id, course, completed_on FROM evaluation_research_training ORDER BY completed_on DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list research training: %w", err)
	}
	for _, r := range all {
		if slices.Contains(personIDs, r.PersonID) {
			out[r.PersonID] = append(out[r.PersonID], r)
		}
	}
	return out, nil
}

// Conflict is a declared conflict of interest with a council.
type Conflict struct {
	CouncilID   int64
	CouncilName string
	Reason      string
	DeclaredAt  time.Time
}

// DeclareConflict records that the person has a conflict of interest with a council (works for
// it, receives services from it ...). They are taken off any of its teams whose findings are
// not yet published, with their ratings there, and are never assigned to it again.
func DeclareConflict(ctx context.Context, d *db.DB, by *auth.Identity, councilID int64, reason string, now time.Time) error {
	var v errs.Validation
	reason = strings.TrimSpace(reason)
	var council directory.Organisation
	if councilID == 0 {
		v.Add("conflict_council", "Choose the council")
	} else if o, err := directory.OrganisationByID(ctx, d, councilID); err != nil && !errs.Is(err, errs.NotFound) {
		return err
	} else if err != nil || o.Type != directory.CouncilType {
		v.Add("conflict_council", "Choose a council from the list")
	} else {
		council = o
	}
	v.Check(reason != "", "reason", "Enter what the conflict is, like ‘I get support from their housing team’")
	tooLong(&v, "reason", "The conflict", reason)
	if err := v.Err(); err != nil {
		return err
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO evaluation_conflicts (person_id, council_id, reason, declared_at) VALUES ($1, $2, $3, $4)`,
			by.PersonID, councilID, reason, utc(now))
		if db.IsUniqueViolation(err) {
			return &errs.Error{Code: errs.Conflict, Fields: map[string]string{"conflict_council": "You have already declared a conflict with " + council.Name}, Order: []string{"conflict_council"}}
		}
		if err != nil {
			return fmt.Errorf("insert conflict: %w", err)
		}
		open := `SELECT id FROM evaluation_teams WHERE council_id = $1 AND published_at IS NULL`
		if _, err := tx.ExecContext(ctx, `DELETE FROM evaluation_ratings WHERE person_id = $1 AND team_id IN (`+strings.Replace(open, "$1", "$2", 1)+`)`, by.PersonID, councilID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM evaluation_team_members WHERE person_id = $1 AND team_id IN (`+strings.Replace(open, "$1", "$2", 1)+`)`, by.PersonID, councilID); err != nil {
			return err
		}
		return record(ctx, tx, by, "evaluation.conflict_declared", fmt.Sprintf("person:%d", by.PersonID), "council:"+council.CouncilCode,
			map[string]any{"council": council.Name, "reason": reason}, now)
	})
}

// ConflictsOf lists a person's declared conflicts.
func ConflictsOf(ctx context.Context, d *db.DB, personID int64) ([]Conflict, error) {
	out, err := db.Collect(ctx, d.Read, func(s db.Scanner) (c Conflict, err error) {
		err = s.Scan(&c.CouncilID, &c.CouncilName, &c.Reason, &c.DeclaredAt)
		return c, err
	}, `SELECT c.council_id, o.name, c.reason, c.declared_at FROM evaluation_conflicts c JOIN organisations o ON o.id = c.council_id
		WHERE c.person_id = $1 ORDER BY o.name`, personID)
	if err != nil {
		return nil, fmt.Errorf("list conflicts: %w", err)
	}
	return out, nil
}

// Candidate is a panel member who might join a team, with why they cannot if so.
type Candidate struct {
	Person
	Trained bool
	// Blocked says why the member cannot be assigned; empty when they can.
	Blocked string
}

// Candidates lists the members of the team's panel with whether each can be assigned.
func Candidates(ctx context.Context, d *db.DB, t Team) ([]Candidate, error) {
	ms, err := panels.Members(ctx, d, t.PanelID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, m := range ms {
		if m.Role == auth.Member {
			ids = append(ids, m.PersonID)
		}
	}
	trained, err := TrainingOf(ctx, d, ids)
	if err != nil {
		return nil, err
	}
	conflicted, err := db.Collect(ctx, d.Read, func(s db.Scanner) (id int64, err error) { err = s.Scan(&id); return id, err },
		`SELECT person_id FROM evaluation_conflicts WHERE council_id = $1`, t.CouncilID)
	if err != nil {
		return nil, err
	}
	var out []Candidate
	for _, m := range ms {
		if m.Role != auth.Member {
			continue
		}
		c := Candidate{Person: Person{ID: m.PersonID, Name: m.Name}, Trained: len(trained[m.PersonID]) > 0}
		switch {
		case slices.Contains(t.MemberIDs, m.PersonID):
			c.Blocked = "already on the team"
		case slices.Contains(conflicted, m.PersonID):
			c.Blocked = "has declared a conflict of interest with " + t.CouncilName
		case !c.Trained:
			c.Blocked = "has no research training recorded"
		}
		out = append(out, c)
	}
	return out, nil
}

// Assign puts a panel member on the team. They must be a member of the team's panel, have a
// research training recorded and no conflict with the council, and the findings must not be
// published yet.
func Assign(ctx context.Context, d *db.DB, t Team, personID int64, by *auth.Identity, now time.Time) error {
	if personID == 0 {
		return &errs.Error{Code: errs.Invalid, Fields: map[string]string{"person": "Choose a member to add to the team"}, Order: []string{"person"}}
	}
	if t.Published() {
		return errs.New(errs.Conflict, "The findings are published, so the team cannot change.")
	}
	cs, err := Candidates(ctx, d, t)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(cs, func(c Candidate) bool { return c.ID == personID })
	if i < 0 {
		return &errs.Error{Code: errs.Invalid, Fields: map[string]string{"person": "Choose a member of " + t.PanelName}, Order: []string{"person"}}
	}
	if cs[i].Blocked != "" {
		return &errs.Error{Code: errs.Conflict, Fields: map[string]string{"person": cs[i].Name + " " + cs[i].Blocked}, Order: []string{"person"}}
	}
	return d.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO evaluation_team_members (team_id, person_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4)`,
			t.ID, personID, actor(by), utc(now)); err != nil {
			return fmt.Errorf("assign: %w", err)
		}
		return record(ctx, tx, by, "evaluation.evaluator_assigned", t.Subject(), t.Scope(), map[string]any{"person": personID}, now)
	})
}
