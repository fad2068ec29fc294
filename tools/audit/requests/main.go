// Command requests writes the request log sqlmap attacks in make audit: one request for every
// route of the application, with each path's parameters filled with real demo identifiers,
// signed in as a demo account the route serves, and for a form the field names read from the
// form on its rendered page. The log is in Burp's format, which sqlmap reads with -l.
//
//	go run ./tools/audit/requests --data DIR --base http://127.0.0.1:PORT --out requests.log
//
// DIR is the demo data folder the server at --base runs on: the route table comes from the
// application built on it (so a new route is attacked without editing this), the identifiers
// from its database.
package main

import (
	"context"
	"flag"
	"fmt"
	"html"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"

	"roundtable/internal/app"
	"roundtable/internal/platform/db"
)

// logins are the demo accounts a route is tried as, in order; "" is nobody signed in. The
// administrator comes first as the one who sees the most.
var logins = []string{"", "admin@roundtable.example", "funder@roundtable.example", "officer@roundtable.example",
	"facilitator@roundtable.example", "sam", "partner@roundtable.example", "assessor@roundtable.example"}

// skipped are forms whose use would end the scan's own sessions or the server's demo state.
var skipped = map[string]bool{"POST /sign-out": true, "POST /account/delete": true, "GET /static/": true,
	"POST /api/tokens/{id}/revoke": true}

