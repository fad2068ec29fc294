package payments

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"slices"
	"strings"
	"time"

	"roundtable/internal/directory"
	"roundtable/internal/funding"
	"roundtable/internal/panels"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

// "Who was at the table": for a panel's meetings or a bid's activities, who took part by
// stakeholder type, each type's share of what was said and how much of it was acted on, how
// much has had an answer, how long payment took, and what people said about being heard.

// TypeFigures are one stakeholder type's figures.
type TypeFigures struct {
	Label                            string
	People                           int64
	Contributions, ActedOn, Answered int
}

// ActedOnPercent is the share of this type's contributions that were acted on.
func (t TypeFigures) ActedOnPercent() int { return percent(t.ActedOn, t.Contributions) }

// Figures are counts shared by a whole table and each meeting or activity in it.
type Figures struct {
	Types                            []TypeFigures
	Contributions, ActedOn, Answered int
	PaidClaims, DaysToPay            int
	Answers, Listened, Again         int
}

// Occasion figures for one meeting or activity.
type OccasionFigures struct {
	Figures
	Title  string
	HeldAt time.Time
}

// Table is the whole page's figures.
type Table struct {
	Figures
	Name      string
	Occasions []OccasionFigures
	// OccasionCount is every meeting or activity the figures count, where Occasions may be
	// one page of them.
	OccasionCount int
}

func percent(n, of int) int {
	if of == 0 {
		return 0
	}
	return (n*100 + of/2) / of
}

// People is how many took part in all.
func (f Figures) People() int64 {
	var n int64
	for _, t := range f.Types {
		n += t.People
	}
	return n
}

// SharePercent is a type's share of all contributions.
func (f Figures) SharePercent(t TypeFigures) int { return percent(t.Contributions, f.Contributions) }

// ClosurePercent is the share of contributions that have had an answer.
func (f Figures) ClosurePercent() int { return percent(f.Answered, f.Contributions) }

// ListenedPercent is the share of answers saying "yes, I felt listened to".
func (f Figures) ListenedPercent() int { return percent(f.Listened, f.Answers) }

// AgainPercent is the share of answers saying "yes, I would come again".
func (f Figures) AgainPercent() int { return percent(f.Again, f.Answers) }

// AverageDays is the average days from the meeting or activity to payment, or "None paid yet".
func (f Figures) AverageDays() string {
	if f.PaidClaims == 0 {
		return "None paid yet"
	}
	d := (f.DaysToPay + f.PaidClaims/2) / f.PaidClaims
	if d == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", d)
}

// Lived is the lived-experience row, for summaries.
func (f Figures) Lived() TypeFigures {
	for _, t := range f.Types {
		if t.Label == livedLabel {
			return t
		}
	}
	return TypeFigures{Label: livedLabel}
}

var livedLabel = funding.TypeLabel(directory.LivedExperience)

const facilitatorLabel = "Facilitators"

// typeOrder puts lived experience first, then the stakeholder types in the directory's order.
func typeOrder(label string) int {
	for i, t := range directory.StakeholderTypes {
		if funding.TypeLabel(t) == label {
			return i
		}
	}
	return len(directory.StakeholderTypes)
}

// row returns the type's row, adding it in order.
func (f *Figures) row(label string) *TypeFigures {
	for i := range f.Types {
		if f.Types[i].Label == label {
			return &f.Types[i]
		}
	}
	f.Types = append(f.Types, TypeFigures{Label: label})
	slices.SortStableFunc(f.Types, func(a, b TypeFigures) int { return typeOrder(a.Label) - typeOrder(b.Label) })
	return f.row(label)
}

// said counts one contribution of a type.
func (f *Figures) said(label string, answered, actedOn bool) { f.saidN(label, 1, answered, actedOn) }

// saidN counts n contributions of a type, all answered or not, acted on or not.
func (f *Figures) saidN(label string, n int, answered, actedOn bool) {
	r := f.row(label)
	r.Contributions += n
	f.Contributions += n
	if answered {
		r.Answered += n
		f.Answered += n
	}
	if actedOn {
		r.ActedOn += n
		f.ActedOn += n
	}
}

// seatLabel is how a panel's figures count someone at its meetings or drafting its
// recommendations: a member of its organisation as lived experience, anyone else (the
// facilitators) apart.
func seatLabel(member bool) string {
	if member {
		return livedLabel
	}
	return facilitatorLabel
}

