// Package testclock is a clock for tests: it says the time it is set to, safely from the
// server's goroutines, until a test sets or moves it on.
//
//	clk := testclock.New(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
//	a, _ := app.New(d, app.Config{Now: clk.Now})
//	clk.Advance(8 * 24 * time.Hour)
package testclock

import (
	"sync"
	"time"
)

// Clock is a settable time.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New is a clock at t.
func New(t time.Time) *Clock { return &Clock{now: t} }

// Now is the time the clock shows.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set puts the clock at t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }
