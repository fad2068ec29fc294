package funding

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// csvCell guards against a spreadsheet reading a cell as a formula.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// logCSV exports the co-production log behind a bid: one row per contribution, and one row
// for an activity where nothing was recorded as said. For the bid's council and the funder.
func (h *Handlers) logCSV(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	b, p, a, err := h.visibleBid(r)
	if err != nil {
		return err
	}
	if !a.Edit && !auth.From(r.Context()).Has(auth.Funder) {
		return errs.New(errs.NotFound, "No such bid.")
	}
	ev, err := BuildEvidence(r.Context(), h.db, b, p)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bid-%d-co-production-log.csv"`, b.ID))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"activity_date", "activity", "format", "place", "hours", "participants", "lived_experience_participants",
		"stakeholder_type", "said_by", "contribution", "may_quote", "what_we_did", "reason"})
	for _, act := range ev.Activities {
		var people, lived int64
		for _, pp := range act.Participants {
			people += pp.People()
			if pp.Type == "lived_experience" {
				lived += pp.People()
			}
		}
		base := []string{act.HeldOn.In(london).Format("2006-01-02"), csvCell(act.Title), act.FormatLabel(), csvCell(act.Place), act.Hours(),
			fmt.Sprint(people), fmt.Sprint(lived)}
		if len(act.Contributions) == 0 {
			_ = cw.Write(append(base, "", "", "", "", "", ""))
		}
		for _, c := range act.Contributions {
			by := "Anonymous"
			if c.PersonName != "" {
				by = c.PersonName
			}
			quote := "no"
			if c.MayQuote {
				quote = "yes"
			}
			_ = cw.Write(append(append([]string{}, base...), c.Type.Label(), csvCell(by), csvCell(c.Said), quote, c.ResponseLabel(), csvCell(c.Reason)))
		}
	}
	cw.Flush()
	return cw.Error()
}