// add folds another set of figures into these.
func (f *Figures) add(o Figures) {
	for _, t := range o.Types {
		r := f.row(t.Label)
		r.People += t.People
		r.Contributions += t.Contributions
		r.ActedOn += t.ActedOn
		r.Answered += t.Answered
	}
	f.Contributions += o.Contributions
	f.ActedOn += o.ActedOn
	f.Answered += o.Answered
	f.PaidClaims += o.PaidClaims
	f.DaysToPay += o.DaysToPay
	f.Answers += o.Answers
	f.Listened += o.Listened
	f.Again += o.Again
}

// paymentsAndAnswers adds how long payment took and the quick questions' answers for one
// meeting or activity.
func paymentsAndAnswers(ctx context.Context, d *db.DB, source string, id int64, f *Figures) error {
	type paid struct{ held, on time.Time }
	ps, err := db.Collect(ctx, d.Read, func(s db.Scanner) (paid, error) {
		var p paid
		err := s.Scan(&p.held, &p.on)
		return p, err
	}, `SELECT held_at, paid_on FROM payment_claims WHERE source = $1 AND source_id = $2 AND status = 'paid'`, source, id)
	if err != nil {
		return err
	}
	for _, p := range ps {
		f.PaidClaims++
		f.DaysToPay += daysBetween(p.held, p.on)
	}
	type answer struct{ listened, again string }
	as, err := db.Collect(ctx, d.Read, func(s db.Scanner) (answer, error) {
		var a answer
		err := s.Scan(&a.listened, &a.again)
		return a, err
	}, `SELECT listened, again FROM payment_feedback WHERE source = $1 AND source_id = $2`, source, id)
	if err != nil {
		return err
	}
	for _, a := range as {
		f.Answers++
		if a.listened == "yes" {
			f.Listened++
		}
		if a.again == "yes" {
			f.Again++
		}
	}
	return nil
}

// daysBetween counts calendar days in London from one instant to another, never below 0.
func daysBetween(from, to time.Time) int {
	day := func(t time.Time) time.Time {
		l := t.In(web.London)
		return time.Date(l.Year(), l.Month(), l.Day(), 12, 0, 0, 0, time.UTC)
	}
	return max(0, int(day(to).Sub(day(from)).Hours()/24+0.5))
}

// PanelTable works out who was at the table in a panel's recorded meetings, from scratch:
// every meeting, and the whole panel as the sum of them. Members count as lived experience and
// facilitators apart; what was said is the recommendations drafted and the concerns and
// objections raised while deciding them. The panel's page reads PanelPage instead; this is
// what the running totals are checked against.
func PanelTable(ctx context.Context, d *db.DB, p panels.Panel) (Table, error) {
	t := Table{Name: p.Name}
	occasions, err := panelMeetings(ctx, d, p, 0, 0)
	if err != nil {
		return t, err
	}
	for _, o := range occasions {
		t.Occasions = append(t.Occasions, o)
		t.add(o.Figures)
	}
	t.OccasionCount = len(t.Occasions)
	return t, panelSaid(ctx, d, p, &t.Figures)
}

