// Package insight turns what the other capabilities record into the national picture, and
// joins it to official outcome data (the rough sleeping snapshot).
//
// What stands today: the importer of DLUHC's Annual Rough Sleeping Snapshot in both the
// shapes it is published in (ImportRoughSleeping), each council's figures over time, the
// national page by region and year, and open data downloads with small counts suppressed.
package insight

import (
	"context"
	"embed"
	"log/slog"
	"os"
	"time"

	"roundtable/internal/platform/db"
	"roundtable/internal/platform/pagecache"
	"roundtable/internal/platform/shareddata"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the insight pages.
var Templates = web.TemplateSet{Name: "insight", FS: web.Sub(templates, "templates")}

// Migrations create the insight tables.
//
// rough_sleeping_figures holds one row per area and year: England, the regions (and London
// and the rest of England) under their names, and each current council under its GSS code,
// with the figures of councils it replaced added in. hidden is a bit mask of the counts that
// public outputs show as [c] (1 female, 2 male, 4 not known, 8 total), decided at import.
// rough_sleeping_sources names, per year, the abolished councils whose figures were added to
// a current one.
var Migrations = []db.Migration{{
	Component: "insight", Version: 1, Name: "rough sleeping snapshot",
	SQL: `
CREATE TABLE rough_sleeping_figures (
	area_type TEXT NOT NULL CHECK (area_type IN ('england', 'region', 'council')),
	area_key TEXT NOT NULL,
	area_name TEXT NOT NULL,
	region TEXT NOT NULL DEFAULT '',
	year INTEGER NOT NULL,
	female INTEGER CHECK (female >= 0),
	male INTEGER CHECK (male >= 0),
	not_known INTEGER CHECK (not_known >= 0),
	total INTEGER NOT NULL CHECK (total >= 0),
	hidden INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (area_type, area_key, year)
);
CREATE INDEX rough_sleeping_figures_year ON rough_sleeping_figures(year);
CREATE TABLE rough_sleeping_sources (
	council_code TEXT NOT NULL,
	year INTEGER NOT NULL,
	source_code TEXT NOT NULL,
	source_name TEXT NOT NULL,
	PRIMARY KEY (council_code, year, source_code)
);
CREATE TABLE rough_sleeping_imports (
	id {{id}},
	imported_at {{time}} NOT NULL,
	source TEXT NOT NULL,
	shape TEXT NOT NULL,
	data_rows INTEGER NOT NULL,
	first_year INTEGER NOT NULL,
	last_year INTEGER NOT NULL,
	problems INTEGER NOT NULL DEFAULT 0
);
`,
}}

// Options configure the handlers.
type Options struct {
	Now func() time.Time
	Log *slog.Logger
}

// Handlers serve the insight pages.
type Handlers struct {
	db      *db.DB
	opt     Options
	figures keptFigures
	// nationalPage is /data's main content (national).
	nationalPage *pagecache.Memo[web.SharedMain]
}

// New makes the handlers.
func New(d *db.DB, opt Options) *Handlers {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Handlers{db: d, opt: opt}
}

// LoadDemo adds this capability's demonstration data. internal/demo calls it once, on an
// empty database, after the council register, the organisations and the demo people.
// It imports the real rough sleeping snapshot from the shared reference data; where that
// file is not to be found the demo goes on without figures.
func LoadDemo(ctx context.Context, d *db.DB, now time.Time) error {
	path, err := shareddata.Find(shareddata.RoughSleeping)
	if err != nil {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = ImportRoughSleeping(ctx, d, f, ImportOptions{Strict: true, Source: shareddata.RoughSleeping, Now: now})
	return err
}
