package standards

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"roundtable/internal/consent"
	"roundtable/internal/directory"
	"roundtable/internal/ladder"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/web"
)

// helpers are methods every standards view offers its template.
type helpers struct{}

// Paras splits text into its non-empty lines, one paragraph each.
func (helpers) Paras(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// Diff shows a word diff: insertions in <ins> and deletions in <del>, each also marked in
// words ("[added: ...]", "[removed: ...]"), so the change reads without colour or styling.
func (helpers) Diff(spans []Span) template.HTML {
	var b strings.Builder
	for n, s := range spans {
		if n > 0 {
			b.WriteByte(' ')
		}
		text := html.EscapeString(s.Text)
		switch s.Op {
		case Insert:
			b.WriteString(`<ins class="rt-diff-ins">[added: ` + text + `]</ins>`)
		case Deleted:
			b.WriteString(`<del class="rt-diff-del">[removed: ` + text + `]</del>`)
		default:
			b.WriteString(text)
		}
	}
	return template.HTML(b.String())
}

// LevelName names a ladder level.
func (helpers) LevelName(l ladder.Level) string { return l.Name() }

// Ladder lists the ladder's levels, for tables of level descriptions.
func (helpers) Ladder() []ladder.Level { return ladder.Levels }

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.New(errs.NotFound, "Not found.")
	}
	return id, nil
}

func notFound() error { return errs.New(errs.NotFound, "Not found.") }

// standardFor reads the standard the path names, with the signed-in person.
func (h *Handlers) standardFor(r *http.Request) (Standard, *auth.Identity, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return Standard{}, nil, err
	}
	s, err := GetStandard(r.Context(), h.db, id)
	return s, auth.From(r.Context()), err
}

// ---- the list ----

// ListView lists the standards.
type ListView struct {
	web.Page
	Standards []Summary
	// Council is the signed-in officer's council, if any.
	Council directory.Organisation
	Drafts  bool // the person may see drafts (they are in a drafting group)
}

func (h *Handlers) list(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	all, err := ListStandards(ctx, h.db)
	if err != nil {
		return err
	}
	me := auth.From(ctx)
	v := &ListView{Page: web.Page{Title: "Co-production standards"}}
	for _, s := range all {
		if s.Latest != "" {
			v.Standards = append(v.Standards, s)
			continue
		}
		// An unpublished draft is listed only for its drafting group.
		full, err := GetStandard(ctx, h.db, s.ID)
		if err != nil {
			return err
		}
		if full.Drafter(me) {
			v.Standards = append(v.Standards, s)
		}
	}
	if c, err := councilOf(ctx, h, me); err == nil {
		v.Council = c
	}
	return rd.Render(w, r, http.StatusOK, "standards/home", v)
}

// councilOf returns the council the signed-in officer works for; NotFound when none.
func councilOf(ctx context.Context, h *Handlers, me *auth.Identity) (directory.Organisation, error) {
	for _, orgID := range me.OrganisationsFor(auth.CouncilOfficer) {
		o, err := directory.OrganisationByID(ctx, h.db, orgID)
		if err != nil {
			return o, err
		}
		if o.Type == directory.CouncilType {
			return o, nil
		}
	}
	return directory.Organisation{}, notFound()
}

// ---- a standard ----

// StandardView is a standard's page: for its drafting group, the working draft and the
// proposals being decided; for everyone, the latest published version.
type StandardView struct {
	web.Page
	helpers
	Standard    Standard
	Drafter     bool
	Facilitates bool
	Draft       []Clause
	Open        []Proposal
	Decided     []Proposal
	Versions    []Version
	Latest      Version
	Clauses     []VersionClause
	Authors     map[int][]string // clause number: the panels whose proposals wrote it
}

