package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"roundtable/internal/platform/nginxtest"
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

// nginx serves the very bytes it was given for each page, as one process whose CPU can be read.
func TestStaticServesTheSameBytes(t *testing.T) {
	nginx, err := nginxtest.Find()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	var pages [][]byte
	for _, text := range []string{"<p>first page</p>", "<p>second page, longer: " + strings.Repeat("more ", 200) + "</p>"} {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(text))
		_ = zw.Close()
		pages = append(pages, b.Bytes())
	}
	s, err := startStatic(nginx, pages)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range pages {
		got, err := fetchRaw(fmt.Sprintf("%s/p%d.html", s.Base, i), "")
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("page %d: %d bytes, want %d (%v)", i, len(got), len(want), err)
		}
	}
	if _, err := cpuTime(s.PID()); err != nil {
		t.Errorf("nginx's CPU time: %v", err)
	}
	s.Stop()
	if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
		t.Errorf("nginx's folder is left behind: %v", err)
	}
}
