package demo

// The national-scale dataset: the demo, then every council in England at work for years, so
// that pages and queries can be measured at the size the service is built for. The big tables
// are written with multi-row INSERTs in large transactions, straight into each capability's
// tables; the few things with rules worth keeping (panels, evaluation cycles, the rough
// sleeping import) go through the capabilities' own functions.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/directory"
	"roundtable/internal/insight"
	"roundtable/internal/panels"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

// National sizes the dataset of issue 8 at Factor 1.
var National = Sizes{LocalGroups: 30, Members: 5_000, Cycles: 10, Programmes: 100, Bids: 20_000,
	Contributions: 1_000_000, Claims: 200_000, Recommendations: 2_000, TeamsPerCycle: 60}

// Sizes are the totals the generator reaches, the demo's own rows included.
type Sizes struct {
	LocalGroups, Members, Cycles, Programmes, Bids, Contributions, Claims, Recommendations, TeamsPerCycle int
}

// Scaled shrinks every size but the local groups (cheap, and pages need them) by factor.
func (s Sizes) Scaled(factor float64) Sizes {
	n := func(v int) int { return max(1, int(math.Round(float64(v)*factor))) }
	return Sizes{LocalGroups: s.LocalGroups, Members: n(s.Members), Cycles: n(s.Cycles), Programmes: n(s.Programmes), Bids: n(s.Bids),
		Contributions: n(s.Contributions), Claims: n(s.Claims), Recommendations: n(s.Recommendations), TeamsPerCycle: n(s.TeamsPerCycle)}
}

// NationalOptions say where the reference data is, how big to go and where to report.
type NationalOptions struct {
	Options
	// RoughSleepingFile is the DLUHC snapshot; empty for the one beside the council register.
	RoughSleepingFile string
	Sizes             Sizes
	// Seed makes the data the same on every run with the same seed.
	Seed uint64
	// Progress hears how long each part took; nil for silence.
	Progress io.Writer
	Now      time.Time
}

// LoadNational fills an empty database with the demo and then the national-scale dataset. It
// returns the row counts of the main tables.
func LoadNational(ctx context.Context, d *db.DB, opt NationalOptions) (map[string]int64, error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	opt.Now = opt.Now.UTC().Truncate(time.Second)
	if opt.Progress == nil {
		opt.Progress = io.Discard
	}
	g := &generator{ctx: ctx, d: d, opt: opt, now: opt.Now, rng: rand.New(rand.NewPCG(opt.Seed, 0x726f756e64746162))}
	start := time.Now()
	steps := []struct {
		name string
		fn   func() error
	}{
		{"demo data and the council register", g.demo},
		{"councils and local groups", g.world},
		{"people", g.people},
		{"programmes", g.programmes},
		{"bids", g.bids},
		{"co-production logs and contributions", g.logs},
		{"panel meetings and attendance", g.meetings},
		{"payment claims", g.claims},
		{"recommendations", g.recommendations},
		{"standards adoptions and evaluation cycles", g.evaluation},
		{"statistics and identities", g.finish},
	}
	for _, s := range steps {
		t := time.Now()
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Fprintf(opt.Progress, "  %-44s %8s\n", s.name, time.Since(t).Round(10*time.Millisecond))
	}
	counts, err := Counts(ctx, d)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(opt.Progress, "  %-44s %8s\n", "all", time.Since(start).Round(10*time.Millisecond))
	return counts, nil
}

// CountedTables are the tables whose rows LoadNational reports.
var CountedTables = []string{"councils", "regions", "organisations", "people", "memberships", "panels", "panel_meetings", "panel_attendance",
	"recommendations", "consent_rounds", "consent_responses", "funding_programmes", "funding_bids", "funding_activities",
	"funding_participants", "funding_contributions", "funding_scores", "funding_outcomes", "payment_claims",
	"standard_versions", "standard_adoptions", "standard_self_ratings", "evaluation_cycles", "evaluation_teams",
	"evaluation_ratings", "evaluation_agreed", "evaluation_independent", "rough_sleeping_figures", "audit_log"}

