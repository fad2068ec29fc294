package api

import (
	"maps"
	"slices"
	"strings"

	"roundtable/internal/insight"
)

// The OpenAPI 3.1 document, written as data. Tests check it against the OpenAPI 3.1
// meta-schema, that every path it lists answers in the shape it gives, and that every route
// under /api/v1 is in it. Objects do not allow properties they do not list, so a field added
// to a response without being documented fails the tests.

type obj = map[string]any

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func str(description string) obj {
	s := obj{"type": "string"}
	if description != "" {
		s["description"] = description
	}
	return s
}

func integer(description string) obj {
	s := obj{"type": "integer"}
	if description != "" {
		s["description"] = description
	}
	return s
}

func format(s obj, f string) obj { s["format"] = f; return s }

func array(items obj) obj { return obj{"type": "array", "items": items} }

func orNull(s obj) obj { return obj{"anyOf": []any{s, obj{"type": "null"}}} }

// object is a closed object whose properties are all required except those named optional.
func object(props obj, optional ...string) obj {
	var required []string
	for k := range props {
		if !slices.Contains(optional, k) {
			required = append(required, k)
		}
	}
	slices.Sort(required)
	return obj{"type": "object", "additionalProperties": false, "required": required, "properties": props}
}

// withAll is base with more properties, all required: a schema that extends another.
func withAll(base obj, more obj) obj {
	props := obj{}
	var optional []string
	for k, v := range base["properties"].(obj) {
		props[k] = v
		if !slices.Contains(base["required"].([]string), k) {
			optional = append(optional, k)
		}
	}
	maps.Copy(props, more)
	return object(props, optional...)
}

func response(description, schema string) obj {
	return obj{"description": description, "content": obj{"application/json": obj{"schema": ref(schema)}}}
}

func errorResponse(description string) obj { return response(description, "Error") }

func pathParam(name, description, example string) obj {
	return obj{"name": name, "in": "path", "required": true, "description": description, "schema": str(""), "example": example}
}

func queryParam(name, description string, schema obj) obj {
	return obj{"name": name, "in": "query", "required": false, "description": description, "schema": schema}
}

// errorStatus is the status of each of the document's error responses.
var errorStatus = map[string]string{"BadParameter": "400", "Unauthorised": "401", "Forbidden": "403", "NotFound": "404",
	"TooLarge": "413", "BadFile": "422", "RateLimited": "429"}

func withErrors(responses obj, names ...string) obj {
	for _, e := range names {
		responses[errorStatus[e]] = obj{"$ref": "#/components/responses/" + e}
	}
	return responses
}

func get(id, summary, description string, params []any, ok string, errors ...string) obj {
	op := obj{"operationId": id, "summary": summary, "description": description,
		"responses": withErrors(obj{"200": response("Found.", ok)}, errors...)}
	if len(params) > 0 {
		op["parameters"] = params
	}
	return obj{"get": op}
}

var (
	schemaLinks = obj{"type": "object", "description": "Addresses of related resources, relative to this site; null where there is none.",
		"additionalProperties": orNull(str(""))}
	schemaCount = obj{"description": "A count of people: a number, \"[c]\" when kept private (fewer than 5 people, or one that would let a hidden count be worked out), or null when not published.",
		"anyOf": []any{obj{"type": "integer", "minimum": 0}, obj{"const": "[c]"}, obj{"type": "null"}}}
	isoDate = format(str("A day, YYYY-MM-DD."), "date")
	isoTime = format(str("An instant in UTC, ISO 8601."), "date-time")
	pence   = func(d string) obj { s := integer(d + " In pence."); s["minimum"] = 0; return s }
)

