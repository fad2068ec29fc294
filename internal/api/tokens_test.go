package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"roundtable/internal/api"
	"roundtable/internal/app"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/shareddata"
)

func importRequest(secret, query string, body []byte) request {
	r := request{method: http.MethodPost, path: "/api/v1/outcomes/rough-sleeping" + query, body: bytes.NewReader(body),
		headers: map[string]string{"Content-Type": "text/csv"}}
	if secret != "" {
		r.headers["Authorization"] = "Bearer " + secret
	}
	return r
}

// errorCode reads {"error": {"code": ...}}.
func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("not a JSON error: %s", body)
	}
	return e.Error.Code
}

// figures fingerprints the stored rough sleeping figures: rows, imports and England's totals.
func figures(t *testing.T, d *db.DB) string {
	t.Helper()
	var rows, imports, total int64
	if err := d.Read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM rough_sleeping_figures), (SELECT COUNT(*) FROM rough_sleeping_imports),
		(SELECT COALESCE(SUM(total), 0) FROM rough_sleeping_figures WHERE area_type = 'england')`).Scan(&rows, &imports, &total); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(rows, imports, total)
}

// uses lists the audit log's records of a token's uses, as "status code".
func uses(t *testing.T, d *db.DB, tokenID int64) []string {
	t.Helper()
	rs, err := d.Read.QueryContext(ctx, `SELECT after_json FROM audit_log WHERE action = 'api_token.used' AND subject = $1 ORDER BY id`, fmt.Sprintf("api-token:%d", tokenID))
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var after string
		var u api.Use
		if err := rs.Scan(&after); err != nil || json.Unmarshal([]byte(after), &u) != nil {
			t.Fatalf("use record %q: %v", after, err)
		}
		out = append(out, strings.TrimSpace(fmt.Sprint(u.Status, " ", u.Code)))
	}
	return out
}

// TestTokens covers the bearer token rules of the import: missing, unknown, expired, revoked
// and wrong-scope tokens are refused and change nothing; a good one imports, strict by
// default; every use of a known token is in the audit log.
func TestTokens(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		snapshot, err := os.ReadFile(shareddata.Path(t, shareddata.RoughSleeping))
		if err != nil {
			t.Fatal(err)
		}
		good, secret, err := api.CreateToken(ctx, d, nil, api.NewToken{Name: "Nightly import", Scope: api.ScopeImportOutcomes, Lifetime: "90"}, now())
		if err != nil {
			t.Fatal(err)
		}
		expired, expiredSecret, err := api.CreateToken(ctx, d, nil, api.NewToken{Name: "Old import", Scope: api.ScopeImportOutcomes, Lifetime: "30"}, now().AddDate(0, 0, -31))
		if err != nil {
			t.Fatal(err)
		}
		revoked, revokedSecret, err := api.CreateToken(ctx, d, nil, api.NewToken{Name: "Leaked import", Scope: api.ScopeImportOutcomes, Lifetime: "30"}, now())
		if err != nil {
			t.Fatal(err)
		}
		if err := api.RevokeToken(ctx, d, nil, revoked.ID, now()); err != nil {
			t.Fatal(err)
		}
		before := figures(t, d)
		for _, tc := range []struct {
			name, secret, scheme string
			status               int
			code                 string
		}{
			{"missing", "", "", 401, "unauthorised"},
			{"not bearer", secret, "Basic", 401, "unauthorised"},
			{"unknown", "rt_" + strings.Repeat("x", 43), "Bearer", 401, "unauthorised"},
			{"not ours", "ghp_abc", "Bearer", 401, "unauthorised"},
			{"expired", expiredSecret, "Bearer", 401, "unauthorised"},
			{"revoked", revokedSecret, "Bearer", 401, "unauthorised"},
			{"wrong scope", w.otherScopeToken(t), "Bearer", 403, "forbidden"},
		} {
			r := importRequest("", "", snapshot)
			if tc.secret != "" {
				r.headers["Authorization"] = tc.scheme + " " + tc.secret
			}
			rec := w.do(t, r)
			if rec.Code != tc.status || errorCode(t, rec.Body.Bytes()) != tc.code {
				t.Errorf("%s: %d %s", tc.name, rec.Code, rec.Body.String())
			}
			if tc.status == 401 && rec.Header().Get("WWW-Authenticate") == "" {
				t.Errorf("%s: no WWW-Authenticate", tc.name)
			}
		}
		if got := figures(t, d); got != before {
			t.Fatalf("refused requests changed the figures: %s, then %s", before, got)
		}
		if got := uses(t, d, expired.ID); len(got) != 1 || got[0] != "401 unauthorised" {
			t.Errorf("expired token's uses: %v", got)
		}
		if got := uses(t, d, revoked.ID); len(got) != 1 || got[0] != "401 unauthorised" {
			t.Errorf("revoked token's uses: %v", got)
		}

		// A bad file, a file with problems when strict, and nonsense: 422 and nothing changes.
		lines := strings.Split(string(snapshot), "\n")
		withProblem := strings.Join(append([]string{lines[0], strings.Replace(lines[1], ",653", ",many", 1)}, lines[2:]...), "\n")
		var rec *httptest.ResponseRecorder
		for _, body := range []string{"", "name,age\nSam,40\n", withProblem} {
			rec = w.do(t, importRequest(secret, "", []byte(body)))
			if rec.Code != http.StatusUnprocessableEntity || errorCode(t, rec.Body.Bytes()) != "invalid_file" {
				t.Errorf("bad file %.20q: %d %s", body, rec.Code, rec.Body.String())
			}
		}
		if !strings.Contains(rec.Body.String(), `"problems":[{"line":2,"reason":"the female figure for England in 2017 \"many\" is not a number"}`) {
			t.Errorf("problems not listed: %s", rec.Body.String())
		}
		if got := figures(t, d); got != before {
			t.Fatalf("a bad file changed the figures: %s, then %s", before, got)
		}

		// Not strict: imported, the problem listed. Then the whole file, strictly.
		rec = w.do(t, importRequest(secret, "?strict=false", []byte(withProblem)))
		var sum struct {
			Strict   bool
			Shape    string
			Years    []int
			Councils int
			Problems []struct{ Line int }
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &sum); rec.Code != 200 || err != nil || sum.Strict || len(sum.Problems) == 0 || sum.Problems[0].Line != 2 {
			t.Errorf("not strict: %d %s", rec.Code, rec.Body.String())
		}
		rec = w.do(t, importRequest(secret, "", snapshot))
		if err := json.Unmarshal(rec.Body.Bytes(), &sum); rec.Code != 200 || err != nil || !sum.Strict || sum.Shape != "long" ||
			len(sum.Years) != 6 || len(sum.Problems) != 0 || sum.Councils < 290 {
			t.Errorf("good import: %d %s", rec.Code, rec.Body.String())
		}
		// The import's own record names the token as who did it.
		var actor string
		if err := d.Read.QueryRowContext(ctx, `SELECT actor_name FROM audit_log WHERE action = 'outcomes.imported' ORDER BY id DESC LIMIT 1`).Scan(&actor); err != nil ||
			actor != fmt.Sprintf("API token %d (Nightly import)", good.ID) {
			t.Errorf("import recorded as done by %q (%v)", actor, err)
		}
		if got := strings.Join(uses(t, d, good.ID), ", "); got != "422 invalid_file, 422 invalid_file, 422 invalid_file, 200, 200" {
			t.Errorf("good token's uses: %s", got)
		}
		tokens, err := api.ListTokens(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tokens {
			if tk.ID == good.ID && (tk.Uses != 5 || tk.LastUsedAt.IsZero()) {
				t.Errorf("good token: %d uses, last %v", tk.Uses, tk.LastUsedAt)
			}
		}
		// The secret is not stored, only its hash.
		var n int
		if err := d.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = $1 OR name = $1`, secret).Scan(&n); err != nil || n != 0 {
			t.Errorf("the secret is stored: %d %v", n, err)
		}

		// A browser on another site cannot post; a client that sends no browser headers can.
		r := importRequest(secret, "", snapshot)
		r.headers["Sec-Fetch-Site"] = "cross-site"
		r.headers["Origin"] = "https://elsewhere.example"
		if rec := w.do(t, r); rec.Code != http.StatusForbidden {
			t.Errorf("cross-site browser post: %d", rec.Code)
		}
		// A body declared too large is refused before it is read.
		r = importRequest(secret, "", bytes.Repeat([]byte("a"), api.MaxImport+1))
		if rec := w.do(t, r); rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("large body: %d", rec.Code)
		}
	})
}