// Counts counts the rows of each of CountedTables.
func Counts(ctx context.Context, d *db.DB) (map[string]int64, error) {
	out := map[string]int64{}
	for _, t := range CountedTables {
		var n int64
		if err := d.Read.QueryRowContext(ctx, "SELECT count(*) FROM "+t).Scan(&n); err != nil {
			return nil, fmt.Errorf("count %s: %w", t, err)
		}
		out[t] = n
	}
	return out, nil
}

type council struct {
	gss, name, region string
	orgID, regionID   int64
	population        int64
	maturity          float64 // 0..6: how far up the ladder of co-production it usually works
	officer           int64
}

type panel struct {
	id, orgID, regionID int64
	kind, name          string
	council             *council // a local group's council
	members             []int64
	facilitator         int64
}

type bid struct {
	id, programme int64
	c             *council
	opens, closes time.Time
	submitted     bool
	submittedAt   time.Time
	score         int
	decided       bool
	asked         [2]int64 // pence from the capital and revenue pots
}

type generator struct {
	ctx context.Context
	d   *db.DB
	opt NationalOptions
	now time.Time
	rng *rand.Rand

	councils  []*council
	byOrg     map[int64]*council
	regions   map[int64][]*council
	panels    []*panel
	regional  map[int64]*panel // by region
	byRegion  map[int64][]int64
	funder    int64
	assessors []int64
	finance   int64
	pots      map[int64][2]potInfo // programme: capital, revenue
	bidList   []*bid
	// activityClaims are the named people with lived experience at each activity: each is owed.
	activityClaims []attendance
	meetingClaims  []attendance
}

type potInfo struct{ id, limit int64 }

type attendance struct {
	source            string
	sourceID, person  int64
	panel, councilOrg int64 // 0 for none
	payer             int64
	title             string
	held              time.Time
	minutes           int
}

func (g *generator) tx(fn func(tx *sql.Tx) error) error { return g.d.Tx(g.ctx, fn) }

func (g *generator) bulk(tx *sql.Tx, table string, cols ...string) *bulk {
	return newBulk(g.ctx, g.d.Dialect, tx, table, cols...)
}

