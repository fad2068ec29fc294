// Package demo fills an empty database with the demonstration data: the council register,
// partner organisations and one account for each role.
package demo

import (
	"context"
	"errors"

	"roundtable/internal/platform/db"
	"roundtable/internal/site"
)

// Options say where the reference data is.
type Options struct {
	AuthoritiesFile string
}

// Load fills an empty database; loaded is false when the database already had data.
func Load(ctx context.Context, d *db.DB, opt Options) (loaded bool, err error) {
	return false, errors.New("not built yet")
}

// Accounts lists the demo sign-ins for the start page.
func Accounts() []site.DemoAccount { return nil }