// TestTokenPages walks an administrator through making a token, seeing it once, using it and
// revoking it, and checks who else may reach the pages.
func TestTokenPages(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		for who, want := range map[string]int{"anonymous": 303, "member": 403, "funder": 403, "officer": 403, "admin": 200} {
			for _, p := range []string{"/api/tokens", "/api/tokens/new"} {
				if rec := w.get(t, who, p); rec.Code != want {
					t.Errorf("%s GET %s: %d, want %d", who, p, rec.Code, want)
				}
			}
			if who != "admin" {
				if rec := w.post(t, who, "/api/tokens", "name=Mine&scope=outcomes%3Aimport&lifetime=30"); rec.Code != 403 {
					t.Errorf("%s POST /api/tokens: %d", who, rec.Code)
				}
			}
		}
		for _, who := range []string{"anonymous", "member", "admin"} {
			rec := w.get(t, who, "/api")
			body := rec.Body.String()
			if rec.Code != 200 || strings.Count(body, "<h1") != 1 || !strings.Contains(body, `href="/api/openapi.json"`) ||
				!strings.Contains(body, "Open Government Licence v3.0") || !strings.Contains(body, "GET /api/v1/councils/{code}") {
				t.Errorf("%s /api: %d", who, rec.Code)
			}
			if strings.Contains(body, `href="/api/tokens"`) != (who == "admin") {
				t.Errorf("%s /api: link to tokens shown wrongly", who)
			}
		}

		// Empty form: every field named in the error summary, nothing saved.
		rec := w.post(t, "admin", "/api/tokens", "")
		for _, want := range []string{"govuk-error-summary", `href="#name"`, `href="#scope"`, `href="#lifetime"`, "Enter a name for the token"} {
			if rec.Code != 422 || !strings.Contains(rec.Body.String(), want) {
				t.Errorf("empty form: %d, missing %s", rec.Code, want)
			}
		}
		rec = w.post(t, "admin", "/api/tokens", "name="+strings.Repeat("n", 101)+"&scope=everything&lifetime=9999")
		if rec.Code != 422 || !strings.Contains(rec.Body.String(), "100 characters or fewer") || !strings.Contains(rec.Body.String(), "Choose what the token may do") {
			t.Errorf("bad form: %d", rec.Code)
		}
		if ts, _ := api.ListTokens(ctx, d); len(ts) != 0 {
			t.Fatalf("a refused form saved %d tokens", len(ts))
		}

		rec = w.post(t, "admin", "/api/tokens", "name=Statistics+team&scope=outcomes%3Aimport&lifetime=90")
		created := rec.Header().Get("Location")
		if rec.Code != 303 || !regexp.MustCompile(`^/api/tokens/\d+/created$`).MatchString(created) {
			t.Fatalf("create: %d %q", rec.Code, created)
		}
		var carry *http.Cookie
		for _, c := range rec.Result().Cookies() {
			if c.Value != "" {
				carry = c
			}
		}
		if carry == nil || carry.Path != created || !carry.HttpOnly {
			t.Fatalf("the new token's cookie: %+v", carry)
		}
		// The page shows the secret once, and clears it.
		r := request{who: "admin", path: created, headers: map[string]string{"Cookie": carry.Name + "=" + carry.Value + "; " + w.cookies["admin"].Name + "=" + w.cookies["admin"].Value}}
		rec = w.do(t, r)
		secret := regexp.MustCompile(`<code id="token">(rt_[A-Za-z0-9_-]+)</code>`).FindStringSubmatch(rec.Body.String())
		if rec.Code != 200 || secret == nil || !strings.Contains(rec.Header().Get("Set-Cookie"), "Max-Age=0") {
			t.Fatalf("created page: %d %s", rec.Code, rec.Header().Get("Set-Cookie"))
		}
		if rec = w.get(t, "admin", created); strings.Contains(rec.Body.String(), secret[1]) || !strings.Contains(rec.Body.String(), "can no longer be shown") {
			t.Error("the secret is shown a second time")
		}
		if rec = w.get(t, "admin", "/api/tokens/999999/created"); rec.Code != 404 {
			t.Errorf("unknown token's page: %d", rec.Code)
		}
		// It works, and the list shows it used.
		if rec = w.do(t, importRequest(secret[1], "", []byte("x"))); rec.Code != 422 {
			t.Errorf("new token: %d %s", rec.Code, rec.Body.String())
		}
		rec = w.get(t, "admin", "/api/tokens")
		if !strings.Contains(rec.Body.String(), "Statistics team") || !strings.Contains(rec.Body.String(), "(1 use)") || !strings.Contains(rec.Body.String(), "Active") {
			t.Errorf("list: %s", rec.Body.String())
		}
		// Revoked: refused at once.
		id := strings.TrimSuffix(strings.TrimPrefix(created, "/api/tokens/"), "/created")
		if rec = w.post(t, "member", "/api/tokens/"+id+"/revoke", ""); rec.Code != 403 {
			t.Errorf("member revokes: %d", rec.Code)
		}
		if rec = w.post(t, "admin", "/api/tokens/"+id+"/revoke", ""); rec.Code != 303 || rec.Header().Get("Location") != "/api/tokens" {
			t.Errorf("revoke: %d", rec.Code)
		}
		if rec = w.post(t, "admin", "/api/tokens/999999/revoke", ""); rec.Code != 404 {
			t.Errorf("revoke unknown: %d", rec.Code)
		}
		if rec = w.do(t, importRequest(secret[1], "", []byte("x"))); rec.Code != 401 {
			t.Errorf("revoked token: %d", rec.Code)
		}
		if rec = w.get(t, "admin", "/api/tokens"); !strings.Contains(rec.Body.String(), "Revoked") {
			t.Error("list does not show the token revoked")
		}
		var actions []string
		rows, err := d.Read.QueryContext(ctx, `SELECT action FROM audit_log WHERE subject = $1 ORDER BY id`, "api-token:"+id)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var a string
			_ = rows.Scan(&a)
			actions = append(actions, a)
		}
		if got := strings.Join(actions, " "); got != "api_token.created api_token.used api_token.revoked api_token.used" {
			t.Errorf("audit: %s", got)
		}
	})
}

