package api_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"roundtable/internal/accounts/accountstest"
	"roundtable/internal/api"
	"roundtable/internal/app"
	"roundtable/internal/demo"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/shareddata"
	"roundtable/internal/platform/web"
)

var ctx = context.Background()

// migrations are the app's, with the API's added while the app does not list them yet.
func migrations() []db.Migration {
	ms := app.Migrations()
	if !slices.ContainsFunc(ms, func(m db.Migration) bool { return m.Component == "api" }) {
		ms = append(ms, api.Migrations...)
	}
	return ms
}

// each runs a test on SQLite and on PostgreSQL.
func each(t *testing.T, fn func(t *testing.T, d *db.DB)) { dbtest.Each(t, migrations(), fn) }

// world is the whole app on the demo data, with the API's routes, and signed-in people.
type world struct {
	d       *db.DB
	h       http.Handler
	router  *web.Router
	cookies map[string]*http.Cookie
}

func newWorld(t testing.TB, d *db.DB) *world {
	t.Helper()
	if _, err := demo.Load(ctx, d, demo.Options{AuthoritiesFile: shareddata.Path(t, shareddata.Authorities)}); err != nil {
		t.Fatalf("demo data: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.New(d, app.Config{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(a.Router.Routes(), func(r web.Route) bool { return r.Pattern == "GET /api" }) {
		assets, err := web.LoadAssets()
		if err != nil {
			t.Fatal(err)
		}
		rd, err := web.NewRenderer(assets, nil, log, api.Templates)
		if err != nil {
			t.Fatal(err)
		}
		h := api.New(d, api.Options{Log: log})
		h.UseRenderer(rd)
		h.Register(a.Router)
	}
	w := &world{d: d, h: a.Handler, router: a.Router, cookies: map[string]*http.Cookie{"anonymous": nil}}
	for who, role := range map[string]auth.Role{"admin": auth.Admin, "member": auth.Member, "funder": auth.Funder, "officer": auth.CouncilOfficer} {
		org := int64(0)
		if role != auth.Admin {
			org = accountstest.Organisation(t, d, "Test organisation of the "+who)
		}
		c, _ := accountstest.SignedIn(t, d, role, org)
		w.cookies[who] = c
	}
	return w
}

// request is one request to the app.
type request struct {
	who     string // a key of world.cookies; "" for nobody
	method  string
	path    string
	body    io.Reader
	headers map[string]string
}

func (w *world) do(t *testing.T, r request) *httptest.ResponseRecorder {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	req := httptest.NewRequest(r.method, r.path, r.body)
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	if c := w.cookies[r.who]; c != nil {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, req)
	return rec
}

func (w *world) get(t *testing.T, who, path string) *httptest.ResponseRecorder {
	t.Helper()
	return w.do(t, request{who: who, path: path})
}

// post sends a form.
func (w *world) post(t *testing.T, who, path, form string) *httptest.ResponseRecorder {
	t.Helper()
	return w.do(t, request{who: who, method: http.MethodPost, path: path, body: strings.NewReader(form),
		headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
}

// token makes a token straight in the store and returns its secret.
func (w *world) token(t *testing.T, name string) string {
	t.Helper()
	_, secret, err := api.CreateToken(ctx, w.d, nil, api.NewToken{Name: name, Scope: api.ScopeImportOutcomes, Lifetime: "30"}, now())
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

func now() time.Time { return time.Now() }

// otherScopeToken stores a token with a scope the import does not accept, as a token made
// for some other write would have, and returns its secret.
func (w *world) otherScopeToken(t *testing.T) string {
	t.Helper()
	secret := "rt_" + auth.NewToken()
	if _, err := w.d.Write.ExecContext(ctx, `INSERT INTO api_tokens (name, scope, token_hash, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5)`, "Standards sync", "standards:write", auth.HashToken(secret), now().UTC(), now().Add(time.Hour).UTC()); err != nil {
		t.Fatal(err)
	}
	return secret
}
