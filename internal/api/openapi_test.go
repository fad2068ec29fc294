package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi/datamodel"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/db/dbtest"
	"roundtable/internal/platform/shareddata"
)

const docURL = "https://roundtable.example/api/openapi.json"

// spec is the served OpenAPI document with a JSON Schema compiler that knows it.
type spec struct {
	raw      map[string]any
	compiler *jsonschema.Compiler
}

func loadSpec(t *testing.T, w *world) *spec {
	t.Helper()
	rec := w.get(t, "", "/api/openapi.json")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		t.Fatalf("openapi.json: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	// The document itself against the OpenAPI 3.1 meta-schema (as libopenapi embeds it).
	meta, err := jsonschema.UnmarshalJSON(strings.NewReader(datamodel.OpenAPI31SchemaData))
	if err != nil {
		t.Fatal(err)
	}
	mc := jsonschema.NewCompiler()
	metaID := meta.(map[string]any)["$id"].(string)
	if err := mc.AddResource(metaID, meta); err != nil {
		t.Fatal(err)
	}
	ms, err := mc.Compile(metaID)
	if err != nil {
		t.Fatalf("compile the OpenAPI 3.1 meta-schema: %v", err)
	}
	if err := ms.Validate(doc); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3.1: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, doc); err != nil {
		t.Fatal(err)
	}
	return &spec{raw: doc.(map[string]any), compiler: c}
}

// operation finds a documented operation by id.
func (s *spec) operation(id string) (path, method string, op map[string]any) {
	for p, item := range s.raw["paths"].(map[string]any) {
		for m, o := range item.(map[string]any) {
			if o, ok := o.(map[string]any); ok && o["operationId"] == id {
				return p, m, o
			}
		}
	}
	return "", "", nil
}

// responseSchema is the schema the operation documents for a status, or "" if none.
func (s *spec) responseSchema(op map[string]any, status int) string {
	r, ok := op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	if !ok {
		return ""
	}
	if ref, ok := r["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/responses/")
		r = s.raw["components"].(map[string]any)["responses"].(map[string]any)[name].(map[string]any)
	}
	return r["content"].(map[string]any)["application/json"].(map[string]any)["schema"].(map[string]any)["$ref"].(string)
}

// check validates a response against what the operation documents for its status.
func (s *spec) check(t *testing.T, opID string, rec *responseRecord) {
	t.Helper()
	_, _, op := s.operation(opID)
	if op == nil {
		t.Fatalf("%s is not documented", opID)
	}
	ref := s.responseSchema(op, rec.status)
	if ref == "" {
		t.Errorf("%s answered %d, which it does not document: %s", opID, rec.status, rec.body)
		return
	}
	if !strings.HasPrefix(rec.contentType, "application/json") {
		t.Errorf("%s %d: Content-Type %q", opID, rec.status, rec.contentType)
	}
	sch, err := s.compiler.Compile(docURL + ref)
	if err != nil {
		t.Fatalf("compile %s: %v", ref, err)
	}
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(rec.body))
	if err != nil {
		t.Errorf("%s %d: not JSON: %v\n%s", opID, rec.status, err, rec.body)
		return
	}
	if err := sch.Validate(v); err != nil {
		t.Errorf("%s %d does not match %s: %v", opID, rec.status, ref, err)
	}
}

type responseRecord struct {
	status            int
	contentType, body string
}

// exchange is one request made to a documented operation and the status it should get.
type exchange struct {
	op     string
	status int
	req    request
}