func main() {
	dataDir := flag.String("data", "", "the demo data folder the server runs on")
	base := flag.String("base", "", "the server's address, such as http://127.0.0.1:8080")
	out := flag.String("out", "requests.log", "where to write the request log")
	flag.Parse()
	ctx := context.Background()
	d, err := db.Open(ctx, db.Options{DataDir: *dataDir})
	if err != nil {
		log.Fatal(err)
	}
	a, err := app.New(d, app.Config{Log: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	ids := demoIDs(ctx, d)
	_ = d.Close()

	s := &scan{base: strings.TrimSuffix(*base, "/"), cookies: map[string]string{}, forms: map[string]form{}}
	for _, l := range logins[1:] {
		s.cookies[l] = s.signIn(l)
	}
	type target struct{ method, pattern, path string }
	var targets []target
	for _, r := range a.Router.Routes() {
		if skipped[r.Pattern] {
			continue
		}
		method, pattern, ok := strings.Cut(r.Pattern, " ")
		if !ok {
			method, pattern = http.MethodGet, r.Pattern
		}
		path, ok := fill(pattern, ids)
		if !ok {
			fmt.Fprintf(os.Stderr, "requests: no demo identifier for %s; left out\n", r.Pattern)
			continue
		}
		targets = append(targets, target{method, pattern, path})
	}
	// Every page first, as every account, so that each form is found on the page that shows it.
	var lines []string
	for _, t := range targets {
		if t.method != http.MethodGet {
			continue
		}
		who, ok := s.firstServing(t.path)
		if !ok {
			fmt.Fprintf(os.Stderr, "requests: GET %s serves no demo account; left out\n", t.path)
			continue
		}
		if marked := markIDs(t.pattern, t.path); marked != "" {
			lines = append(lines, s.request(http.MethodGet, marked, who, ""))
		}
	}
	for _, f := range s.sortedForms() {
		if f.method == http.MethodGet && len(f.fields) > 0 {
			lines = append(lines, s.request(http.MethodGet, f.action+"?"+f.fields.Encode(), f.who, ""))
		}
	}
	posts, found := 0, 0
	for _, t := range targets {
		if t.method != http.MethodPost {
			continue
		}
		posts++
		f, ok := s.forms["POST "+t.path]
		if ok && len(f.fields) > 0 {
			found++
			lines = append(lines, s.request(http.MethodPost, t.path, f.who, f.fields.Encode()))
		} else if marked := markIDs(t.pattern, t.path); marked != "" {
			// No form with fields shows now (a button alone, or a state the demo has passed):
			// its path's identifiers are still tested, as the administrator.
			lines = append(lines, s.request(http.MethodPost, marked, logins[1], ""))
		} else {
			fmt.Fprintf(os.Stderr, "requests: POST %s: no form with fields found on any page; left out\n", t.path)
		}
	}
	if err := os.WriteFile(*out, []byte(strings.Join(lines, "")), 0o600); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("requests: %d requests written to %s (%d of %d forms found on their pages)\n", len(lines), *out, found, posts)
}

// demoIDs reads the identifiers paths are filled with, keyed by the path segment before the
// parameter and the parameter's name.
func demoIDs(ctx context.Context, d *db.DB) map[string]string {
	q := func(query string, args ...any) string {
		var v string
		if err := d.Read.QueryRowContext(ctx, query, args...).Scan(&v); err != nil {
			return ""
		}
		return v
	}
	sam := q("SELECT id FROM people WHERE login = 'sam'")
	luton := q("SELECT organisation_id FROM councils WHERE gss_code = 'E06000032'")
	panel := q("SELECT id FROM panels WHERE slug = 'luton'")
	activity := q("SELECT max(id) FROM funding_activities WHERE council_id = $1", luton)
	std := q("SELECT min(standard_id) FROM standard_versions")
	version := q("SELECT max(id) FROM standard_versions WHERE standard_id = $1", std)
	claim := q("SELECT max(id) FROM payment_claims WHERE person_id = $1 AND source = 'meeting'", sam)
	team := q("SELECT min(id) FROM evaluation_teams WHERE council_id = $1", luton)
	opportunity := q("SELECT max(opportunity_id) FROM opportunity_interests")
	return map[string]string{
		"councils/code": "E06000032", "adoptions/councils/gss": "E06000032",
		"organisations/slug": q("SELECT slug FROM organisations WHERE name = 'Luton Homelessness Partnership'"),
		"people/id":          sam, "members/person": sam,
		"programmes/id":    q("SELECT min(id) FROM funding_programmes WHERE published_at IS NOT NULL"),
		"bids/id":          q("SELECT min(id) FROM funding_bids WHERE council_id = $1 AND submitted_at IS NOT NULL", luton),
		"sections/section": "about", "log/id": activity,
		"contributions/cid": q("SELECT max(id) FROM funding_contributions WHERE activity_id = $1", activity),
		"support/id":        q("SELECT max(id) FROM funding_support_requests WHERE council_id = $1", luton),
		"my-words/id":       q("SELECT max(id) FROM funding_contributions WHERE person_id = $1", sam),
		"panels/slug":       "luton", "meetings/meeting": q("SELECT max(id) FROM panel_meetings WHERE panel_id = $1", panel),
		"opportunities/id": opportunity, "interests/interest": q("SELECT max(id) FROM opportunity_interests WHERE opportunity_id = $1", opportunity),
		"recommendations/id": q("SELECT max(id) FROM recommendations WHERE panel_id = $1", panel),
		"co-production/file": "councils.csv", "funder/file": "support.csv",
		"standards/id": std, "versions/number": q("SELECT number FROM standard_versions WHERE id = $1", version), "clauses/number": "1",
		"proposals/pid": q("SELECT max(id) FROM standard_proposals WHERE standard_id = $1", std), "self-assessment/version": version,
		"claims/id": claim, "rates/org": q("SELECT organisation_id FROM panels WHERE id = $1", panel),
		"feedback/source": "meeting", "source/id": q("SELECT source_id FROM payment_claims WHERE id = $1", claim),
		"cycles/cycle": q("SELECT min(id) FROM evaluation_cycles"), "teams/team": team,
		"actions/action":   q("SELECT max(id) FROM evaluation_actions WHERE team_id = $1", team),
		"examples/example": q("SELECT max(id) FROM evaluation_examples"),
		"modules/module":   q("SELECT min(id) FROM training_modules"), "sessions/session": q("SELECT min(id) FROM training_sessions"),
		"audit/id": q("SELECT min(id) FROM audit_log"), "tokens/id": q("SELECT max(id) FROM api_tokens"),
		"v1/programmes/id":      q("SELECT min(id) FROM funding_programmes WHERE published_at IS NOT NULL"),
		"standards/versions/id": version,
	}
}

var param = regexp.MustCompile(`\{([^}]+)\}`)

// fill replaces each {name} in a pattern with a demo identifier, looked up by the segments
// before it (the longest match first); ok is false when one is missing.
func fill(pattern string, ids map[string]string) (string, bool) {
	pattern = strings.TrimSuffix(pattern, "{$}")
	ok := true
	out := param.ReplaceAllStringFunc(pattern, func(m string) string {
		name := strings.Trim(m, "{}")
		before := strings.Split(strings.Trim(pattern[:strings.Index(pattern, m)], "/"), "/")
		for n := min(3, len(before)); n >= 1; n-- {
			if v := ids[strings.Join(append(slices.Clone(before[len(before)-n:]), name), "/")]; v != "" {
				return url.PathEscape(v)
			}
		}
		ok = false
		return m
	})
	return out, ok
}

// markIDs marks each identifier filled into a page's path with sqlmap's injection mark (*),
// so that the path's parameters are tested; "" for a path without any.
func markIDs(pattern, path string) string {
	if !param.MatchString(pattern) {
		return ""
	}
	ps, vs := strings.Split(strings.TrimSuffix(pattern, "{$}"), "/"), strings.Split(path, "/")
	for i := range ps {
		if i < len(vs) && param.MatchString(ps[i]) {
			vs[i] += "*"
		}
	}
	return strings.Join(vs, "/")
}

type form struct {
	method, action, who string
	fields              url.Values
}

type scan struct {
	base    string
	cookies map[string]string // login -> session cookie
	forms   map[string]form   // "METHOD action" -> the form, as first found
}

var client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (s *scan) signIn(login string) string {
	resp, err := client.PostForm(s.base+"/sign-in", url.Values{"login": {login}, "password": {"roundtable-demo"}})
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if strings.Contains(c.Name, "session") && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	log.Fatalf("requests: could not sign in as %s (status %d)", login, resp.StatusCode)
	return ""
}

// firstServing asks the page as each account in turn and returns the first it serves,
// collecting the forms on every page it is served to anyone.
func (s *scan) firstServing(path string) (string, bool) {
	who, found := "", false
	for _, l := range logins {
		req, _ := http.NewRequest(http.MethodGet, s.base+path, nil)
		if l != "" {
			req.Header.Set("Cookie", s.cookies[l])
		}
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			continue
		}
		if !found {
			who, found = l, true
		}
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			s.collect(path, l, string(body))
		}
	}
	return who, found
}