func schemas() obj {
	council := object(obj{
		"gss_code": str("The council's GSS code, such as E06000032."), "name": str(""), "official_name": str(""),
		"type": ref("CodeName"), "region": orNull(ref("RegionRef")),
		"population": orNull(integer("Estimated population, 2020.")), "start_date": orNull(isoDate), "links": ref("Links"),
	})
	version := object(obj{"id": integer(""), "standard_id": integer(""), "standard_title": str(""),
		"number": str("Such as 1.0 or 1.1."), "published_at": isoTime, "links": ref("Links")})
	adoption := object(obj{"standard_id": integer(""), "standard_title": str(""), "version_id": integer(""),
		"version_number": str(""), "adopted_on": isoDate, "links": ref("Links")})
	programmeProps := obj{
		"id": integer(""), "name": str(""), "purpose": str(""), "homes_target": integer("Homes the programme aims to fund."),
		"opens_at": isoTime, "closes_at": isoTime, "published_at": isoTime,
		"total_pence": pence("Money in all the pots."),
		"requirement": object(obj{
			"stakeholder_types":  array(ref("CodeName")),
			"evidence_questions": array(str("")),
		}),
		"eligible_councils": array(str("GSS code of a council that may bid; an empty list means every council.")),
		"pots":              array(ref("Pot")),
		"rubric":            array(ref("Level")),
		"links":             ref("Links"),
	}
	return obj{
		"Error": object(obj{"error": object(obj{
			"code":     str("not_found, invalid_parameter, unauthorised, forbidden, too_large, invalid_file, rate_limited or internal."),
			"message":  str("What went wrong, in plain English."),
			"fields":   obj{"type": "object", "additionalProperties": str(""), "description": "A message for each parameter at fault."},
			"problems": array(ref("Problem")),
		}, "fields", "problems")}),
		"Links":    schemaLinks,
		"Count":    schemaCount,
		"CodeName": object(obj{"code": str(""), "name": str("")}),
		"Level": object(obj{"level": obj{"type": "integer", "minimum": 0, "maximum": 6, "description": "A rung of the ladder of co-production: 0 coercion to 6 co-production."},
			"name": str(""), "description": str("")}),
		"Rung": object(obj{"level": obj{"type": "integer", "minimum": 0, "maximum": 6}, "name": str("")}),
		"Pot": object(obj{"id": integer(""), "name": str(""), "kind": obj{"enum": []any{"capital", "revenue"}},
			"amount_pence": pence("Money in the pot."), "bid_limit_pence": pence("Most one bid may ask for.")}),
		"Programme":     object(programmeProps, "rubric"),
		"ProgrammeList": object(obj{"programmes": array(ref("Programme"))}),
		"RegionRef":     object(obj{"name": str(""), "slug": str("")}),
		"Region":        object(obj{"name": str(""), "slug": str("Use it as the region parameter of /api/v1/councils."), "councils": integer("Current councils in the region."), "links": ref("Links")}),
		"RegionList":    object(obj{"regions": array(ref("Region"))}),
		"Council":       council,
		"CouncilRef":    object(obj{"gss_code": str(""), "name": str("")}),
		"CouncilList": object(obj{"councils": array(ref("Council")),
			"next_cursor": orNull(str("Pass as cursor for the next page; null on the last page.")), "links": ref("Links")}),
		"CouncilDetail": withAll(council, obj{
			"resolved_from":    orNull(str("The code asked for, when it was an abolished council's or a former code, answered with the council that serves the area now.")),
			"rough_sleeping":   array(ref("YearFigures")),
			"figures_include":  array(ref("MergedCouncil")),
			"adopted_standard": orNull(ref("Adoption")),
		}),
		"MergedCouncil": object(obj{"gss_code": str(""), "name": str(""), "first_year": integer(""), "last_year": integer("")}),
		"YearFigures": object(obj{"year": integer("The autumn of the snapshot."), "female": ref("Count"), "male": ref("Count"),
			"not_known": ref("Count"), "total": ref("Count")}),
		"Area": object(obj{"type": obj{"enum": []any{"england", "region", "council"}}, "code": str("GSS code; empty for the rest of England, which has none."),
			"name": str(""), "region": str(""), "figures": array(ref("YearFigures"))}, "region"),
		"RoughSleeping": object(obj{"title": str(""), "source": str(""), "source_url": format(str(""), "uri"),
			"licence": str(""), "licence_url": format(str(""), "uri"), "suppression": str("How small counts are kept private."),
			"areas": array(ref("Area"))}),
		"Version":         version,
		"VersionList":     object(obj{"versions": array(ref("Version"))}),
		"VersionDetail":   withAll(version, obj{"clauses": array(ref("Clause"))}),
		"Clause":          object(obj{"number": integer(""), "title": str(""), "wording": str(""), "indicators": array(ref("Indicator"))}),
		"Indicator":       object(obj{"id": integer(""), "key": str("Stable across versions, such as 1.2."), "text": str(""), "levels": array(ref("Level"))}),
		"Adoption":        adoption,
		"CouncilAdoption": withAll(adoption, obj{"council": ref("CouncilRef")}),
		"AdoptionList":    object(obj{"adoptions": array(ref("CouncilAdoption"))}),
		"CouncilRatings": object(obj{"council": ref("CouncilRef"), "resolved_from": orNull(str("")),
			"evaluations": array(object(obj{"cycle_id": integer(""), "cycle_title": str(""), "standard_version_id": integer(""),
				"published_at": isoTime, "ratings": array(ref("Rating"))}))}),
		"Rating": object(obj{"indicator_id": orNull(integer("Null for the quality of relationships, which every evaluation rates.")),
			"indicator_key": str(""), "label": str(""), "peer": ref("Rung"), "independent": orNull(ref("Rung"))}),
		"Problem": object(obj{"line": integer("The file's line, the first being 1; 0 for the file as a whole."), "reason": str("")}),
		"ImportSummary": object(obj{
			"strict": obj{"type": "boolean"}, "shape": obj{"enum": []any{"long", "wide"}}, "data_rows": integer(""),
			"years": array(integer("")), "councils": integer("Current councils with figures."), "summaries": integer("England and regional rows."),
			"merged":   array(object(obj{"source_code": str(""), "source_name": str(""), "council_code": str(""), "council_name": str("")})),
			"checks":   array(object(obj{"year": integer(""), "councils_total": integer(""), "england_total": orNull(integer("")), "matches": obj{"type": "boolean"}})),
			"problems": array(ref("Problem")),
		}),
	}
}

