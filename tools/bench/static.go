package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"roundtable/internal/platform/nginxtest"
)

// The yardstick: Debian's nginx serving, as static files, the very bytes Roundtable sent for
// each page (gzip-compressed, through gzip_static), so that each page's throughput can be
// read as a share of what the machine can do for a response of that size.

// staticNginx is nginx running in the foreground as one process (master_process off), so that
// its CPU time is that one process's.
type staticNginx struct {
	*nginxtest.Proxy
	Base string // http://127.0.0.1:port
}

// fetchRaw gets a page as Roundtable sends it to a browser that accepts gzip, without
// decompressing: the bytes nginx will serve.
func fetchRaw(url, cookie string) (gz []byte, err error) {
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: status %d", url, res.StatusCode)
	}
	if res.Header.Get("Content-Encoding") != "gzip" {
		return nil, fmt.Errorf("%s: not gzip-compressed", url)
	}
	return body, nil
}

// startStatic writes each page's bytes as pN.html.gz (with pN.html, its decompressed form,
// which gzip_static needs beside it) and starts nginx serving them on a free loopback port.
func startStatic(nginx string, pages [][]byte) (*staticNginx, error) {
	write := func(dir string) error {
		root := filepath.Join(dir, "root")
		if err := os.Mkdir(root, 0o755); err != nil {
			return err
		}
		for i, gz := range pages {
			zr, err := gzip.NewReader(bytes.NewReader(gz))
			if err != nil {
				return err
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				return err
			}
			name := filepath.Join(root, "p"+strconv.Itoa(i)+".html")
			if err := os.WriteFile(name, plain, 0o644); err != nil {
				return err
			}
			if err := os.WriteFile(name+".gz", gz, 0o644); err != nil {
				return err
			}
		}
		return nil
	}
	serve := func(dir, addr string) string {
		return fmt.Sprintf(`  types { text/html html; }
  sendfile on;
  keepalive_requests 1000000;
  server {
    listen %s;
    root %s/root;
    gzip_static on;
  }
`, addr, dir)
	}
	same := func(base string) error {
		got, err := fetchRaw(base+"/p0.html", "")
		if err == nil && !bytes.Equal(got, pages[0]) {
			err = errors.New("nginx does not serve Roundtable's bytes")
		}
		return err
	}
	p, err := nginxtest.Run(nginx, "master_process off;", serve, write, same)
	if err != nil {
		return nil, err
	}
	return &staticNginx{Proxy: p, Base: "http://" + p.Addr}, nil
}

// clockTicks is Linux's USER_HZ, the unit of /proc/PID/stat's times; 100 on every Linux
// Roundtable runs on (getconf CLK_TCK).
const clockTicks = 100

// cpuTime is the user and system CPU time a process has used so far, from /proc/PID/stat.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in brackets, may hold spaces: fields are counted after its ")".
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("cannot read /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	// After the name: state is field 3 of the file, utime 14 and stime 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("cannot read /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}