// TestEveryDocumentedResponse makes, for every operation and every status the document gives
// it, a request that should get that status, and validates the answer against the documented
// schema. An operation or status with no request here fails the test, so the document cannot
// promise what is not tried.
func TestEveryDocumentedResponse(t *testing.T) {
	each(t, func(t *testing.T, d *db.DB) {
		w := newWorld(t, d)
		s := loadSpec(t, w)
		first := func(path, key string) string {
			var body map[string][]map[string]any
			rec := w.get(t, "", path)
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body[key]) == 0 {
				t.Fatalf("%s: %v, no %s in %s", path, err, key, rec.Body.String())
			}
			return fmt.Sprint(body[key][0]["id"])
		}
		programme, version := first("/api/v1/programmes", "programmes"), first("/api/v1/standards", "versions")
		snapshot, err := os.ReadFile(shareddata.Path(t, shareddata.RoughSleeping))
		if err != nil {
			t.Fatal(err)
		}
		good, limited := w.token(t, "Statistics import"), w.token(t, "Busy client")
		bearer := func(secret string) map[string]string { return map[string]string{"Authorization": "Bearer " + secret} }
		post := func(secret, query string, body io.Reader) request {
			return request{method: http.MethodPost, path: "/api/v1/outcomes/rough-sleeping" + query, body: body, headers: bearer(secret)}
		}
		otherScope := w.otherScopeToken(t)
		exchanges := []exchange{
			{"listProgrammes", 200, request{path: "/api/v1/programmes"}},
			{"getProgramme", 200, request{path: "/api/v1/programmes/" + programme}},
			{"getProgramme", 404, request{path: "/api/v1/programmes/999999"}},
			{"getProgramme", 404, request{path: "/api/v1/programmes/first"}},
			{"listRegions", 200, request{path: "/api/v1/regions"}},
			{"listCouncils", 200, request{path: "/api/v1/councils"}},
			{"listCouncils", 200, request{path: "/api/v1/councils?region=east-of-england&limit=3"}},
			{"listCouncils", 400, request{path: "/api/v1/councils?limit=0"}},
			{"listCouncils", 400, request{path: "/api/v1/councils?region=atlantis"}},
			{"getCouncil", 200, request{path: "/api/v1/councils/E06000032"}},
			{"getCouncil", 200, request{path: "/api/v1/councils/E07000026"}},
			{"getCouncil", 404, request{path: "/api/v1/councils/E99999999"}},
			{"getCouncilRatings", 200, request{path: "/api/v1/councils/E06000032/ratings"}},
			{"getCouncilRatings", 404, request{path: "/api/v1/councils/E99999999/ratings"}},
			{"getRoughSleeping", 200, request{path: "/api/v1/outcomes/rough-sleeping"}},
			{"listStandardVersions", 200, request{path: "/api/v1/standards"}},
			{"getStandardVersion", 200, request{path: "/api/v1/standards/versions/" + version}},
			{"getStandardVersion", 404, request{path: "/api/v1/standards/versions/999999"}},
			{"listAdoptions", 200, request{path: "/api/v1/standards/adoptions"}},
			{"listAdoptions", 200, request{path: "/api/v1/standards/adoptions?version=" + version}},
			{"listAdoptions", 400, request{path: "/api/v1/standards/adoptions?version=latest"}},
			{"importRoughSleeping", 200, post(good, "", bytes.NewReader(snapshot))},
			{"importRoughSleeping", 400, post(good, "?strict=perhaps", bytes.NewReader(snapshot))},
			{"importRoughSleeping", 401, request{method: http.MethodPost, path: "/api/v1/outcomes/rough-sleeping", body: bytes.NewReader(snapshot)}},
			{"importRoughSleeping", 403, post(otherScope, "", bytes.NewReader(snapshot))},
			// No Content-Length: the body is cut off as it is read, past 1 MiB.
			{"importRoughSleeping", 413, post(good, "", io.MultiReader(bytes.NewReader(snapshot), bytes.NewReader(snapshot), bytes.NewReader(snapshot)))},
			{"importRoughSleeping", 422, post(good, "", strings.NewReader("name,age\nSam,40\n"))},
			{"importRoughSleeping", 200, post(limited, "", bytes.NewReader(snapshot))},
		}
		for range 4 {
			exchanges = append(exchanges, exchange{"importRoughSleeping", 422, post(limited, "", strings.NewReader("not,a,snapshot\n"))})
		}
		exchanges = append(exchanges, exchange{"importRoughSleeping", 429, post(limited, "", bytes.NewReader(snapshot))})

		tried := map[string]bool{}
		for _, x := range exchanges {
			rec := w.do(t, x.req)
			if rec.Code != x.status {
				t.Errorf("%s %s: %d, want %d: %.300s", x.op, x.req.path, rec.Code, x.status, rec.Body.String())
				continue
			}
			s.check(t, x.op, &responseRecord{rec.Code, rec.Header().Get("Content-Type"), rec.Body.String()})
			tried[fmt.Sprintf("%s %d", x.op, x.status)] = true
		}
		for path, item := range s.raw["paths"].(map[string]any) {
			for method, op := range item.(map[string]any) {
				op := op.(map[string]any)
				for status := range op["responses"].(map[string]any) {
					if !tried[fmt.Sprintf("%s %s", op["operationId"], status)] {
						t.Errorf("%s %s answers %s in the document, but no request here gets it", strings.ToUpper(method), path, status)
					}
				}
			}
		}
	})
}

// TestEveryRouteDocumented checks the reverse: each route under /api/v1 is in the document
// with its method, so a new endpoint cannot be left out of it.
func TestEveryRouteDocumented(t *testing.T) {
	d := dbtest.SQLite(t, migrations())
	w := newWorld(t, d)
	s := loadSpec(t, w)
	paths := s.raw["paths"].(map[string]any)
	n := 0
	for _, r := range w.router.Routes() {
		method, path, ok := strings.Cut(r.Pattern, " ")
		if !ok || !strings.HasPrefix(path, "/api/v1/") || path == "/api/v1/" {
			continue // the catch-all "GET /api/v1/" answers "no such endpoint"
		}
		n++
		item, ok := paths[path].(map[string]any)
		if !ok || item[strings.ToLower(method)] == nil {
			t.Errorf("%s is not in the OpenAPI document", r.Pattern)
		}
		if !r.Access.Public {
			t.Errorf("%s is not public: API routes check their own tokens", r.Pattern)
		}
	}
	if n < len(paths) {
		t.Errorf("%d routes under /api/v1, but the document lists %d paths", n, len(paths))
	}
	// The document's licence is the Open Government Licence.
	lic := s.raw["info"].(map[string]any)["license"].(map[string]any)
	if lic["name"] != "Open Government Licence v3.0" || !strings.Contains(lic["url"].(string), "open-government-licence/version/3") {
		t.Errorf("licence: %v", lic)
	}
	// An unknown address under /api/v1 answers in JSON, not with a web page.
	rec := w.get(t, "", "/api/v1/nothing-here")
	if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"code":"not_found"`) {
		t.Errorf("unknown endpoint: %d %s", rec.Code, rec.Body.String())
	}
}
