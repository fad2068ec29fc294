package funding

import (
	"fmt"
	"net/http"

	"roundtable/internal/directory"
	"roundtable/internal/platform/web"
)

// ReportRow is one submitted bid in a programme's report.
type ReportRow struct {
	Bid      Bid
	Evidence Evidence
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

// ReportView is "Is the requirement working?" for one programme.
type ReportView struct {
	web.Page
	Programme   Programme
	Rows        []ReportRow
	Met         int
	Coverage    []Coverage
	LivedHours  string
	LivedPeople int64
	ChartHeight int
}

// Submitted counts the submitted bids.
func (v *ReportView) Submitted() int { return len(v.Rows) }

const barRow = 32

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
	bids, err := BidsOfProgramme(ctx, h.db, pid)
	if err != nil {
		return err
	}
	v := &ReportView{Page: web.Page{Title: "Is the co-production requirement working?", Back: fmt.Sprintf("/funding/programmes/%d", pid)}, Programme: p}
	seen := map[directory.StakeholderType]int{}
	var minutes int64
	for _, b := range bids {
		if !b.Submitted() {
			continue
		}
		full, err := GetBid(ctx, h.db, b.ID)
		if err != nil {
			return err
		}
		ev, err := BuildEvidence(ctx, h.db, full, p)
		if err != nil {
			return err
		}
		as, err := GetAssessment(ctx, h.db, b.ID)
		if err != nil {
			return err
		}
		row := ReportRow{Bid: full, Evidence: ev, Outcome: as.Outcome}
		v.Rows = append(v.Rows, row)
		if ev.MeetsRequirement() {
			v.Met++
		}
		minutes += ev.LivedExperienceMinutes
		v.LivedPeople += ev.LivedExperiencePeople
		took := map[directory.StakeholderType]bool{}
		for _, a := range ev.Activities {
			for _, pp := range a.Participants {
				took[pp.Type] = true
			}
		}
		for t := range took {
			seen[t]++
		}
	}
	v.LivedHours = hours(minutes)
	for i, t := range p.RequiredTypes {
		c := Coverage{Type: t, Bids: seen[t], Y: i * barRow}
		if len(v.Rows) > 0 {
			c.Percent = (c.Bids*100 + len(v.Rows)/2) / len(v.Rows)
		}
		c.BarWidth = c.Percent * 4 // 400 pixels for 100%
		v.Coverage = append(v.Coverage, c)
	}
	v.ChartHeight = len(v.Coverage) * barRow
	return rd.Render(w, r, http.StatusOK, "funding/report", v)
}
