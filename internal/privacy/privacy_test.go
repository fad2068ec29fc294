package privacy_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts"
	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/app"
	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/personaldata"
)

// The person who will be erased. Their name, sign-in name and email are unusual, so that a
// search of every text column finds them only where they were written.
const (
	name  = "Zephyrine Quill"
	login = "zephyrine.quill"
	email = "zq-erasure@example.org"
	said  = "Keep support going after the keys are handed over"
)

var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

type world struct {
	t       *testing.T
	d       *db.DB
	h       http.Handler
	org     int64
	person  int64 // the one to be erased
	officer int64
	admin   int64
	funder  int64
	ids     map[string]int64
}

func newWorld(t *testing.T, d *db.DB) *world {
	t.Helper()
	a, err := app.New(d, app.Config{Now: func() time.Time { return now }, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, d: d, h: a.Handler, ids: map[string]int64{}}
	ctx := context.Background()
	w.org = accountstest.Organisation(t, d, "Luton Lived Experience Group")
	w.person, err = accounts.CreatePerson(ctx, d, accounts.NewPerson{DisplayName: name, Login: login, Email: email,
		Password: accountstest.Password, Grants: []auth.Grant{{Role: auth.Member, OrganisationID: w.org}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.officer, _ = accountstest.Person(t, d, "Olu Officer", auth.Facilitator, w.org)
	w.admin, _ = accountstest.Person(t, d, "Ada Admin", auth.Admin, 0)
	w.funder, _ = accountstest.Person(t, d, "Fen Funder", auth.Funder, w.org)
	w.takePart()
	return w
}

// exec runs a statement for the fixture, returning the new row's id when it asks for one.
func (w *world) exec(query string, args ...any) int64 {
	w.t.Helper()
	var id int64
	var err error
	if strings.Contains(query, "RETURNING") {
		err = w.d.Write.QueryRow(query, args...).Scan(&id)
	} else {
		_, err = w.d.Write.Exec(query, args...)
	}
	if err != nil {
		w.t.Fatalf("%s: %v", query, err)
	}
	return id
}

// takePart gives the person a row in every table that refers to people, beside another
// person's rows, as the capabilities would write them.
func (w *world) takePart() {
	p, o, ctx := w.person, w.officer, context.Background()
	prog := w.exec(`INSERT INTO funding_programmes (name, purpose, homes_target, opens_at, closes_at, required_types, questions, created_at, created_by)
		VALUES ('Move-on homes', 'Homes', 10, $1, $1, 'lived_experience', 'Q', $1, $2) RETURNING id`, now, o)
	bid := w.exec(`INSERT INTO funding_bids (programme_id, council_id, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id`, prog, w.org, now)
	act := w.exec(`INSERT INTO funding_activities (council_id, title, held_on, format, minutes, created_at, created_by)
		VALUES ($1, 'Workshop', $2, 'in_person', 90, $2, $3) RETURNING id`, w.org, now, o)
	w.ids["activity"] = act
	w.exec(`INSERT INTO funding_participants (activity_id, stakeholder_type, person_id) VALUES ($1, 'lived_experience', $2)`, act, p)
	w.exec(`INSERT INTO funding_participants (activity_id, stakeholder_type, anonymous_count) VALUES ($1, 'lived_experience', 4)`, act)
	contrib := w.exec(`INSERT INTO funding_contributions (activity_id, stakeholder_type, person_id, said, may_quote, created_at)
		VALUES ($1, 'lived_experience', $2, $3, 1, $4) RETURNING id`, act, p, said, now)
	w.exec(`INSERT INTO funding_contributions (activity_id, stakeholder_type, said, created_at) VALUES ($1, 'council', 'Pets allowed', $2)`, act, now)
	w.exec(`INSERT INTO funding_assessors (programme_id, person_id, added_at) VALUES ($1, $2, $3)`, prog, p, now)
	w.exec(`INSERT INTO funding_conflicts (bid_id, person_id, conflicted, note, declared_at) VALUES ($1, $2, 0, 'I know nobody there', $3)`, bid, p, now)
	w.exec(`INSERT INTO funding_scores (bid_id, person_id, score, notes, scored_at) VALUES ($1, $2, 5, 'Strong evidence from members', $3)`, bid, p, now)
	w.exec(`INSERT INTO funding_outcomes (bid_id, score, notes, funded, decided_at, decided_by) VALUES ($1, 5, 'Funded', 1, $2, $3)`, bid, now, o)
	w.exec(`INSERT INTO funding_thanks (bid_id, person_id, thanked_at, thanked_by) VALUES ($1, $2, $3, $4)`, bid, p, now, o)
	w.exec(`INSERT INTO funding_support_requests (council_id, question, asked_at, asked_by) VALUES ($1, 'How?', $2, $3)`, w.org, now, o)

	panel := w.exec(`INSERT INTO panels (name, slug, kind, organisation_id, created_at) VALUES ('Luton panel', 'luton', 'local', $1, $2) RETURNING id`, w.org, now)
	w.exec(`INSERT INTO panel_profiles (person_id, skills, support, support_other, named_publicly, updated_at) VALUES ($1, 'Cooking', 'travel', 'Quiet room', TRUE, $2)`, p, now)
	meet := w.exec(`INSERT INTO panel_meetings (panel_id, title, starts_at, created_by, created_at) VALUES ($1, 'March meeting', $2, $3, $2) RETURNING id`, panel, now, o)
	w.ids["meeting"] = meet
	w.exec(`INSERT INTO panel_meeting_replies (meeting_id, person_id, answer, replied_at) VALUES ($1, $2, 'yes', $3)`, meet, p, now)
	w.exec(`INSERT INTO panel_attendance (meeting_id, person_id) VALUES ($1, $2), ($1, $3)`, meet, p, o)
	rec := w.exec(`INSERT INTO recommendations (panel_id, title, body, response_weeks, status, drafted_by, drafted_at, answered_by_name)
		VALUES ($1, 'Open at weekends', 'Body', 8, 'answered', $2, $3, $4) RETURNING id`, panel, p, now, name)
	w.exec(`INSERT INTO recommendation_updates (recommendation_id, at, note, by_id, by_name) VALUES ($1, $2, 'Started', $3, $4)`, rec, now, p, name)
	w.exec(`INSERT INTO panel_messages (person_id, panel_id, subject, body, created_at) VALUES ($1, $2, 'Hello Zephyrine', 'Welcome', $3)`, p, panel, now)
	opp := w.exec(`INSERT INTO opportunities (organisation_id, posted_by, title, involves, pay_pence, pay_unit, hours, closes_at, created_at)
		VALUES ($1, $2, 'Peer researcher', 'Research', 2500, 'hour', '4', $3, $3) RETURNING id`, w.org, o, now)
	w.exec(`INSERT INTO opportunity_interests (opportunity_id, person_id, statement, created_at) VALUES ($1, $2, 'I slept rough in Luton for two years', $3)`, opp, p, now)

	round := w.exec(`INSERT INTO consent_rounds (subject, opened_at, closes_at, quorum) VALUES ('recommendation:1', $1, $1, 1) RETURNING id`, now)
	w.exec(`INSERT INTO consent_responses (round_id, person_id, kind, reason, responded_at, resolved_by, resolved_at, resolution)
		VALUES ($1, $2, 'object', 'Weekends are when people need it most', $3, $4, $3, 'Changed the wording')`, round, p, now, o)

	if _, err := accounts.IssueSignInCode(ctx, w.d, p, o, now); err != nil {
		w.t.Fatal(err)
	}
	// What the capabilities write to the audit log when the person takes part: their name as
	// the actor, their id and words in the values.
	err := w.d.Tx(ctx, func(tx *sql.Tx) error {
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: p, ActorName: name, Action: "consent.responded", Subject: "recommendation:1",
			After: map[string]any{"kind": "object", "reason": "Weekends are when people need it most"}}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: o, ActorName: "Olu Officer", Action: "contribution.added",
			Subject: fmt.Sprint("contribution:", contrib), After: map[string]any{"PersonID": p, "Said": said, "MayQuote": true}})
	})
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) cookie(personID int64) *http.Cookie {
	return accountstest.Session(w.t, w.d, personID, now)
}

func (w *world) do(method, path string, c *http.Cookie, form url.Values) *httptest.ResponseRecorder {
	w.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec
}

func (w *world) count(query string, args ...any) int {
	w.t.Helper()
	var n int
	if err := w.d.Read.QueryRow(query, args...).Scan(&n); err != nil {
		w.t.Fatalf("%s: %v", query, err)
	}
	return n
}

// totals are the counts erasure must not change: who took part, what was said, who came,
// how the round went, how many were interested, how bids were scored.
func (w *world) totals() map[string]int {
	out := map[string]int{}
	for k, q := range map[string]string{
		"participants":  "SELECT count(*) + COALESCE(sum(anonymous_count), 0) FROM funding_participants",
		"contributions": "SELECT count(*) FROM funding_contributions",
		"attendance":    "SELECT count(*) FROM panel_attendance",
		"replies":       "SELECT count(*) FROM panel_meeting_replies",
		"objections":    "SELECT count(*) FROM consent_responses WHERE kind = 'object'",
		"interests":     "SELECT count(*) FROM opportunity_interests",
		"scores":        "SELECT count(*) + sum(score) FROM funding_scores",
		"thanks":        "SELECT count(*) FROM funding_thanks",
		"people":        "SELECT count(*) FROM people",
	} {
		out[k] = w.count(q)
	}
	return out
}

// find searches every text column of every table for each term, in any case, and returns
// where each was found.
func (w *world) find(terms ...string) []string {
	w.t.Helper()
	cols, err := personaldata.TextColumns(context.Background(), w.d)
	if err != nil {
		w.t.Fatal(err)
	}
	if len(cols) < 50 {
		w.t.Fatalf("only %d text columns found: the schema query is wrong", len(cols))
	}
	var found []string
	for _, c := range cols {
		for _, term := range terms {
			// Names come from the schema, not input.
			n := w.count(fmt.Sprintf(`SELECT count(*) FROM %q WHERE lower(%q) LIKE $1`, c.Table, c.Column), "%"+strings.ToLower(term)+"%")
			if n > 0 {
				found = append(found, fmt.Sprintf("%q in %s (%d rows)", term, c, n))
			}
		}
	}
	return found
}

func TestEveryColumnReferringToPeopleIsClaimed(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		all, err := personaldata.PersonColumns(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		// The schema query must see the references it is there to find.
		for _, want := range []personaldata.Column{{Table: "sessions", Column: "person_id"}, {Table: "funding_scores", Column: "person_id"}, {Table: "people", Column: "created_by"}} {
			if !containsColumn(all, want) {
				t.Fatalf("the schema query did not find %s among %v", want, all)
			}
		}
		missing, err := personaldata.Unclaimed(ctx, d, app.PersonalData())
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Errorf("these columns refer to people but no personaldata.Source claims them, so \"Download my data\" and \"Delete my account\" would miss them: %v", missing)
		}
	})
}

