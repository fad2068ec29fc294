package panels_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roundtable/internal/app"
	"roundtable/internal/consent"
	"roundtable/internal/panels"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/errs"
)

func TestMembersAndProfiles(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		ms, err := panels.Members(ctx, d, w.luton.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 4 || ms[0].Role != "member" || ms[3].Role != "facilitator" {
			t.Fatalf("Luton members %+v, want 3 members then the facilitator", ms)
		}
		if _, err := panels.MemberOf(ctx, d, w.luton.ID, w.ids["bpool-member"]); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("a Blackpool member found in Luton: %v", err)
		}
		p, err := panels.PanelBySlug(ctx, d, "luton")
		if err != nil || p.Members != 3 || p.RegionName != "East of England" {
			t.Errorf("panel %+v, %v", p, err)
		}
		if _, err := panels.PanelBySlug(ctx, d, "nowhere"); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("missing panel: %v", err)
		}
		all, err := panels.ListPanels(ctx, d)
		if err != nil || len(all) != 2 {
			t.Errorf("panels %d, %v", len(all), err)
		}
		// A switched-off member is no longer counted, in Luton only.
		if _, err := d.Write.ExecContext(ctx, "UPDATE people SET disabled_at = $1 WHERE id = $2", start, w.ids["marek"]); err != nil {
			t.Fatal(err)
		}
		counts := map[string]int{}
		if all, err = panels.ListPanels(ctx, d); err != nil {
			t.Fatal(err)
		}
		for _, p := range all {
			counts[p.Slug] = p.Members
		}
		if p, err = panels.PanelBySlug(ctx, d, "luton"); err != nil || p.Members != 2 || counts["luton"] != 2 || counts[w.bpool.Slug] != 1 {
			t.Errorf("after switching off a Luton member: Luton %d (%d listed), %v; Blackpool %d", p.Members, counts["luton"], err, counts[w.bpool.Slug])
		}
		if _, err := d.Write.ExecContext(ctx, "UPDATE people SET disabled_at = NULL WHERE id = $1", w.ids["marek"]); err != nil {
			t.Fatal(err)
		}

		empty, err := panels.GetProfile(ctx, d, w.ids["sam"])
		if err != nil || !empty.UpdatedAt.IsZero() {
			t.Errorf("profile before filling in: %+v, %v", empty, err)
		}
		e := wantCode(t, panels.SaveProfile(ctx, d, w.ids["sam"], panels.Profile{Support: []string{"a pony"}, Skills: string(make([]rune, 2001))}, start), errs.Invalid)
		if e.Fields["support"] == "" || e.Fields["skills"] == "" {
			t.Errorf("fields %v", e.Fields)
		}
		in := panels.Profile{Skills: "Listening", Interests: "Housing first", Hopes: "Chair a meeting",
			Support: []string{"travel", "interpreter", "travel"}, SupportOther: "Mornings are hard", NamedPublicly: true}
		if err := panels.SaveProfile(ctx, d, w.ids["sam"], in, start); err != nil {
			t.Fatal(err)
		}
		in.Skills = "Listening and cooking"
		if err := panels.SaveProfile(ctx, d, w.ids["sam"], in, start.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, err := panels.GetProfile(ctx, d, w.ids["sam"])
		if err != nil {
			t.Fatal(err)
		}
		if got.Skills != "Listening and cooking" || len(got.Support) != 2 || !got.Needs("interpreter") || !got.NamedPublicly ||
			!got.UpdatedAt.Equal(start.Add(time.Hour)) {
			t.Errorf("profile %+v", got)
		}
		if l := got.SupportLabels(); len(l) != 2 || l[0] != "Travel paid or arranged" {
			t.Errorf("labels %v", l)
		}
	})
}

