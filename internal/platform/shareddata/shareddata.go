// Package shareddata finds the project's reference data (../shared/data beside the repository)
// for tests, benchmarks and the demo. The data is read where it lies, never copied in.
package shareddata

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Env overrides where the reference data is.
const Env = "ROUNDTABLE_SHARED_DATA"

// Find returns the path of a reference data file, looking in $ROUNDTABLE_SHARED_DATA, then in
// shared/data in the working directory and each folder above it.
func Find(name string) (string, error) {
	if dir := os.Getenv(Env); dir != "" {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			return "", err
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "shared", "data", name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("reference data " + name + " not found in shared/data beside the repository; set " + Env)
		}
		dir = parent
	}
}

// Path is Find for tests: it fails the test when the file is missing.
func Path(t testing.TB, name string) string {
	t.Helper()
	p, err := Find(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Authorities is the UK local authority register in mySociety's format.
const Authorities = "uk_local_authorities.csv"

// RoughSleeping is the DLUHC rough sleeping snapshot in its long (csvcubed) shape.
const RoughSleeping = "rough_sleeping_snapshot_2017_2022_long.csv"