// PanelPage is a panel's table as its page shows it: the whole panel from the running totals
// (as the national page reads it), and one page of its recorded meetings, newest first, each
// worked out from its own rows.
func PanelPage(ctx context.Context, d *db.DB, p panels.Panel, pg *web.Pager) (Table, error) {
	t := Table{Name: p.Name}
	rows, err := panelFigures(ctx, d, []panels.Panel{p})
	if err != nil {
		return t, err
	}
	t.Figures = rows[0].Figures
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM panel_meetings WHERE panel_id = $1 AND recorded_at IS NOT NULL`,
		p.ID).Scan(&t.OccasionCount); err != nil {
		return t, fmt.Errorf("count meetings: %w", err)
	}
	t.Occasions, err = panelMeetings(ctx, d, p, pg.Limit(), pg.Offset())
	return t, err
}

// panelMeetings reads a panel's recorded meetings, newest first, each with its places, claims
// paid and quick answers: all of them (limit 0), or a page. The counts are grouped in the
// database over the meetings read: a national panel has hundreds of meetings and thousands of
// places.
func panelMeetings(ctx context.Context, d *db.DB, p panels.Panel, limit, offset int) ([]OccasionFigures, error) {
	q := `SELECT id, title, starts_at FROM panel_meetings WHERE panel_id = $1 AND recorded_at IS NOT NULL ORDER BY starts_at DESC, id`
	if limit > 0 {
		q += fmt.Sprintf(" LIMIT %d OFFSET %d", limit, max(0, offset))
	}
	meetings, err := db.Collect(ctx, d.Read, func(s db.Scanner) (Occasion, error) {
		o := Occasion{Source: FromMeeting}
		err := s.Scan(&o.ID, &o.Title, &o.HeldAt)
		return o, err
	}, q, p.ID)
	if err != nil {
		return nil, fmt.Errorf("read meetings: %w", err)
	}
	if len(meetings) == 0 {
		return nil, nil
	}
	of := make(map[int64]*OccasionFigures, len(meetings))
	occasions := make([]OccasionFigures, len(meetings))
	// Only a page's meetings: their ids follow the arguments each query already has.
	only := func(first int) (string, []any) {
		if limit <= 0 {
			return "", nil
		}
		marks := make([]string, len(meetings))
		ids := make([]any, len(meetings))
		for i, m := range meetings {
			marks[i], ids[i] = fmt.Sprintf("$%d", first+i), m.ID
		}
		return " AND m.id IN (" + strings.Join(marks, ", ") + ")", ids
	}
	for i, m := range meetings {
		occasions[i] = OccasionFigures{Title: m.Title, HeldAt: m.HeldAt}
		of[m.ID] = &occasions[i]
	}
	type seats struct {
		meeting int64
		member  bool
		n       int64
	}
	in, ids := only(3)
	ss, err := db.Collect(ctx, d.Read, func(s db.Scanner) (seats, error) {
		var x seats
		return x, s.Scan(&x.meeting, &x.member, &x.n)
	}, `SELECT meeting_id, member, COUNT(*) FROM (SELECT a.meeting_id, EXISTS (SELECT 1 FROM memberships ms
			WHERE ms.person_id = a.person_id AND ms.organisation_id = $2 AND ms.role = 'member') AS member
		FROM panel_attendance a JOIN panel_meetings m ON m.id = a.meeting_id WHERE m.panel_id = $1`+in+`) x GROUP BY meeting_id, member`,
		append([]any{p.ID, p.OrganisationID}, ids...)...)
	if err != nil {
		return nil, fmt.Errorf("read attendance: %w", err)
	}
	for _, s := range ss {
		if o := of[s.meeting]; o != nil {
			o.row(seatLabel(s.member)).People += s.n
		}
	}
	type paid struct {
		meeting                              int64
		paid, days, answers, listened, again int
	}
	in, ids = only(2)
	pays, err := db.Collect(ctx, d.Read, func(s db.Scanner) (paid, error) {
		var x paid
		return x, s.Scan(&x.meeting, &x.paid, &x.days, &x.answers, &x.listened, &x.again)
	}, `SELECT pc.source_id, COUNT(*), COALESCE(SUM(pc.days_to_pay), 0), 0, 0, 0 FROM panel_meetings m
			JOIN payment_claims pc ON pc.source = 'meeting' AND pc.source_id = m.id AND pc.status = 'paid'
		WHERE m.panel_id = $1`+in+` GROUP BY pc.source_id
		UNION ALL
		SELECT pf.source_id, 0, 0, COUNT(*), SUM(CASE WHEN pf.listened = 'yes' THEN 1 ELSE 0 END), SUM(CASE WHEN pf.again = 'yes' THEN 1 ELSE 0 END)
		FROM panel_meetings m JOIN payment_feedback pf ON pf.source = 'meeting' AND pf.source_id = m.id
		WHERE m.panel_id = $1`+in+` GROUP BY pf.source_id`, append([]any{p.ID}, ids...)...)
	if err != nil {
		return nil, fmt.Errorf("read payments: %w", err)
	}
	for _, x := range pays {
		if o := of[x.meeting]; o != nil {
			o.PaidClaims += x.paid
			o.DaysToPay += x.days
			o.Answers += x.answers
			o.Listened += x.listened
			o.Again += x.again
		}
	}
	return occasions, nil
}

// panelSaid adds what was said at a panel, from scratch: the recommendations drafted and the
// concerns and objections raised while deciding them.
func panelSaid(ctx context.Context, d *db.DB, p panels.Panel, t *Figures) error {
	type rec struct {
		status, answer string
		member         bool
	}
	recs, err := db.Collect(ctx, d.Read, func(s db.Scanner) (rec, error) {
		var x rec
		err := s.Scan(&x.status, &x.answer, &x.member)
		return x, err
	}, `SELECT r.status, r.answer, EXISTS (SELECT 1 FROM memberships ms WHERE ms.person_id = r.drafted_by
			AND ms.organisation_id = $2 AND ms.role = 'member')
		FROM recommendations r WHERE r.panel_id = $1`, p.ID, p.OrganisationID)
	if err != nil {
		return fmt.Errorf("read recommendations: %w", err)
	}
	for _, r := range recs {
		answered, acted, _ := recommendationOutcome(r.status, r.answer)
		label := facilitatorLabel
		if r.member {
			label = livedLabel
		}
		t.said(label, answered, acted)
	}
	type raised struct {
		resolved bool
		status   string
	}
	rs, err := db.Collect(ctx, d.Read, func(s db.Scanner) (raised, error) {
		var x raised
		err := s.Scan(&x.resolved, &x.status)
		return x, err
	}, `SELECT cr.resolved_at IS NOT NULL, r.status FROM consent_responses cr JOIN consent_rounds ro ON ro.id = cr.round_id
		JOIN recommendations r ON ro.subject = 'recommendation:' || r.id
		WHERE r.panel_id = $1 AND cr.kind IN ('concern', 'object') AND cr.reason <> ''`, p.ID)
	if err != nil {
		return fmt.Errorf("read concerns: %w", err)
	}
	for _, r := range rs {
		t.said(livedLabel, r.resolved || r.status != panels.StatusConsent, r.resolved)
	}
	return nil
}

// BidTable works out who was at the table in the activities a bid links.
func BidTable(ctx context.Context, d *db.DB, b funding.Bid) (Table, error) {
	t := Table{Name: b.Title}
	if t.Name == "" {
		t.Name = b.CouncilName + "'s bid"
	}
	p, err := funding.GetProgramme(ctx, d, b.ProgrammeID, true)
	if err != nil {
		return t, err
	}
	ev, err := funding.BuildEvidence(ctx, d, b, p)
	if err != nil {
		return t, err
	}
	for _, a := range ev.Activities {
		o := OccasionFigures{Title: a.Title, HeldAt: a.HeldOn}
		for _, pt := range a.Participants {
			o.row(pt.TypeLabel()).People += pt.People()
		}
		for _, c := range a.Contributions {
			o.said(c.TypeLabel(), c.Response != "", c.Response == "adopted" || c.Response == "adapted")
		}
		if err := paymentsAndAnswers(ctx, d, FromActivity, a.ID, &o.Figures); err != nil {
			return t, err
		}
		t.Occasions = append(t.Occasions, o)
		t.add(o.Figures)
	}
	t.OccasionCount = len(t.Occasions)
	return t, nil
}

// Chart draws each type's share of all contributions and the share of its own contributions
// acted on, as an SVG with a title and a description; the page shows the same numbers in a
// table.
func (t Table) Chart(id string) template.HTML {
	const w, rowH, top, left = 640, 64, 40, 8
	h := top + rowH*max(len(t.Types), 1) + 8
	var b strings.Builder
	var desc []string
	for _, ty := range t.Types {
		desc = append(desc, fmt.Sprintf("%s: %d%% of contributions, %d%% of theirs acted on", ty.Label, t.SharePercent(ty), ty.ActedOnPercent()))
	}
	if len(desc) == 0 {
		desc = []string{"Nothing has been said yet"}
	}
	fmt.Fprintf(&b, `<svg class="rt-chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" xmlns="http://www.w3.org/2000/svg">`, w, h, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">Who was heard: each type's share of what was said, and how much of it was acted on</title><desc id="%s-desc">%s.</desc>`,
		id, id, html.EscapeString(strings.Join(desc, "; ")))
	legend := func(x int, colour, text string) {
		fmt.Fprintf(&b, `<rect x="%d" y="8" width="16" height="16" fill="%s"/><text x="%d" y="21" font-size="15" fill="#0b0c0c">%s</text>`, x, colour, x+22, text)
	}
	legend(left, "#1d70b8", "Share of all contributions")
	legend(left+250, "#00703c", "Share of theirs acted on")
	barW := float64(w - left - 70)
	for i, ty := range t.Types {
		y := top + i*rowH
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="15" font-weight="bold" fill="#0b0c0c">%s</text>`, left, y+14, html.EscapeString(ty.Label))
		for j, v := range []struct {
			pct    int
			colour string
		}{{t.SharePercent(ty), "#1d70b8"}, {ty.ActedOnPercent(), "#00703c"}} {
			by := y + 20 + j*20
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="16" fill="%s"/>`, left, by, barW*float64(v.pct)/100, v.colour)
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" font-size="14" fill="#0b0c0c">%d%%</text>`, float64(left)+barW*float64(v.pct)/100+6, by+13, v.pct)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text is escaped above
}