func (h *Handlers) standard(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	s, me, err := h.standardFor(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	v := &StandardView{Page: web.Page{Title: s.Title}, Standard: s, Drafter: s.Drafter(me), Facilitates: s.Facilitates(me)}
	if v.Versions, err = Versions(ctx, h.db, s.ID); err != nil {
		return err
	}
	if !v.Drafter && len(v.Versions) == 0 {
		return notFound()
	}
	if v.Drafter {
		if v.Draft, err = Draft(ctx, h.db, s.ID); err != nil {
			return err
		}
		ps, err := ListProposals(ctx, h.db, s.ID)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if p.State == Open {
				v.Open = append(v.Open, p)
			} else {
				v.Decided = append(v.Decided, p)
			}
		}
	}
	if len(v.Versions) > 0 {
		v.Latest = v.Versions[0]
		if v.Clauses, err = VersionClauses(ctx, h.db, v.Latest.ID); err != nil {
			return err
		}
		if v.Authors, err = Authors(ctx, h.db, s.ID, v.Latest.PublishedAt); err != nil {
			return err
		}
	}
	return rd.Render(w, r, http.StatusOK, "standards/standard", v)
}

// VersionView is one published version.
type VersionView struct {
	web.Page
	helpers
	Standard Standard
	Version  Version
	Versions []Version
	Clauses  []VersionClause
	Authors  map[int][]string
}

func (h *Handlers) version(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	s, _, err := h.standardFor(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	ver, err := VersionByNumber(ctx, h.db, s.ID, r.PathValue("number"))
	if err != nil {
		return err
	}
	v := &VersionView{Page: web.Page{Title: fmt.Sprintf("%s, version %s", s.Title, ver.Number), Back: s.Path()}, Standard: s, Version: ver}
	if v.Versions, err = Versions(ctx, h.db, s.ID); err != nil {
		return err
	}
	if v.Clauses, err = VersionClauses(ctx, h.db, ver.ID); err != nil {
		return err
	}
	if v.Authors, err = Authors(ctx, h.db, s.ID, ver.PublishedAt); err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "standards/version", v)
}

// DiffView compares two versions.
type DiffView struct {
	web.Page
	helpers
	Standard Standard
	Options  []web.Option
	From, To Version
	Clauses  []ClauseDiff
	Compared bool
}

func (h *Handlers) diff(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	s, _, err := h.standardFor(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	vs, err := Versions(ctx, h.db, s.ID)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return notFound()
	}
	f := web.Form{Values: r.URL.Query()}
	v := &DiffView{Page: web.Page{Title: "Compare versions of " + s.Title, Back: s.Path(), Form: f}, Standard: s}
	for _, ver := range vs {
		v.Options = append(v.Options, web.Option{Value: ver.Number, Text: "Version " + ver.Number})
	}
	from, to := f.Get("from"), f.Get("to")
	if from == "" && to == "" {
		if len(vs) > 1 {
			v.Form.Values.Set("from", vs[1].Number)
		}
		v.Form.Values.Set("to", vs[0].Number)
		return rd.Render(w, r, http.StatusOK, "standards/diff", v)
	}
	var val errs.Validation
	find := func(field, number, label string) Version {
		for _, ver := range vs {
			if ver.Number == number {
				return ver
			}
		}
		val.Add(field, "Choose the version to compare "+label)
		return Version{}
	}
	v.From, v.To = find("from", from, "from"), find("to", to, "with")
	if err := val.Err(); err != nil {
		return rd.Mistakes(w, r, "standards/diff", v, f, err)
	}
	if v.Clauses, err = Compare(ctx, h.db, v.From.ID, v.To.ID); err != nil {
		return err
	}
	v.Compared = true
	v.Title = fmt.Sprintf("Changes from version %s to %s", v.From.Number, v.To.Number)
	return rd.Render(w, r, http.StatusOK, "standards/diff", v)
}

// ---- clause history ----

// HistoryView shows where each line of a clause came from.
type HistoryView struct {
	web.Page
	helpers
	Standard Standard
	Clause   Clause
	Changes  []Change
}

func (h *Handlers) history(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	s, me, err := h.standardFor(r)
	if err != nil {
		return err
	}
	if !s.Drafter(me) {
		return notFound()
	}
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil {
		return notFound()
	}
	c, err := ClauseByNumber(r.Context(), h.db, s.ID, n)
	if err != nil {
		return err
	}
	v := &HistoryView{Page: web.Page{Title: fmt.Sprintf("History of clause %d: %s", c.Number, c.Title), Back: s.Path()}, Standard: s, Clause: c}
	if v.Changes, err = ClauseHistory(r.Context(), h.db, s.ID, n); err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "standards/history", v)
}