func TestMeetings(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		fac := w.who["facilitator"]
		e := wantCode(t, errOf(panels.CreateMeeting(ctx, d, w.luton.ID, panels.NewMeeting{Date: "2026-05-01", Time: "10:00", OnlineLink: "ftp://x"}, fac, start)), errs.Invalid)
		for _, f := range []string{"title", "date", "online_link", "agenda"} {
			if e.Fields[f] == "" {
				t.Errorf("no message for %s: %v", f, e.Fields)
			}
		}
		e = wantCode(t, errOf(panels.CreateMeeting(ctx, d, w.luton.ID, panels.NewMeeting{Title: "X", Date: "2026-06-10", Time: "25:00", Agenda: "A"}, fac, start)), errs.Invalid)
		if e.Fields["time"] == "" || e.Fields["place"] == "" {
			t.Errorf("fields %v", e.Fields)
		}
		id, err := panels.CreateMeeting(ctx, d, w.luton.ID, panels.NewMeeting{Title: "Panel meeting", Date: "2026-06-10", Time: "13:30",
			Place: "Luton Central Library", AccessInfo: "Step-free", Agenda: "Welcome\nMove-on homes"}, fac, start)
		if err != nil {
			t.Fatal(err)
		}
		m, err := panels.GetMeeting(ctx, d, w.luton.ID, id)
		if err != nil {
			t.Fatal(err)
		}
		// 13:30 in London in June is 12:30 UTC.
		if want := time.Date(2026, 6, 10, 12, 30, 0, 0, time.UTC); !m.StartsAt.Equal(want) {
			t.Errorf("starts %v, want %v", m.StartsAt, want)
		}
		// Another panel's meeting is not found.
		if _, err := panels.GetMeeting(ctx, d, w.bpool.ID, id); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("Blackpool sees Luton's meeting: %v", err)
		}
		wantCode(t, panels.ReplyToMeeting(ctx, d, w.luton.ID, id, w.ids["sam"], "perhaps", start), errs.Invalid)
		for _, a := range []string{"no", "yes"} {
			if err := panels.ReplyToMeeting(ctx, d, w.luton.ID, id, w.ids["sam"], a, start); err != nil {
				t.Fatal(err)
			}
		}
		m, _ = panels.GetMeeting(ctx, d, w.luton.ID, id)
		if m.Replies[w.ids["sam"]] != "yes" || m.Coming != 1 {
			t.Errorf("replies %v, coming %d", m.Replies, m.Coming)
		}
		rec := panels.MeetingRecord{Attended: []int64{w.ids["sam"], w.ids["aisha"]}, Notes: "Good meeting", Decisions: "Draft it", Actions: "Jo drafts"}
		wantCode(t, panels.RecordMeeting(ctx, d, w.luton.ID, id, rec, fac, start), errs.Conflict) // not started yet
		after := time.Date(2026, 6, 10, 15, 0, 0, 0, time.UTC)
		wantCode(t, panels.ReplyToMeeting(ctx, d, w.luton.ID, id, w.ids["aisha"], "yes", after), errs.Conflict)
		wantCode(t, panels.RecordMeeting(ctx, d, w.luton.ID, id, panels.MeetingRecord{Attended: []int64{w.ids["bpool-member"]}, Notes: "x"}, fac, after), errs.Invalid)
		wantCode(t, panels.RecordMeeting(ctx, d, w.luton.ID, id, panels.MeetingRecord{}, fac, after), errs.Invalid)
		if err := panels.RecordMeeting(ctx, d, w.luton.ID, id, rec, fac, after); err != nil {
			t.Fatal(err)
		}
		m, _ = panels.GetMeeting(ctx, d, w.luton.ID, id)
		if !m.Recorded() || len(m.Attended) != 2 || !m.Attended[w.ids["aisha"]] || m.Decisions != "Draft it" {
			t.Errorf("meeting after record %+v", m)
		}
		if n := auditCount(t, d, "meeting.recorded"); n != 1 {
			t.Errorf("%d meeting records audited, want 1", n)
		}
		att, err := panels.Attendance(ctx, d, w.luton.ID, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
		if err != nil || len(att) != 2 || att[0].Name != "Test aisha" || att[1].PersonID != w.ids["sam"] || att[0].MeetingID != id {
			t.Errorf("attendance %+v, %v", att, err)
		}
		if other, _ := panels.Attendance(ctx, d, w.bpool.ID, time.Time{}, after.AddDate(1, 0, 0)); len(other) != 0 {
			t.Errorf("Blackpool's attendance has Luton's: %+v", other)
		}
		if later, _ := panels.Attendance(ctx, d, w.luton.ID, time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC)); len(later) != 0 {
			t.Errorf("attendance outside the dates: %+v", later)
		}
		list, err := panels.ListMeetings(ctx, d, w.luton.ID)
		if err != nil || len(list) != 1 || list[0].Coming != 1 {
			t.Errorf("list %+v, %v", list, err)
		}
	})
}

