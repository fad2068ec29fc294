package main

import (
	"os"
	"syscall"
	"testing"
	"time"
)

// cpuTime reads this very process's CPU time from /proc: it agrees with getrusage's, to a few
// clock ticks, before and after some work.
func TestCPUTime(t *testing.T) {
	rusage := func() time.Duration {
		var u syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
			t.Fatal(err)
		}
		return time.Duration(u.Utime.Nano() + u.Stime.Nano())
	}
	x := 0
	for _, work := range []int{0, 1_000_000_000} {
		for range work {
			x++
		}
		proc, err := cpuTime(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if diff := (proc - rusage()).Abs(); diff > 5*time.Second/clockTicks {
			t.Errorf("after %d steps: /proc says %v, getrusage %v", work, proc, rusage())
		}
	}
	if x == 0 {
		t.Fatal("no work done")
	}
	if _, err := cpuTime(-1); err == nil {
		t.Error("no error for a process that does not exist")
	}
}