func containsColumn(cs []personaldata.Column, c personaldata.Column) bool {
	for _, x := range cs {
		if x == c {
			return true
		}
	}
	return false
}

// TestDeleteAccount erases a person through the form, on both databases. "Totals stay right"
// means: every count in totals() (participants with anonymous head counts, contributions,
// attendance, replies, objections, interest in paid roles, scores and their sum, thanks, and
// people) is the same before and after; only the person's own profile, messages, roles,
// sessions and sign-in codes go.
func TestDeleteAccount(t *testing.T) {
	for _, remove := range []bool{false, true} {
		t.Run(fmt.Sprintf("remove contributions %v", remove), func(t *testing.T) {
			dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
				w := newWorld(t, d)
				c := w.cookie(w.person)
				other := w.cookie(w.person) // a second device
				before := w.totals()
				if found := w.find(name, email); len(found) == 0 {
					t.Fatal("the fixture holds no personal data to erase")
				}

				// Mistakes: nothing chosen, then the wrong password; nothing is erased.
				rec := w.do("POST", "/account/delete", c, url.Values{})
				if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `href="#contributions"`) || !strings.Contains(rec.Body.String(), `href="#password"`) {
					t.Fatalf("empty form: status %d, want 422 naming both fields", rec.Code)
				}
				rec = w.do("POST", "/account/delete", c, url.Values{"contributions": {"keep"}, "password": {"wrong password here"}})
				if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), "not right") {
					t.Fatalf("wrong password: status %d", rec.Code)
				}
				if n := w.count("SELECT count(*) FROM people WHERE display_name = $1", name); n != 1 {
					t.Fatal("a mistake erased the person")
				}

				choice := "keep"
				if remove {
					choice = "remove"
				}
				rec = w.do("POST", "/account/delete", c, url.Values{"contributions": {choice}, "password": {accountstest.Password}})
				if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/account/deleted" {
					t.Fatalf("delete: status %d, location %q", rec.Code, rec.Header().Get("Location"))
				}
				if !strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0") {
					t.Errorf("the session cookie was not cleared: %q", rec.Header().Get("Set-Cookie"))
				}

				after := w.totals()
				for k, v := range before {
					if after[k] != v {
						t.Errorf("%s: %d before, %d after", k, v, after[k])
					}
				}
				for table, want := range map[string]int{"panel_profiles": 0, "panel_messages": 0, "memberships": 0, "signin_codes": 0} {
					if n := w.count(fmt.Sprintf("SELECT count(*) FROM %s WHERE person_id = $1", table), w.person); n != want {
						t.Errorf("%s: %d rows left", table, n)
					}
				}
				if n := w.count("SELECT count(*) FROM sessions WHERE person_id = $1", w.person); n != 0 {
					t.Errorf("%d sessions left: not signed out everywhere", n)
				}
				if rec := w.do("GET", "/account", other, nil); rec.Code != http.StatusSeeOther {
					t.Errorf("the other device still sees the account: status %d", rec.Code)
				}
				if n := w.count("SELECT count(*) FROM people WHERE id = $1 AND display_name = $2 AND disabled_at IS NOT NULL AND password_hash = ''", w.person, personaldata.FormerMember); n != 1 {
					t.Error("the person's row is not a tombstone")
				}

				// Nothing personal is left anywhere, the audit log included.
				if found := w.find(name, login, email, "Zephyrine", "Quill", "slept rough in Luton", "Quiet room"); len(found) > 0 {
					t.Errorf("personal data left after erasure: %v", found)
				}
				words := w.find(said, "Weekends are when people need it most", "Strong evidence from members")
				if remove && len(words) > 0 {
					t.Errorf("the person asked for their contributions to go, but their words are still in %v", words)
				}
				if !remove && len(words) == 0 {
					t.Error("the person kept their contributions, but their words are gone")
				}
				if !remove {
					if n := w.count("SELECT count(*) FROM funding_contributions c JOIN people p ON p.id = c.person_id WHERE c.said = $1 AND p.display_name = $2", said, personaldata.FormerMember); n != 1 {
						t.Error("the kept contribution is not shown as said by a former member")
					}
				}

				// The audit trail still verifies, records the erasure without the erased data,
				// and finds a redacted field written back.
				checked, problems, err := audit.Verify(context.Background(), d)
				if err != nil || len(problems) > 0 {
					t.Fatalf("audit verify after erasure: %v %v", problems, err)
				}
				if n := w.count("SELECT count(*) FROM audit_log WHERE action = 'person.erased' AND subject = $1 AND redacted_at IS NULL", fmt.Sprint("person:", w.person)); n != 1 {
					t.Errorf("%d person.erased records", n)
				}
				if n := w.count("SELECT count(*) FROM audit_log WHERE redacted_at IS NOT NULL"); n < 2 {
					t.Errorf("only %d records redacted", n)
				}
				w.exec("UPDATE audit_log SET after_json = $1 WHERE id = (SELECT min(id) FROM audit_log WHERE redacted_at IS NOT NULL AND after_digest <> '')", `{"display_name":"Someone"}`)
				if _, problems, _ := audit.Verify(context.Background(), d); len(problems) != 1 {
					t.Errorf("a redacted field written back: problems %v in %d records", problems, checked)
				}
			})
		})
	}
}