func errOf[T any](_ T, err error) error { return err }

func TestRecommendationLifecycle(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		fac := w.who["facilitator"]
		e := wantCode(t, errOf(panels.CreateRecommendation(ctx, d, w.luton.ID, panels.NewRecommendation{Addressee: "E99999999",
			CloseDate: "2026-05-01", Quorum: "0", ResponseWeeks: "99"}, fac, start)), errs.Invalid)
		for _, f := range []string{"title", "body", "addressee", "close_date", "quorum", "response_weeks"} {
			if e.Fields[f] == "" {
				t.Errorf("no message for %s: %v", f, e.Fields)
			}
		}
		id, err := panels.CreateRecommendation(ctx, d, w.luton.ID, panels.NewRecommendation{Title: "Tenancy support for 12 months",
			Body: "Support stops too soon.", Addressee: lutonGSS, CloseDate: "2026-06-08", Quorum: "3"}, fac, start)
		if err != nil {
			t.Fatal(err)
		}
		r, err := panels.GetRecommendation(ctx, d, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != panels.StatusConsent || r.ResponseWeeks != 8 || r.CouncilName != "Luton" || r.Public() {
			t.Errorf("draft %+v", r)
		}
		for key, k := range map[string]consent.Kind{"sam": consent.Consent, "aisha": consent.Object, "marek": consent.Concern} {
			if err := panels.Respond(ctx, d, r, w.who[key], k, "A reason", start.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		if err := panels.ResolveObjection(ctx, d, r, w.ids["aisha"], fac, "Wording changed", start.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// The round closes at the end of 8 June in London: 23:00 UTC in summer.
		closes := time.Date(2026, 6, 8, 23, 0, 0, 0, time.UTC)
		wantCode(t, errOf(panels.CloseRound(ctx, d, r, fac, closes.Add(-time.Minute))), errs.Conflict)
		out, err := panels.CloseRound(ctx, d, r, fac, closes.Add(time.Hour))
		if err != nil || out != consent.Agreed {
			t.Fatalf("close: %v, %v", out, err)
		}
		r, _ = panels.GetRecommendation(ctx, d, id)
		// Sent at midnight London on 9 June; 8 weeks on is 4 August; overdue from the end of
		// that day in London.
		if wantDue := time.Date(2026, 8, 4, 23, 0, 0, 0, time.UTC); r.Status != panels.StatusAwaiting || !r.DueAt.Equal(wantDue) {
			t.Errorf("sent: status %s, due %v, want %v", r.Status, r.DueAt, wantDue)
		}
		if _, err := panels.CloseRound(ctx, d, r, fac, closes.Add(2*time.Hour)); errs.CodeOf(err) != errs.Conflict {
			t.Errorf("closing twice: %v", err)
		}
		if r.Overdue(r.DueAt.Add(-time.Second)) || !r.Overdue(r.DueAt) {
			t.Error("overdue is not from the end of the due day")
		}

		// A second recommendation to the funder that the panel does not agree.
		id2, err := panels.CreateRecommendation(ctx, d, w.luton.ID, panels.NewRecommendation{Title: "Pay for time",
			Body: "Pay people.", Addressee: "funder", CloseDate: "2026-06-08", Quorum: "2", ResponseWeeks: "4"}, w.who["sam"], start)
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := panels.GetRecommendation(ctx, d, id2)
		if err := panels.Respond(ctx, d, r2, w.who["sam"], consent.Consent, "", start); err != nil {
			t.Fatal(err)
		}
		if out, err := panels.CloseRound(ctx, d, r2, fac, closes); err != nil || out != consent.NotAgreed {
			t.Fatalf("r2 close: %v, %v", out, err)
		}
		r2, _ = panels.GetRecommendation(ctx, d, id2)
		if r2.Status != panels.StatusNotAgreed || r2.Public() {
			t.Errorf("r2 %+v", r2)
		}

		// Answers: only the addressee; always with reasons.
		now := closes.Add(48 * time.Hour)
		wantCode(t, panels.AnswerRecommendation(ctx, d, panels.Addressee{CouncilGSS: blackpoolGSS}, id, panels.Accepted, "Yes", w.who["bpool-officer"], now), errs.Forbidden)
		wantCode(t, panels.AnswerRecommendation(ctx, d, panels.Addressee{Funder: true}, id, panels.Accepted, "Yes", w.who["funder"], now), errs.Forbidden)
		e = wantCode(t, panels.AnswerRecommendation(ctx, d, panels.Addressee{CouncilGSS: lutonGSS}, id, "maybe", " ", w.who["officer"], now), errs.Invalid)
		if e.Fields["answer"] == "" || e.Fields["reasons"] == "" {
			t.Errorf("fields %v", e.Fields)
		}
		wantCode(t, panels.AddUpdate(ctx, d, id, "Too early", false, fac, now), errs.Conflict)
		if err := panels.AnswerRecommendation(ctx, d, panels.Addressee{CouncilGSS: lutonGSS}, id, panels.PartlyAccepted, "12 months from April", w.who["officer"], now); err != nil {
			t.Fatal(err)
		}
		wantCode(t, panels.AnswerRecommendation(ctx, d, panels.Addressee{CouncilGSS: lutonGSS}, id, panels.Accepted, "Again", w.who["officer"], now), errs.Conflict)
		wantCode(t, panels.AddUpdate(ctx, d, id, "", false, fac, now), errs.Invalid)
		if err := panels.AddUpdate(ctx, d, id, "Contract changed", false, w.who["officer"], now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := panels.AddUpdate(ctx, d, id, "Support now lasts 12 months", true, fac, now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		r, _ = panels.GetRecommendation(ctx, d, id)
		if r.Status != panels.StatusDone || r.Answer != panels.PartlyAccepted || len(r.Updates) != 2 || !r.Updates[1].Done || r.AnsweredBy != "Test officer" {
			t.Errorf("done %+v", r)
		}
		for action, n := range map[string]int{"recommendation.drafted": 2, "recommendation.sent": 1, "recommendation.not_agreed": 1,
			"recommendation.answered": 1, "recommendation.updated": 2, "consent.objection_resolved": 1} {
			if got := auditCount(t, d, action); got != n {
				t.Errorf("%s audited %d times, want %d", action, got, n)
			}
		}
	})
}

func TestRegisterFilters(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		w := newWorld(t, d)
		send := func(p panels.Panel, fac, member string, title, to string) int64 {
			id, err := panels.CreateRecommendation(ctx, d, p.ID, panels.NewRecommendation{Title: title, Body: "Because.", Addressee: to,
				CloseDate: "2026-06-02", Quorum: "1"}, w.who[fac], start)
			if err != nil {
				t.Fatal(err)
			}
			r, _ := panels.GetRecommendation(ctx, d, id)
			if err := panels.Respond(ctx, d, r, w.who[member], consent.Consent, "", start); err != nil {
				t.Fatal(err)
			}
			if _, err := panels.CloseRound(ctx, d, r, w.who[fac], time.Date(2026, 6, 3, 8, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
			return id
		}
		a := send(w.luton, "facilitator", "sam", "To Luton", lutonGSS)
		send(w.luton, "facilitator", "sam", "To the funder", "funder")
		send(w.bpool, "bpool-facilitator", "bpool-member", "To Blackpool", blackpoolGSS)
		// A draft is never in the register.
		if _, err := panels.CreateRecommendation(ctx, d, w.luton.ID, panels.NewRecommendation{Title: "Draft", Body: "x", Addressee: lutonGSS,
			CloseDate: "2026-06-30", Quorum: "1"}, w.who["sam"], start); err != nil {
			t.Fatal(err)
		}
		if err := panels.AnswerRecommendation(ctx, d, panels.Addressee{CouncilGSS: lutonGSS}, a, panels.Accepted, "Yes", w.who["officer"], start.AddDate(0, 0, 7)); err != nil {
			t.Fatal(err)
		}
		later := start.AddDate(0, 0, 70) // past the 8 weeks
		count := func(f panels.Filter) int {
			t.Helper()
			rs, err := panels.ListRecommendations(ctx, d, f, later)
			if err != nil {
				t.Fatal(err)
			}
			return len(rs)
		}
		east, _ := w.luton.RegionID, 0
		for name, c := range map[string]struct {
			f    panels.Filter
			want int
		}{
			"public":           {panels.Filter{PublicOnly: true}, 3},
			"everything":       {panels.Filter{}, 4},
			"region":           {panels.Filter{PublicOnly: true, RegionID: east}, 2},
			"council":          {panels.Filter{PublicOnly: true, CouncilGSS: lutonGSS}, 1},
			"funder":           {panels.Filter{PublicOnly: true, Funder: true}, 1},
			"answered":         {panels.Filter{PublicOnly: true, Status: panels.StatusAnswered}, 1},
			"overdue":          {panels.Filter{PublicOnly: true, Status: panels.StatusOverdue}, 2},
			"overdue in Luton": {panels.Filter{PublicOnly: true, Status: panels.StatusOverdue, RegionID: east}, 1},
			"panel":            {panels.Filter{PanelID: w.bpool.ID}, 1},
			"done (none)":      {panels.Filter{Status: panels.StatusDone}, 0},
			"awaiting":         {panels.Filter{Status: panels.StatusAwaiting}, 2},
		} {
			if got := count(c.f); got != c.want {
				t.Errorf("%s: %d, want %d", name, got, c.want)
			}
		}
	})
}

func TestDueAtInLondon(t *testing.T) {
	// Sent late on a winter evening in London; 8 weeks later is in summer time.
	sent := time.Date(2026, 2, 10, 23, 30, 0, 0, time.UTC)
	if got, want := panels.DueAt(sent, 8), time.Date(2026, 4, 7, 23, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("due %v, want %v", got, want)
	}
	// 23:30 UTC on 10 June is already 11 June in London.
	sent = time.Date(2026, 6, 10, 23, 30, 0, 0, time.UTC)
	if got, want := panels.DueAt(sent, 1), time.Date(2026, 6, 18, 23, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("due %v, want %v", got, want)
	}
}

// The public register reads one page of recommendations through the index
// recommendations_newest instead of sorting them all (issue 15). Query plans are SQLite's
// here: PostgreSQL chooses by table sizes, and a test's tables are too small to tell.
func TestRegisterReadsThroughTheIndex(t *testing.T) {
	d := dbtest.SQLite(t, app.Migrations())
	q, args := panels.ListQuery(panels.Filter{PublicOnly: true, Limit: 51}, time.Now())
	joined := dbtest.Plan(t, d, q, args...)
	if !strings.Contains(joined, "recommendations_newest") || strings.Contains(joined, "TEMP B-TREE") {
		t.Errorf("the register sorts instead of reading the index:\n%s", joined)
	}
}