func paths() obj {
	code := pathParam("code", "A council's GSS code. An abolished council's code, or a former code, answers with the council that serves the area now.", "E06000032")
	id := func(what, example string) obj { return pathParam("id", "The "+what+"'s number.", example) }
	return obj{
		"/api/v1/programmes": get("listProgrammes", "Funding programmes",
			"Published funding programmes, newest closing first, with their pots and co-production requirement.", nil, "ProgrammeList"),
		"/api/v1/programmes/{id}": get("getProgramme", "One funding programme",
			"A published programme with its pots, requirement and scoring rubric (the ladder of co-production).",
			[]any{id("programme", "1")}, "Programme", "NotFound"),
		"/api/v1/regions": get("listRegions", "Regions", "England's regions, with their slugs for filtering councils.", nil, "RegionList"),
		"/api/v1/councils": get("listCouncils", "Councils",
			"Current councils in England in GSS code order, a page at a time.",
			[]any{
				queryParam("region", "A region's slug, from /api/v1/regions.", str("")),
				queryParam("limit", "Councils on a page, 1 to 500; 100 when not given.", obj{"type": "integer", "minimum": 1, "maximum": maxLimit, "default": defaultLimit}),
				queryParam("cursor", "next_cursor from the page before.", str("")),
			}, "CouncilList", "BadParameter"),
		"/api/v1/councils/{code}": get("getCouncil", "One council",
			"A current council, its rough sleeping figures by year and the co-production standard it adopted last.",
			[]any{code}, "CouncilDetail", "NotFound"),
		"/api/v1/councils/{code}/ratings": get("getCouncilRatings", "A council's co-production ratings",
			"From each published evaluation of the council: the peer evaluators' agreed rating of each indicator of the standard, and the independent assessor's, on the ladder of co-production.",
			[]any{code}, "CouncilRatings", "NotFound"),
		"/api/v1/outcomes/rough-sleeping": obj{
			"get": get("getRoughSleeping", "Rough sleeping in England and its regions",
				"People seen sleeping rough on one night in autumn, by year, for England, London, the rest of England and each region. Councils' figures are at /api/v1/councils/{code}.",
				nil, "RoughSleeping")["get"],
			"post": obj{
				"operationId": "importRoughSleeping", "summary": "Import the rough sleeping snapshot",
				"description": "Replaces the figures of the years in the file with DLUHC's Annual Rough Sleeping Snapshot, sent as CSV in the long (csvcubed) or the wide (published table) shape. Councils' old codes are mapped to the council that serves the area now. Strict by default: a file with any problem changes nothing. Needs a token with the outcomes:import scope; each token may import 5 times at once, then once every 12 seconds.",
				"security":    []any{obj{"bearerToken": []any{ScopeImportOutcomes}}},
				"parameters": []any{queryParam("strict", "false imports a file with problems, leaving out the figures at fault and listing each problem.",
					obj{"type": "boolean", "default": true})},
				"requestBody": obj{"required": true, "content": obj{"text/csv": obj{"schema": str("The snapshot as CSV, at most 1 MiB.")}}},
				"responses": withErrors(obj{"200": response("Imported.", "ImportSummary")},
					"BadParameter", "Unauthorised", "Forbidden", "TooLarge", "BadFile", "RateLimited"),
			},
		},
		"/api/v1/standards": get("listStandardVersions", "Published co-production standards",
			"Every published version of every co-production standard, oldest version first.", nil, "VersionList"),
		"/api/v1/standards/versions/{id}": get("getStandardVersion", "One published version of a standard",
			"Its clauses, and each clause's indicators with what practice looks like at each level of the ladder.",
			[]any{id("published version", "1")}, "VersionDetail", "NotFound"),
		"/api/v1/standards/adoptions": get("listAdoptions", "Adoptions of standards",
			"Which councils adopted which published version, and when, by GSS code.",
			[]any{queryParam("version", "Only adoptions of this published version.", obj{"type": "integer", "minimum": 1})}, "AdoptionList", "BadParameter"),
	}
}

