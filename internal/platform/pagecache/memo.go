package pagecache

import (
	"context"
	"sync"
)

// Memo keeps values worked out from the data, such as the national figures, each under the
// versions of the data it was worked out from, the way the cache keeps pages. The page cache
// serves only visitors who are not signed in; a memo serves what a page shows to everyone, so
// a signed-in person (the funder on results day) costs a render, not the figures worked out
// again. It is never stale in the same way: every Get reads the versions (as a cached page
// does) and works the value out again when they changed or the period turned.
//
// A nil Memo (from a nil Cache, as when the app runs without the page cache) works the value
// out for every Get.
type Memo[T any] struct {
	c   *Cache
	pol *policy

	building sync.Mutex // one build at a time: others wait for it rather than repeat it
	mu       sync.RWMutex
	kept     map[string]memoEntry[T]
}

const maxMemoKeys = 64

type memoEntry[T any] struct {
	stamp stamp
	value T
}

// NewMemo makes a memo of values depending on what p names (Kinds or All, Every, Also; MaxAge
// means nothing here). name says what is kept, in a panic on a misspelt kind.
func NewMemo[T any](c *Cache, name string, p Page) *Memo[T] {
	if c == nil {
		return nil
	}
	return &Memo[T]{c: c, pol: c.policy(name, p), kept: map[string]memoEntry[T]{}}
}

// Get is the value kept under key, worked out again by build when the data changed since it
// was. Keys tell apart values of one kind (the public figures and the funder's). build gets
// the request's context; its error is returned and nothing kept. A value that says when it
// was worked out carries that itself.
func (m *Memo[T]) Get(ctx context.Context, key string, build func(context.Context) (T, error)) (T, error) {
	if m == nil {
		return build(ctx)
	}
	s, err := m.c.stamp(ctx, m.pol)
	if err != nil {
		// Without the versions nothing kept can be trusted: work it out.
		m.c.log.Warn("memo: read the data versions", "err", err)
		return build(ctx)
	}
	if v, ok := m.get(key, s); ok {
		return v, nil
	}
	m.building.Lock()
	defer m.building.Unlock()
	// Someone else may have built it while this request waited.
	if v, ok := m.get(key, s); ok {
		return v, nil
	}
	// Kept under the versions read before building, so a write during the build makes the
	// next request build again rather than keep what may have missed it.
	v, err := build(ctx)
	if err != nil {
		return v, err
	}
	m.mu.Lock()
	// Keys may come from a request (a region asked for): past a few dozen, one is dropped in
	// the map's own random order, so the memory is bounded whatever is asked.
	for k := range m.kept {
		if len(m.kept) < maxMemoKeys {
			break
		}
		delete(m.kept, k)
	}
	m.kept[key] = memoEntry[T]{stamp: s, value: v}
	m.mu.Unlock()
	return v, nil
}

func (m *Memo[T]) get(key string, s stamp) (T, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.kept[key]
	return e.value, ok && e.stamp == s
}