// atLondonDay reads a GOV.UK date input as a calendar date (midnight UTC of that day).
func atLondonDay(f web.Form, name, label string) (time.Time, string) {
	ds, ms, ys := f.Get(name+"-day"), f.Get(name+"-month"), f.Get(name+"-year")
	if ds == "" && ms == "" && ys == "" {
		return time.Time{}, "Enter the " + label
	}
	d, e1 := strconv.Atoi(strings.TrimSpace(ds))
	m, e2 := strconv.Atoi(strings.TrimSpace(ms))
	y, e3 := strconv.Atoi(strings.TrimSpace(ys))
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if e1 != nil || e2 != nil || e3 != nil || y < 2000 || y > 2100 || t.Day() != d || int(t.Month()) != m {
		return time.Time{}, "The " + label + " must be a real date, like 20 8 2026"
	}
	return t, ""
}

// Register adds the standards routes.
func (h *Handlers) Register(rt *web.Router) {
	rd := rt.Renderer()
	wrap := func(f func(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error) web.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) error { return f(w, r, rd) }
	}
	drafters := web.Roles(auth.Member, auth.Facilitator)
	officers := web.Roles(auth.CouncilOfficer)
	rt.Handle("GET /standards", web.Public, wrap(h.list))
	rt.Handle("GET /standards/adoptions", web.Public, wrap(h.adoptions))
	rt.Handle("GET /standards/new", web.Roles(auth.Facilitator), wrap(h.newStandardForm))
	rt.Handle("POST /standards", web.Roles(auth.Facilitator), wrap(h.createStandard))
	rt.Handle("GET /standards/{id}", web.Public, wrap(h.standard))
	rt.Handle("GET /standards/{id}/versions/{number}", web.Public, wrap(h.version))
	rt.Handle("GET /standards/{id}/diff", web.Public, wrap(h.diff))
	rt.Handle("GET /standards/{id}/clauses/{number}", drafters, wrap(h.history))
	rt.Handle("GET /standards/{id}/proposals/new", drafters, wrap(h.newProposalForm))
	rt.Handle("POST /standards/{id}/proposals", drafters, wrap(h.createProposal))
	rt.Handle("GET /standards/{id}/proposals/{pid}", drafters, wrap(h.proposal))
	rt.Handle("POST /standards/{id}/proposals/{pid}/comments", drafters, wrap(h.comment))
	rt.Handle("POST /standards/{id}/proposals/{pid}/respond", drafters, wrap(h.respond))
	rt.Handle("POST /standards/{id}/proposals/{pid}/resolve", web.Roles(auth.Facilitator), wrap(h.resolve))
	rt.Handle("POST /standards/{id}/proposals/{pid}/decide", web.Roles(auth.Facilitator), wrap(h.decide))
	rt.Handle("GET /standards/{id}/publish", web.Roles(auth.Facilitator), wrap(h.publishForm))
	rt.Handle("POST /standards/{id}/publish", web.Roles(auth.Facilitator), wrap(h.publish))
	rt.Handle("GET /standards/adoptions/councils/{gss}", web.Public, wrap(h.council))
	shown := pagecache.Page{Kinds: []string{"standards", "consent", "directory", "accounts", "panels"}}
	for _, p := range []string{"/standards", "/standards/adoptions", "/standards/{id}", "/standards/{id}/versions/{number}", "/standards/{id}/diff", "/standards/adoptions/councils/{gss}"} {
		rt.Cache("GET "+p, shown)
	}
	rt.Handle("GET /standards/adoptions/councils/{gss}/adopt", officers, wrap(h.adoptForm))
	rt.Handle("POST /standards/adoptions/councils/{gss}/adopt", officers, wrap(h.adopt))
	rt.Handle("GET /standards/adoptions/councils/{gss}/self-assessment/{version}", officers, wrap(h.selfAssessmentForm))
	rt.Handle("POST /standards/adoptions/councils/{gss}/self-assessment/{version}", officers, wrap(h.saveSelfAssessment))
}

// kindOptions are the consent responses as radios.
func kindOptions() []web.Option {
	var out []web.Option
	for _, k := range consent.Kinds {
		out = append(out, web.Option{Value: string(k), Text: k.Label()})
	}
	return out
}