var (
	formRe   = regexp.MustCompile(`(?is)<form\b([^>]*)>(.*?)</form>`)
	fieldRe  = regexp.MustCompile(`(?is)<(input|select|textarea)\b([^>]*)>`)
	optionRe = regexp.MustCompile(`(?is)<option\b[^>]*value="([^"]*)"`)
)

func attr(tag, name string) string {
	m := regexp.MustCompile(`(?is)\b` + name + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// collect records the forms on a page: where each posts, and a plausible value for each field.
func (s *scan) collect(page, who, body string) {
	for _, m := range formRe.FindAllStringSubmatch(body, -1) {
		method := strings.ToUpper(attr(m[1], "method"))
		if method == "" {
			method = http.MethodGet
		}
		action := attr(m[1], "action")
		if action == "" {
			action, _, _ = strings.Cut(page, "?")
		}
		if !strings.HasPrefix(action, "/") {
			continue
		}
		key := method + " " + action
		if _, ok := s.forms[key]; ok {
			continue // the first account that sees the form keeps it
		}
		fields := url.Values{}
		rest := m[2]
		for _, fm := range fieldRe.FindAllStringSubmatchIndex(rest, -1) {
			kind, tag := strings.ToLower(rest[fm[2]:fm[3]]), rest[fm[4]:fm[5]]
			name := attr(tag, "name")
			typ := strings.ToLower(attr(tag, "type"))
			if name == "" || typ == "submit" || typ == "button" || typ == "file" || fields.Has(name) {
				continue
			}
			value := attr(tag, "value")
			if kind == "select" {
				if o := optionRe.FindStringSubmatch(rest[fm[1]:]); o != nil {
					value = html.UnescapeString(o[1])
				}
			}
			if value == "" {
				value = plausible(name)
			}
			fields.Set(name, value)
		}
		s.forms[key] = form{method: method, action: action, who: who, fields: fields}
	}
}

// plausible is a value of the kind the field asks for, so that the form gets past its checks
// where it can and sqlmap sees the real handling of each field.
func plausible(name string) string {
	switch {
	case strings.HasSuffix(name, "-day"), strings.HasSuffix(name, "-month"):
		return "1"
	case strings.HasSuffix(name, "-year"):
		return "2027"
	case strings.Contains(name, "date"):
		return "2027-01-01"
	case strings.Contains(name, "time"):
		return "14:00"
	case strings.Contains(name, "email") || name == "login":
		return "someone@example.org"
	case strings.Contains(name, "amount") || strings.Contains(name, "pence") || strings.Contains(name, "homes") || strings.Contains(name, "quorum") || strings.Contains(name, "hourly"):
		return "1"
	}
	return "test"
}

func (s *scan) sortedForms() []form {
	keys := make([]string, 0, len(s.forms))
	for k := range s.forms {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]form, len(keys))
	for i, k := range keys {
		out[i] = s.forms[k]
	}
	return out
}

// request is one entry of a Burp log.
func (s *scan) request(method, path, who, body string) string {
	u, _ := url.Parse(s.base)
	var b strings.Builder
	sep := strings.Repeat("=", 54)
	fmt.Fprintf(&b, "%s\n%s %s HTTP/1.1\nHost: %s\n", sep, method, path, u.Host)
	if who != "" {
		fmt.Fprintf(&b, "Cookie: %s\n", s.cookies[who])
	}
	if method == http.MethodPost {
		fmt.Fprintf(&b, "Content-Type: application/x-www-form-urlencoded\nContent-Length: %d\n\n%s\n", len(body), body)
	} else {
		b.WriteString("\n")
	}
	b.WriteString(sep + "\n\n")
	return b.String()
}
