package kept_test

import (
	"context"
	"errors"
	"sync/atomic"
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

// TestFirstBuildIsShared: a request that comes while the background's first build runs waits
// for it instead of building a second time.
func TestFirstBuildIsShared(t *testing.T) {
	clock := testclock.New(time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC))
	started, release := make(chan struct{}), make(chan struct{})
	var builds atomic.Int32
	v := &kept.Value[int]{MaxAge: time.Hour, Now: clock.Now, Build: func(context.Context) (int, error) {
		if builds.Add(1) == 1 {
			close(started)
			<-release
		}
		return 42, nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go v.KeepFresh(ctx, func(err error) { t.Error(err) })
	<-started
	got := make(chan int)
	go func() { n, _, _ := v.Get(ctx); got <- n }()
	time.Sleep(50 * time.Millisecond) // let Get reach the lock
	close(release)
	if n := <-got; n != 42 || builds.Load() != 1 {
		t.Errorf("got %d after %d builds, want 42 after 1", n, builds.Load())
	}
}
