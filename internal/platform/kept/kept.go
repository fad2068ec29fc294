// Package kept keeps a value that is slow to work out, such as national figures read from
// every claim and contribution, for a while: a page shows the kept value and says when it was
// worked out, instead of making every visitor wait for it.
package kept

import (
	"context"
	"sync"
	"time"
)

// Value is a value kept for MaxAge after it is built. With MaxAge zero (as in tests) it is
// built afresh every time it is asked for.
type Value[T any] struct {
	MaxAge time.Duration
	Now    func() time.Time
	Build  func(context.Context) (T, error)

	mu      sync.Mutex // held while building, so two requests never build at once
	value   T
	builtAt time.Time
	has     bool
}

// Get returns the kept value and when it was built, building it when there is none young
// enough.
func (v *Value[T]) Get(ctx context.Context) (T, time.Time, error) {
	if v.MaxAge <= 0 {
		at := v.Now()
		t, err := v.Build(ctx)
		return t, at, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.has && v.Now().Sub(v.builtAt) < v.MaxAge {
		return v.value, v.builtAt, nil
	}
	at := v.Now()
	t, err := v.Build(ctx)
	if err != nil {
		return t, at, err
	}
	v.value, v.builtAt, v.has = t, at, true
	return t, at, nil
}

// KeepFresh rebuilds the value every half MaxAge until ctx ends, so no visitor waits for a
// build. It does nothing when values are not kept. The first build holds the lock, so requests
// that come meanwhile wait for it rather than build it a second time; later builds do not, so
// requests are served the older value until the new one is ready.
func (v *Value[T]) KeepFresh(ctx context.Context, onError func(error)) {
	if v.MaxAge <= 0 {
		return
	}
	tick := time.NewTicker(v.MaxAge / 2)
	defer tick.Stop()
	for {
		v.mu.Lock()
		first := !v.has
		if !first {
			v.mu.Unlock()
		}
		at := v.Now()
		t, err := v.Build(ctx)
		if !first {
			v.mu.Lock()
		}
		if err == nil {
			v.value, v.builtAt, v.has = t, at, true
		}
		v.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			onError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// BuiltAt is when the kept value was built, without building it: zero before the first build,
// and always when values are not kept (MaxAge zero).
func (v *Value[T]) BuiltAt() time.Time {
	if v.MaxAge <= 0 {
		return time.Time{}
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.builtAt
}
