package funding

import (
	"context"
	"fmt"
	"net/http"

	"roundtable/internal/directory"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

// reportBidsPerPage is how many bids the report's table shows at a time; the summary and
// the chart are over all of them.
const reportBidsPerPage = 25

// EvidenceSummary is what the report shows of a submitted bid's evidence: the figures
// BuildEvidence gives, kept as running totals (ReportBidTotals).
type EvidenceSummary struct {
	Activities int
	// RequiredPresent counts the required types someone took part as, of Required.
	RequiredPresent, Required int
	LivedExperiencePeople     int64
	LivedExperienceMinutes    int64 // person-minutes
}

// MeetsRequirement decides as Evidence.MeetsRequirement does.
func (s EvidenceSummary) MeetsRequirement() bool {
	return meetsRequirement(s.Activities, s.Required-s.RequiredPresent)
}

// LivedExperienceHours shows the person-hours given by people with lived experience.
func (s EvidenceSummary) LivedExperienceHours() string { return hours(s.LivedExperienceMinutes) }

// ReportRow is one submitted bid in a programme's report.
type ReportRow struct {
	Bid      Bid
	Evidence EvidenceSummary
	Outcome  *Outcome
}

// Awarded shows the award, or what stands in for it.
func (r ReportRow) Awarded() string {
	switch {
	case r.Outcome == nil:
		return "Not decided"
	case !r.Outcome.Funded:
		return "Not funded"
	}
	return r.Outcome.TotalMoney()
}

// Coverage is how many submitted bids one stakeholder type took part in.
type Coverage struct {
	Type    directory.StakeholderType
	Bids    int
	Percent int
	// BarWidth and Y place the bar in the chart.
	BarWidth int
	Y        int
}

// Label is the type in plain English.
func (c Coverage) Label() string { return TypeLabel(c.Type) }

// Report is "Is the requirement working?" for one programme: figures over every submitted
// bid, and one page of the bids themselves.
type Report struct {
	Submitted   int
	Met         int
	Coverage    []Coverage
	LivedHours  string
	LivedPeople int64
	ChartHeight int
	Rows        []ReportRow
}

// ReportView is the report's page.
type ReportView struct {
	web.Page
	Report
	Programme Programme
	Pager     web.Pager
}

const barRow = 32

// distinctTypes counts the programme's required types, each once, as the totals count them.
func distinctTypes(ts []directory.StakeholderType) int {
	seen := map[directory.StakeholderType]bool{}
	for _, t := range ts {
		seen[t] = true
	}
	return len(seen)
}

// BuildReport reads the programme's report with one page of its submitted bids, in order of
// id, from the running totals: a row per required type and per bid on the page, and one sum.
func BuildReport(ctx context.Context, d *db.DB, p Programme, limit, offset int) (Report, error) {
	var rep Report
	var minutes int64
	required := distinctTypes(p.RequiredTypes)
	// The sum says a bid meets the requirement as EvidenceSummary.MeetsRequirement does.
	if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN activities > 0 AND required_present = $2 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(lived_people), 0), COALESCE(SUM(lived_minutes), 0) FROM funding_report_bids WHERE programme_id = $1`, p.ID, required).
		Scan(&rep.Submitted, &rep.Met, &rep.LivedPeople, &minutes); err != nil {
		return rep, err
	}
	rep.LivedHours = hours(minutes)
	seen := map[directory.StakeholderType]int{}
	trows, err := d.Read.QueryContext(ctx, "SELECT stakeholder_type, bids FROM funding_report_types WHERE programme_id = $1", p.ID)
	if err != nil {
		return rep, err
	}
	defer trows.Close()
	for trows.Next() {
		var t string
		var n int
		if err := trows.Scan(&t, &n); err != nil {
			return rep, err
		}
		seen[directory.StakeholderType(t)] = n
	}
	if err := trows.Err(); err != nil {
		return rep, err
	}
	for i, t := range p.RequiredTypes {
		c := Coverage{Type: t, Bids: seen[t], Y: i * barRow}
		if rep.Submitted > 0 {
			c.Percent = (c.Bids*100 + rep.Submitted/2) / rep.Submitted
		}
		c.BarWidth = c.Percent * 4 // 400 pixels for 100%
		rep.Coverage = append(rep.Coverage, c)
	}
	rep.ChartHeight = len(rep.Coverage) * barRow
	rep.Rows, err = db.Collect(ctx, d.Read, func(s db.Scanner) (ReportRow, error) {
		r := ReportRow{Evidence: EvidenceSummary{Required: required}}
		err := s.Scan(&r.Bid.ID, &r.Bid.CouncilName, &r.Evidence.Activities, &r.Evidence.RequiredPresent,
			&r.Evidence.LivedExperiencePeople, &r.Evidence.LivedExperienceMinutes)
		return r, err
	}, `SELECT t.bid_id, o.name, t.activities, t.required_present, t.lived_people, t.lived_minutes
		FROM funding_report_bids t JOIN funding_bids b ON b.id = t.bid_id JOIN organisations o ON o.id = b.council_id
		WHERE t.programme_id = $1 ORDER BY t.bid_id LIMIT $2 OFFSET $3`, p.ID, limit, offset)
	if err != nil || len(rep.Rows) == 0 {
		return rep, err
	}
	ids := make([]int64, len(rep.Rows))
	for i, r := range rep.Rows {
		ids[i] = r.Bid.ID
	}
	outcomes, err := outcomesOf(ctx, d, ids)
	for i := range rep.Rows {
		rep.Rows[i].Outcome = outcomes[rep.Rows[i].Bid.ID]
	}
	return rep, err
}

func (h *Handlers) report(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ctx := r.Context()
	pid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := GetProgramme(ctx, h.db, pid, true)
	if err != nil {
		return err
	}
	v := &ReportView{Page: web.Page{Title: "Is the co-production requirement working?", Back: fmt.Sprintf("/funding/programmes/%d", pid)}, Programme: p,
		Pager: web.PageFrom(r, reportBidsPerPage, "Pages of bids")}
	if v.Report, err = BuildReport(ctx, h.db, p, v.Pager.Limit(), v.Pager.Offset()); err != nil {
		return err
	}
	if err := v.Pager.Count(r, v.Submitted, "bids"); err != nil {
		return err
	}
	return rd.Render(w, r, http.StatusOK, "funding/report", v)
}