// Document is the OpenAPI 3.1 document of the API.
func Document() obj {
	return obj{
		"openapi":           "3.1.0",
		"jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
		"info": obj{
			"title":   "Roundtable data API",
			"version": "1.0.0",
			"summary": "Co-production of homelessness funding and policy in England: programmes, councils, standards, ratings and rough sleeping figures.",
			"description": "Open data with no personal data. Counts of fewer than 5 people are shown as \"[c]\", as official statistics do. " +
				"Money is in pence, dates and times are ISO 8601 (times in UTC). Errors are {\"error\": {\"code\", \"message\", \"fields\"}}. " +
				"Rough sleeping figures: " + insight.SourceName + ".",
			"license": obj{"name": insight.LicenceName, "url": insight.LicenceURL},
		},
		"servers": []any{obj{"url": "/", "description": "This site."}},
		"paths":   paths(),
		"components": obj{
			"schemas": schemas(),
			"responses": obj{
				"NotFound":     errorResponse("Nothing by that name, or nothing published."),
				"BadParameter": errorResponse("A parameter is wrong; fields says which."),
				"Unauthorised": errorResponse("No token, or one that is unknown, revoked or expired."),
				"Forbidden":    errorResponse("The token's scope does not allow this."),
				"TooLarge":     errorResponse("The body is larger than 1 MiB."),
				"BadFile":      errorResponse("The file is in neither shape, or, when strict, has problems; problems lists them. Nothing was changed."),
				"RateLimited":  errorResponse("Too many writes with this token; the message says when to try again."),
			},
			"securitySchemes": obj{"bearerToken": obj{"type": "http", "scheme": "bearer",
				"description": "An API token made by an administrator at /api/tokens, sent as Authorization: Bearer <token>."}},
		},
	}
}

// documentedEndpoints lists the document's operations for the API page, in path order.
func documentedEndpoints() []EndpointDoc {
	var out []EndpointDoc
	for path, item := range paths() {
		for _, method := range []string{"get", "post"} {
			if op, ok := item.(obj)[method].(obj); ok {
				out = append(out, EndpointDoc{Method: strings.ToUpper(method), Path: path, Summary: op["summary"].(string)})
			}
		}
	}
	slices.SortFunc(out, func(a, b EndpointDoc) int {
		return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method)
	})
	return out
}