// TestDownloadMyData checks the zip holds every table of the person's data, as JSON and CSV,
// and nobody else's; and that only the person themself can get it.
func TestDownloadMyData(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		if rec := w.do("GET", "/account/data/download", nil, nil); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/sign-in") {
			t.Fatalf("signed out: status %d", rec.Code)
		}
		if rec := w.do("GET", "/account/data", w.cookie(w.person), nil); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "funding_contributions.csv") {
			t.Fatalf("data page: status %d", rec.Code)
		}
		files := w.unzip(w.do("GET", "/account/data/download", w.cookie(w.person), nil))
		for _, f := range []string{"README.txt", "data.json", "account.csv", "roles.csv", "funding_contributions.csv", "panel_profile.csv",
			"consent_responses.csv", "opportunity_interests.csv", "panel_messages.csv", "funding_scores.csv", "signin_codes.csv"} {
			if _, ok := files[f]; !ok {
				t.Errorf("the download has no %s", f)
			}
		}
		var doc struct {
			PersonID int64                          `json:"person_id"`
			Tables   map[string][]map[string]string `json:"tables"`
		}
		if err := json.Unmarshal([]byte(files["data.json"]), &doc); err != nil {
			t.Fatal(err)
		}
		if doc.PersonID != w.person || doc.Tables["account"][0]["email"] != email || doc.Tables["funding_contributions"][0]["said"] != said ||
			doc.Tables["panel_profile"][0]["support_other"] != "Quiet room" || len(doc.Tables["panel_attendance"]) != 1 {
			t.Errorf("data.json does not hold the person's data: %+v", doc.Tables)
		}
		if !strings.Contains(files["funding_contributions.csv"], said) || !strings.Contains(files["account.csv"], login) {
			t.Error("the CSV files do not hold the person's data")
		}
		all := strings.Join(mapValues(files), "\n")
		for _, secret := range []string{"argon2", "Olu Officer", "Pets allowed"} {
			if strings.Contains(all, secret) {
				t.Errorf("the download holds %q, which is not the person's", secret)
			}
		}
		// An administrator's download is their own: there is no way to name someone else.
		adminFiles := w.unzip(w.do("GET", "/account/data/download", w.cookie(w.admin), nil))
		if strings.Contains(strings.Join(mapValues(adminFiles), "\n"), said) || !strings.Contains(adminFiles["account.csv"], "Ada Admin") {
			t.Error("the administrator's download is not theirs alone")
		}
		if rec := w.do("GET", fmt.Sprintf("/account/data/download?person=%d", w.person), w.cookie(w.admin), nil); strings.Contains(strings.Join(mapValues(w.unzip(rec)), ""), said) {
			t.Error("a person id in the address gave another person's data")
		}
	})
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

