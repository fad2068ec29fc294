package kept_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"roundtable/internal/platform/kept"
	"roundtable/internal/platform/testclock"
)

func TestKeptValue(t *testing.T) {
	clock := testclock.New(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	builds := 0
	fail := false
	v := &kept.Value[int]{MaxAge: 5 * time.Minute, Now: clock.Now, Build: func(context.Context) (int, error) {
		if fail {
			return 0, errors.New("database away")
		}
		builds++
		return builds, nil
	}}
	ctx := context.Background()
	get := func() (int, time.Time) {
		t.Helper()
		n, at, err := v.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n, at
	}
	if n, at := get(); n != 1 || !at.Equal(clock.Now()) {
		t.Fatalf("first: %d at %v", n, at)
	}
	clock.Advance(4 * time.Minute)
	if n, _ := get(); n != 1 {
		t.Errorf("rebuilt before 5 minutes: %d", n)
	}
	clock.Advance(2 * time.Minute)
	if n, _ := get(); n != 2 {
		t.Errorf("not rebuilt after 6 minutes: %d", n)
	}
	clock.Advance(10 * time.Minute)
	fail = true
	if _, _, err := v.Get(ctx); err == nil {
		t.Error("a failed build was hidden")
	}

	fresh := &kept.Value[int]{Now: clock.Now, Build: func(context.Context) (int, error) { builds++; return builds, nil }}
	a, _, _ := fresh.Get(ctx)
	b, _, _ := fresh.Get(ctx)
	if a == b {
		t.Errorf("with no MaxAge every Get builds: %d then %d", a, b)
	}
}