// TestCouncilPages walks the councils list a page at a time: every current council once, in
// code order, and a region's councils alone.
func TestCouncilPages(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		type page struct {
			Councils []struct {
				GSSCode string `json:"gss_code"`
				Region  struct{ Slug string }
			}
			NextCursor *string `json:"next_cursor"`
			Links      struct{ Next *string }
		}
		walk := func(path string) (codes []string, pages int) {
			for path != "" {
				rec := w.get(t, "", path)
				var p page
				if err := json.Unmarshal(rec.Body.Bytes(), &p); rec.Code != 200 || err != nil {
					t.Fatalf("%s: %d %v", path, rec.Code, err)
				}
				for _, c := range p.Councils {
					codes = append(codes, c.GSSCode)
				}
				pages++
				path = ""
				if p.Links.Next != nil {
					path = *p.Links.Next
				}
			}
			return codes, pages
		}
		codes, pages := walk("/api/v1/councils?limit=50")
		seen := map[string]bool{}
		for i, c := range codes {
			if seen[c] || (i > 0 && codes[i-1] >= c) {
				t.Fatalf("council %s out of order or twice", c)
			}
			seen[c] = true
		}
		if len(codes) != 296 || pages != 6 {
			t.Errorf("%d councils in %d pages, want 296 in 6", len(codes), pages)
		}
		east, _ := walk("/api/v1/councils?region=east-of-england&limit=7")
		if len(east) != 45 {
			t.Errorf("East of England: %d councils", len(east))
		}
		for _, bad := range []string{"limit=501", "limit=ten", "limit=-1"} {
			if rec := w.get(t, "", "/api/v1/councils?"+bad); rec.Code != 400 || !strings.Contains(rec.Body.String(), `"fields":{"limit":`) {
				t.Errorf("%s: %d %s", bad, rec.Code, rec.Body.String())
			}
		}
		// An abolished council's code answers with the council serving the area now.
		rec := w.get(t, "", "/api/v1/councils/e07000026")
		if !strings.Contains(rec.Body.String(), `"gss_code":"E06000063"`) || !strings.Contains(rec.Body.String(), `"resolved_from":"E07000026"`) {
			t.Errorf("old code: %s", rec.Body.String())
		}
		// Luton's figures: 11 people in 2022, as published.
		rec = w.get(t, "", "/api/v1/councils/E06000032")
		if !strings.Contains(rec.Body.String(), `"total":11,"year":2022`) || !strings.Contains(rec.Body.String(), `"adopted_standard":{`) {
			t.Errorf("Luton: %s", rec.Body.String())
		}
		// GET only.
		if rec = w.do(t, request{method: http.MethodDelete, path: "/api/v1/councils/E06000032"}); rec.Code == 200 {
			t.Errorf("DELETE answered 200")
		}
	})
}

// Two servers sharing the database share each token's write limit: five writes at once in
// all, not five on each.
func TestWriteLimitHoldsAcrossServers(t *testing.T) {
	dbtest.Each(t, app.Migrations(), func(t *testing.T, d *db.DB) {
		first := newWorld(t, d)
		second, err := app.New(d, app.Config{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		secret := first.token(t, "Busy client")
		codes := []int{}
		for i := range 6 {
			server := first.h
			if i%2 == 1 {
				server = second.Handler
			}
			req := httptest.NewRequest(http.MethodPost, "/api/v1/outcomes/rough-sleeping", strings.NewReader("not,a,snapshot\n"))
			req.Header.Set("Authorization", "Bearer "+secret)
			rec := httptest.NewRecorder()
			server.ServeHTTP(rec, req)
			codes = append(codes, rec.Code)
		}
		if want := []int{422, 422, 422, 422, 422, 429}; !slices.Equal(codes, want) {
			t.Errorf("answers %v, want %v: the sixth write is over the shared limit", codes, want)
		}
	})
}