func (w *world) unzip(rec *httptest.ResponseRecorder) map[string]string {
	w.t.Helper()
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "application/zip" {
		w.t.Fatalf("download: status %d, type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	z, err := zip.NewReader(bytes.NewReader(rec.Body.Bytes()), int64(rec.Body.Len()))
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			w.t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		out[f.Name] = string(b)
	}
	return out
}

// TestRetention deletes exactly what has expired: ended and idle sessions, used, replaced and
// run-out sign-in codes, and failed sign-ins older than the throttling window; live ones stay.
func TestRetention(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		ctx := context.Background()
		w.exec("DELETE FROM sessions")
		w.exec("DELETE FROM signin_codes")
		w.exec("DELETE FROM signin_failures")
		p := w.person
		hour := time.Hour
		sessions := []struct {
			created, seen, expires time.Time
			expired                bool
		}{
			{now.Add(-hour), now.Add(-hour), now.Add(hour), false},                                // live
			{now.Add(-20 * 24 * hour), now.Add(-hour), now.Add(-hour), true},                      // past its lifetime
			{now.Add(-2 * 24 * hour), now.Add(-accounts.SessionIdle - hour), now.Add(hour), true}, // idle too long
		}
		for i, s := range sessions {
			w.exec("INSERT INTO sessions (token_hash, person_id, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
				fmt.Sprint("s", i), p, s.created, s.seen, s.expires)
		}
		codes := []struct {
			used, voided any
			expires      time.Time
			expired      bool
		}{
			{nil, nil, now.Add(hour), false}, // waiting to be used
			{now, nil, now.Add(hour), true},  // used
			{nil, now, now.Add(hour), true},  // replaced by a newer code
			{nil, nil, now.Add(-hour), true}, // ran out
		}
		for i, c := range codes {
			w.exec("INSERT INTO signin_codes (code_hash, person_id, issued_at, expires_at, used_at, voided_at) VALUES ($1, $2, $3, $4, $5, $6)",
				fmt.Sprint("c", i), p, now.Add(-24*hour), c.expires, c.used, c.voided)
		}
		w.exec("INSERT INTO signin_failures (subject, at) VALUES ('login:x', $1), ('login:x', $2)", now.Add(-accounts.ThrottleWindow-hour), now.Add(-time.Minute))

		results, err := personaldata.Expire(ctx, d, app.PersonalData(), now)
		if err != nil {
			t.Fatal(err)
		}
		deleted := 0
		for _, r := range results {
			deleted += r.Deleted
		}
		if deleted != 2+3+1 {
			t.Errorf("deleted %d rows, want 6: %+v", deleted, results)
		}
		if n := w.count("SELECT count(*) FROM sessions WHERE token_hash = 's0'"); n != 1 || w.count("SELECT count(*) FROM sessions") != 1 {
			t.Error("the live session is not the only one left")
		}
		if n := w.count("SELECT count(*) FROM signin_codes WHERE code_hash = 'c0'"); n != 1 || w.count("SELECT count(*) FROM signin_codes") != 1 {
			t.Error("the waiting code is not the only one left")
		}
		if n := w.count("SELECT count(*) FROM signin_failures"); n != 1 {
			t.Errorf("%d failed sign-ins left, want the recent one", n)
		}
		// Running again deletes nothing more.
		results, _ = personaldata.Expire(ctx, d, app.PersonalData(), now)
		for _, r := range results {
			if r.Deleted != 0 {
				t.Errorf("a second run deleted %d from %s", r.Deleted, r.Source)
			}
		}
	})
}