// between is a time between a and b, to the second.
func (g *generator) between(a, b time.Time) time.Time {
	secs := int64(b.Sub(a) / time.Second)
	if secs <= 0 {
		return a
	}
	return a.Add(time.Duration(g.rng.Int64N(secs)) * time.Second).UTC()
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// sample draws n distinct items (all of them when there are fewer).
func sample[T any](r *rand.Rand, xs []T, n int) []T {
	if n >= len(xs) {
		return slices.Clone(xs)
	}
	idx := r.Perm(len(xs))[:n]
	out := make([]T, n)
	for i, j := range idx {
		out[i] = xs[j]
	}
	return out
}

// level is a rating near a council's usual level, on the ladder.
func (g *generator) level(mean float64) int {
	return int(min(6, max(0, math.Round(mean+g.rng.NormFloat64()*0.9))))
}

func (g *generator) demo() error {
	if g.d.Dialect == db.SQLite {
		// A page cache of 256 MB on the one writer connection, rather than 2 MB, keeps the
		// indexes of the big tables in memory while rows arrive in no order they are kept in.
		if _, err := g.d.Write.ExecContext(g.ctx, "PRAGMA cache_size = -262144"); err != nil {
			return err
		}
	}
	loaded, err := Load(g.ctx, g.d, g.opt.Options)
	if err != nil {
		return err
	}
	if !loaded {
		return errors.New("the database already has data; the national dataset needs an empty one")
	}
	var n int
	if err := g.d.Read.QueryRowContext(g.ctx, "SELECT count(*) FROM rough_sleeping_figures").Scan(&n); err != nil || n > 0 {
		return err
	}
	// The demo goes on without the figures when it cannot find them; the national dataset
	// must have them.
	path := g.opt.RoughSleepingFile
	if path == "" {
		path = filepath.Join(filepath.Dir(g.opt.AuthoritiesFile), "rough_sleeping_snapshot_2017_2022_long.csv")
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("the rough sleeping figures: %w", err)
	}
	defer f.Close()
	_, err = insight.ImportRoughSleeping(g.ctx, g.d, f, insight.ImportOptions{Strict: true, Source: filepath.Base(path), Now: g.now})
	return err
}

// regionLean makes regions differ: some have a longer habit of working with people with lived
// experience than others.
var regionLean = map[string]float64{"London": 0.6, "North West": 0.4, "East of England": 0.2, "South West": 0.3, "North East": 0.1,
	"West Midlands": -0.1, "Yorkshire and The Humber": 0, "South East": -0.2, "East Midlands": -0.4}

func (g *generator) world() error {
	var err error
	g.councils, err = db.Collect(g.ctx, g.d.Read, func(s db.Scanner) (*council, error) {
		c := &council{}
		return c, s.Scan(&c.gss, &c.name, &c.orgID, &c.regionID, &c.region, &c.population)
	}, `SELECT c.gss_code, c.name, c.organisation_id, c.region_id, r.name, COALESCE(c.population, 0)
		FROM councils c JOIN regions r ON r.id = c.region_id
		WHERE c.is_current AND c.organisation_id IS NOT NULL ORDER BY c.gss_code`)
	if err != nil {
		return err
	}
	if len(g.councils) == 0 {
		return errors.New("no current councils: import the council register first")
	}
	g.byOrg, g.regions = map[int64]*council{}, map[int64][]*council{}
	for _, c := range g.councils {
		// Most councils inform and consult; a few co-design or co-produce, and bigger ones
		// have a little more habit of it.
		c.maturity = min(6, max(0.3, 2.6+regionLean[c.region]+0.15*math.Log10(float64(max(c.population, 10_000))/100_000)+g.rng.NormFloat64()*1.1))
		g.byOrg[c.orgID] = c
		g.regions[c.regionID] = append(g.regions[c.regionID], c)
	}
	if err := g.loadPanels(); err != nil {
		return err
	}
	// More local groups, in the bigger councils first, each with its own organisation.
	hasGroup := map[int64]bool{}
	local := 0
	for _, p := range g.panels {
		if p.kind == panels.Local {
			local++
			if p.council != nil {
				hasGroup[p.council.orgID] = true
			}
		}
	}
	bySize := slices.Clone(g.councils)
	sort.SliceStable(bySize, func(i, j int) bool { return bySize[i].population > bySize[j].population })
	for _, c := range bySize {
		if local >= g.opt.Sizes.LocalGroups {
			break
		}
		if hasGroup[c.orgID] {
			continue
		}
		name := c.name + " Lived Experience Group (example)"
		org, err := directory.CreateOrganisation(g.ctx, g.d, directory.NewOrganisation{Name: name, StakeholderType: directory.LivedExperience,
			Region: c.region, Description: "People with lived experience of homelessness in " + c.name + ", working with the council and its partners."})
		if err != nil {
			return fmt.Errorf("group %s: %w", name, err)
		}
		if _, err := panels.CreatePanel(g.ctx, g.d, panels.NewPanel{Name: name, Slug: directory.Slugify(c.name), Kind: panels.Local, OrganisationID: org,
			RegionID: c.regionID, About: "A local group of people with lived experience of homelessness in " + c.name + "."}, g.now.AddDate(-6, 0, 0)); err != nil {
			return fmt.Errorf("group %s: %w", name, err)
		}
		hasGroup[c.orgID] = true
		local++
	}
	return g.loadPanels()
}

// loadPanels reads the panels; a local group belongs to the council it is named after, or
// the first council of its region.
func (g *generator) loadPanels() error {
	ps, err := db.Collect(g.ctx, g.d.Read, func(s db.Scanner) (*panel, error) {
		p := &panel{}
		var region sql.NullInt64
		err := s.Scan(&p.id, &p.orgID, &region, &p.kind, &p.name)
		p.regionID = region.Int64
		return p, err
	}, "SELECT id, organisation_id, region_id, kind, name FROM panels ORDER BY id")
	if err != nil {
		return err
	}
	g.panels, g.regional = ps, map[int64]*panel{}
	for _, p := range ps {
		if p.kind == panels.Regional {
			g.regional[p.regionID] = p
			continue
		}
		for _, c := range g.regions[p.regionID] {
			if strings.HasPrefix(p.name, c.name+" ") || strings.Contains(p.name, " "+c.name+" ") {
				p.council = c
			}
		}
		if p.council == nil && len(g.regions[p.regionID]) > 0 {
			p.council = g.regions[p.regionID][0]
		}
	}
	return nil
}

var firstNames = strings.Fields(`Aaliyah Abdi Adam Ade Agnieszka Ahmed Aisha Alex Ali Amara Amir Andrea Andy Ann Anna Ash Ayo Bea Ben Beth Bilal
	Billy Bola Brian Carl Carmen Cath Chris Ciara Col Connor Craig Dan Dani Darren Dave Dee Denise Dev Dom Donna Ed Elif Ella Emeka Femi Fran
	Gary Gemma Geri Grace Hamza Hannah Ian Imran Irena Jack Jade Jamal Jas Jay Jen Jo Joe Jordan Josh Kai Kam Karen Kat Keith Kelly Kemi Kev
	Kim Kirsty Lee Leon Lisa Liz Lou Luca Mags Maria Mark Marta Mel Mick Mo Nadia Nat Neil Nia Nick Nina Noor Ola Omar Pat Paul Pete Priya
	Rab Rachel Ravi Ray Rhi Rob Ronan Rosa Ryan Sal Sam Sana Sean Shaz Si Sonia Steph Steve Sue Tam Tariq Terry Tom Toni Tony Vic Wes Yasmin Zak Zoe`)

func (g *generator) people() error {
	var err error
	if g.funder, err = personID(g.ctx, g.d, "funder@roundtable.example"); err != nil {
		return err
	}
	if g.finance, err = personID(g.ctx, g.d, "finance@roundtable.example"); err != nil {
		return err
	}
	assessor, err := personID(g.ctx, g.d, "assessor@roundtable.example")
	if err != nil {
		return err
	}
	g.assessors = []int64{assessor}
	// The demo's members belong to their panels already.
	existing, err := db.Collect(g.ctx, g.d.Read, func(s db.Scanner) (m [2]int64, err error) { err = s.Scan(&m[0], &m[1]); return m, err },
		"SELECT person_id, organisation_id FROM memberships WHERE role = $1 AND organisation_id IS NOT NULL ORDER BY person_id, organisation_id", string(auth.Member))
	if err != nil {
		return err
	}
	panelByOrg := map[int64]*panel{}
	for _, p := range g.panels {
		panelByOrg[p.orgID] = p
	}
	for _, m := range existing {
		if p := panelByOrg[m[1]]; p != nil {
			p.members = append(p.members, m[0])
		}
	}
	var total int
	if err := g.d.Read.QueryRowContext(g.ctx, "SELECT count(DISTINCT person_id) FROM memberships WHERE role = $1", string(auth.Member)).Scan(&total); err != nil {
		return err
	}
	// Members join a local group more often than a regional panel; bigger places have more.
	weights := make([]float64, len(g.panels))
	var sum float64
	for i, p := range g.panels {
		if p.kind == panels.Local && p.council != nil {
			weights[i] = 2 * math.Sqrt(float64(max(p.council.population, 50_000)))
		} else {
			var pop int64
			for _, c := range g.regions[p.regionID] {
				pop += c.population
			}
			weights[i] = math.Sqrt(float64(max(pop, 1_000_000)))
		}
		sum += weights[i]
	}
	choosePanel := func() *panel {
		x := g.rng.Float64() * sum
		for i, w := range weights {
			if x -= w; x < 0 {
				return g.panels[i]
			}
		}
		return g.panels[len(g.panels)-1]
	}
	return g.tx(func(tx *sql.Tx) error {
		id, err := nextID(g.ctx, tx, "people")
		if err != nil {
			return err
		}
		people := g.bulk(tx, "people", "id", "display_name", "login", "email", "password_hash", "created_at")
		members := g.bulk(tx, "memberships", "person_id", "organisation_id", "role", "created_at").after(people)
		add := func(name, login, email string, role auth.Role, org int64, at time.Time) (int64, error) {
			pid := id
			id++
			if err := people.add(pid, name, login, email, "", at); err != nil {
				return 0, err
			}
			return pid, members.add(pid, nullable(org), string(role), at)
		}
		for i := total; i < g.opt.Sizes.Members; i++ {
			p := choosePanel()
			at := g.between(g.now.AddDate(-8, 0, 0), g.now.AddDate(0, 0, -7))
			name := pick(g.rng, firstNames) + " " + string(rune('A'+g.rng.IntN(26))) + "."
			pid, err := add(name, fmt.Sprintf("member%05d.national", i), "", auth.Member, p.orgID, at)
			if err != nil {
				return err
			}
			p.members = append(p.members, pid)
		}
		for _, c := range g.councils {
			if c.officer, err = add("Housing lead, "+c.name, "officer."+strings.ToLower(c.gss)+"@national.example",
				"officer."+strings.ToLower(c.gss)+"@national.example", auth.CouncilOfficer, c.orgID, g.now.AddDate(-8, 0, 0)); err != nil {
				return err
			}
		}
		for _, p := range g.panels {
			if p.facilitator, err = add("Facilitator, "+p.name, fmt.Sprintf("facilitator.%d@national.example", p.id),
				fmt.Sprintf("facilitator.%d@national.example", p.id), auth.Facilitator, p.orgID, g.now.AddDate(-8, 0, 0)); err != nil {
				return err
			}
		}
		for range 4 {
			aid, err := add("Assessor "+pick(g.rng, firstNames), fmt.Sprintf("assessor.%d@national.example", id), fmt.Sprintf("assessor.%d@national.example", id),
				auth.Assessor, 0, g.now.AddDate(-8, 0, 0))
			if err != nil {
				return err
			}
			g.assessors = append(g.assessors, aid)
		}
		if err := people.close(); err != nil {
			return err
		}
		return members.close()
	})
}

// finish moves PostgreSQL's identity sequences past the generated ids, writes the running
// totals, gives both databases' planners fresh statistics, and records the generation in the
// audit trail.
func (g *generator) finish() error {
	if err := resetIdentity(g.ctx, g.d, "people", "memberships", "funding_programmes", "funding_pots", "funding_bids", "funding_activities",
		"funding_participants", "funding_contributions", "panel_meetings", "payment_claims", "recommendations", "recommendation_updates",
		"consent_rounds", "consent_responses", "evaluation_teams", "evaluation_research_training", "standard_adoptions"); err != nil {
		return err
	}
	// The bulk load wrote claims and contributions without their running totals.
	if err := app.RebuildTotals(g.ctx, g.d); err != nil {
		return err
	}
	if _, err := g.d.Write.ExecContext(g.ctx, "ANALYZE"); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return g.tx(func(tx *sql.Tx) error {
		return audit.Record(g.ctx, tx, audit.Entry{ActorName: "roundtable demo --scale national", Action: "demo.national_generated",
			Subject: "database", At: g.now, After: map[string]any{"seed": g.opt.Seed, "sizes": g.opt.Sizes}})
	})
}

func personID(ctx context.Context, d *db.DB, login string) (int64, error) {
	var id int64
	if err := d.Read.QueryRowContext(ctx, "SELECT id FROM people WHERE login = $1", login).Scan(&id); err != nil {
		return 0, fmt.Errorf("demo person %s: %w", login, err)
	}
	return id, nil
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// nullable is NULL for a zero id.
func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// RunNational loads the national dataset and prints how long each part took, the row counts
// and the demo sign-ins, for `roundtable demo --scale national`.
func RunNational(ctx context.Context, d *db.DB, opt NationalOptions) error {
	w := opt.Progress
	if w == nil {
		w = io.Discard
	}
	fmt.Fprintf(w, "Generating the national dataset on %s:\n", d.Dialect)
	counts, err := LoadNational(ctx, d, opt)
	if err != nil {
		return fmt.Errorf("national data: %w", err)
	}
	fmt.Fprintln(w, "Rows:")
	for _, t := range CountedTables {
		fmt.Fprintf(w, "  %-28s %12s\n", t, web.FormatNumber(counts[t]))
	}
	fmt.Fprintln(w, "Sign in with any of these accounts:")
	for _, a := range Accounts() {
		fmt.Fprintf(w, "  %-30s %-34s %s\n", a.Role, a.Login, a.Password)
	}
	return nil
}
