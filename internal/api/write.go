package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"roundtable/internal/insight"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
)

// MaxImport is the largest file the import accepts; the whole snapshot of 2017 to 2022 is
// under half of it. It matches the app's limit on any request body.
const MaxImport = 1 << 20

// bearer finds the usable token the request carries, refusing with 401 when there is none,
// it is unknown, revoked or expired. A known token is returned even when refused, so that its
// use is recorded.
func (h *Handlers) bearer(r *http.Request) (Token, bool, error) {
	unauthorised := func(msg string) error {
		return &apiError{Status: http.StatusUnauthorized, Code: "unauthorised", Message: msg}
	}
	scheme, secret, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		return Token{}, false, unauthorised("Send an API token in the Authorization header: Authorization: Bearer <token>.")
	}
	t, err := tokenBySecret(r.Context(), h.db, strings.TrimSpace(secret))
	if errs.Is(err, errs.NotFound) {
		return Token{}, false, unauthorised("The API token is not one Roundtable issued.")
	}
	if err != nil {
		return Token{}, false, err
	}
	switch t.Status(h.opt.Now()) {
	case "Revoked":
		return t, true, unauthorised("The API token was revoked. Ask an administrator for a new one.")
	case "Expired":
		return t, true, unauthorised("The API token has expired. Ask an administrator for a new one.")
	}
	return t, true, nil
}

// importSummary is what an import read and wrote.
type importSummary struct {
	Strict    bool          `json:"strict"`
	Shape     string        `json:"shape"`
	DataRows  int           `json:"data_rows"`
	Years     []int         `json:"years"`
	Councils  int           `json:"councils"`
	Summaries int           `json:"summaries"`
	Merged    []mergeJSON   `json:"merged"`
	Checks    []checkJSON   `json:"checks"`
	Problems  []problemJSON `json:"problems"`
}

type mergeJSON struct {
	SourceCode  string `json:"source_code"`
	SourceName  string `json:"source_name"`
	CouncilCode string `json:"council_code"`
	CouncilName string `json:"council_name"`
}

type checkJSON struct {
	Year          int    `json:"year"`
	CouncilsTotal int64  `json:"councils_total"`
	EnglandTotal  *int64 `json:"england_total"`
	Matches       bool   `json:"matches"`
}

func summaryOf(res insight.ImportResult, strict bool) importSummary {
	out := importSummary{Strict: strict, Shape: res.Shape, DataRows: res.DataRows, Years: nonNil(res.Years), Councils: res.Councils,
		Summaries: res.Summaries, Merged: []mergeJSON{}, Checks: []checkJSON{}, Problems: problemsOf(res.Problems)}
	for _, m := range res.Merged {
		out.Merged = append(out.Merged, mergeJSON{m.SourceCode, m.SourceName, m.CouncilCode, m.CouncilName})
	}
	for _, c := range res.Checks {
		cj := checkJSON{Year: c.Year, CouncilsTotal: c.Councils, Matches: c.Matches()}
		if c.HasEngland {
			e := c.England
			cj.EnglandTotal = &e
		}
		out.Checks = append(out.Checks, cj)
	}
	return out
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun + " is"
	}
	return fmt.Sprintf("%d %ss are", n, noun)
}

func problemsOf(ps []insight.Problem) []problemJSON {
	out := []problemJSON{}
	for _, p := range ps {
		out = append(out, problemJSON{p.Line, p.Reason})
	}
	return out
}

// importRoughSleeping imports the snapshot sent as the body, with the token's name as who did
// it in the import's own audit record. Every request with a known token, answered or refused,
// is recorded as a use of it.
func (h *Handlers) importRoughSleeping(r *http.Request) (int, any, error) {
	t, known, err := h.bearer(r)
	if err == nil {
		var res insight.ImportResult
		var strict bool
		res, strict, err = h.importWith(r, t)
		if err == nil {
			h.used(r, t, http.StatusOK, "")
			return http.StatusOK, summaryOf(res, strict), nil
		}
	}
	if known {
		ae := h.toAPIError(r, err)
		h.used(r, t, ae.Status, ae.Code)
		return 0, nil, ae
	}
	return 0, nil, err
}

// used records a use of the token. The import has its own audit record, written with the
// figures, so a failure here is logged rather than turning an import that happened into an
// error.
func (h *Handlers) used(r *http.Request, t Token, status int, code string) {
	u := Use{Method: r.Method, Path: r.URL.Path, Status: status, Code: code}
	if err := recordUse(r.Context(), h.db, t, u, h.opt.Now()); err != nil {
		h.opt.Log.Error("record API token use", "token", t.ID, "err", err)
	}
}

func (h *Handlers) importWith(r *http.Request, t Token) (insight.ImportResult, bool, error) {
	if t.Scope != ScopeImportOutcomes {
		return insight.ImportResult{}, false, &apiError{Status: http.StatusForbidden, Code: "forbidden",
			Message: "The API token may not import outcome data: its scope is " + t.Scope + "."}
	}
	if ok, wait, err := h.limit.allow(r.Context(), t.ID, h.opt.Now()); err != nil {
		return insight.ImportResult{}, false, err
	} else if !ok {
		return insight.ImportResult{}, false, &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited",
			Message: fmt.Sprintf("Too many imports with this token. Try again in %d seconds.", int(math.Ceil(wait.Seconds())))}
	}
	strict := true
	if s := r.URL.Query().Get("strict"); s != "" {
		b, err := strconv.ParseBool(s)
		if err != nil {
			return insight.ImportResult{}, false, badParameter("strict", "strict must be true or false")
		}
		strict = b
	}
	// Read the whole body first, so that one too large is told apart from a bad file.
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxImport))
	if err != nil {
		return insight.ImportResult{}, false, err
	}
	// The importer records the import in the audit log as done by whoever is in the context.
	ctx := auth.WithIdentity(r.Context(), &auth.Identity{DisplayName: t.actorName()})
	res, err := insight.ImportRoughSleeping(ctx, h.db, bytes.NewReader(body), insight.ImportOptions{
		Strict: strict, Source: "API: " + t.Name, Now: h.opt.Now()})
	var ie *insight.ImportError
	if errors.As(err, &ie) {
		return res, strict, &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid_file",
			Message: "The file was not imported. " + plural(len(ie.Problems), "problem") + " listed under problems.", Problems: problemsOf(ie.Problems)}
	}
	return res, strict, err
}