// TestAuditBrowser: the funder and administrators browse and filter the log; everyone else
// is refused; a half-given date is a mistake named on the form.
func TestAuditBrowser(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for who, id := range map[string]int64{"member": w.person, "facilitator": w.officer} {
			if rec := w.do("GET", "/audit", w.cookie(id), nil); rec.Code == http.StatusOK {
				t.Errorf("%s can browse the audit trail", who)
			}
			if rec := w.do("GET", "/audit/1", w.cookie(id), nil); rec.Code == http.StatusOK {
				t.Errorf("%s can read an audit record", who)
			}
		}
		if rec := w.do("GET", "/audit", nil, nil); rec.Code != http.StatusSeeOther {
			t.Errorf("signed out: status %d", rec.Code)
		}
		for _, id := range []int64{w.funder, w.admin} {
			rec := w.do("GET", "/audit?action=contribution.added", w.cookie(id), nil)
			body := rec.Body.String()
			if rec.Code != http.StatusOK || !strings.Contains(body, cell("contribution.added")) || strings.Contains(body, cell("consent.responded")) {
				t.Errorf("filter by action: status %d", rec.Code)
			}
		}
		c := w.cookie(w.admin)
		body := w.do("GET", "/audit?who=zephyrine", c, nil).Body.String()
		if !strings.Contains(body, "1 record match") {
			t.Errorf("filter by who: %s", between(body, "<main", "</table>"))
		}
		body = w.do("GET", "/audit?subject=person", c, nil).Body.String()
		if !strings.Contains(body, cell("person.created")) || strings.Contains(body, cell("contribution.added")) {
			t.Error("filter by kind of subject")
		}
		if body := w.do("GET", "/audit?from-day=1&from-month=1&from-year=2199", c, nil).Body.String(); !strings.Contains(body, "0 records match") {
			t.Error("filter from a day after every record")
		}
		all := w.count("SELECT count(*) FROM audit_log")
		if body := w.do("GET", "/audit?from-day=1&from-month=1&from-year=2020&to-day=31&to-month=12&to-year=2198", c, nil).Body.String(); !strings.Contains(body, fmt.Sprintf("%d records match", all)) {
			t.Errorf("filter between two days around every record: want %d", all)
		}
		rec := w.do("GET", "/audit?from-day=31&from-month=2&from-year=2026", c, nil)
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `href="#from"`) {
			t.Errorf("an impossible date: status %d", rec.Code)
		}
		if rec := w.do("GET", "/audit/999999", c, nil); rec.Code != http.StatusNotFound {
			t.Errorf("a missing record: status %d", rec.Code)
		}
		if rec := w.do("GET", "/audit/1", c, nil); rec.Code != http.StatusOK {
			t.Errorf("a record: status %d", rec.Code)
		}
	})
}

// cell is how the audit page shows an action in its table.
func cell(action string) string { return `<td class="govuk-table__cell">` + action }

func between(s, a, b string) string {
	i := strings.Index(s, a)
	j := strings.Index(s, b)
	if i < 0 || j < i {
		return s
	}
	return s[i:j]
}
