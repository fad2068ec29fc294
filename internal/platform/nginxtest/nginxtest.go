// Package nginxtest runs Debian's nginx as the reverse proxy in front of several Roundtable
// servers, on a loopback port with a configuration of its own (the proxy settings
// deploy/nginx/roundtable.conf uses, without TLS), for the several-servers test and
// `make load SERVERS=3`.
package nginxtest

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Find returns the nginx binary, or an error saying how to install it.
func Find() (string, error) {
	for _, p := range []string{"/usr/sbin/nginx", "nginx"} {
		if path, err := exec.LookPath(p); err == nil {
			return path, nil
		}
	}
	return "", errors.New("nginx is not installed (apt-get install nginx)")
}

// Proxy is a running nginx.
type Proxy struct {
	Addr string // 127.0.0.1:port
	Dir  string // its folder: configuration, logs, temporary files
	cmd  *exec.Cmd
	out  *strings.Builder
}

// PID is nginx's process id (with master_process off, the one process that serves).
func (p *Proxy) PID() int { return p.cmd.Process.Pid }

// Start runs nginx in the foreground in front of the upstream addresses (host:port), and
// returns once it answers /healthz through them.
func Start(nginx string, upstreams []string) (*Proxy, error) {
	var up strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&up, "    server %s max_fails=1 fail_timeout=2s;\n", u)
	}
	return Run(nginx, "worker_processes 1;", func(_, addr string) string {
		return fmt.Sprintf(`  upstream roundtable {
%s    keepalive 32;
  }
  server {
    listen %s;
    client_max_body_size 6m;
    location / {
      proxy_pass http://roundtable;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_next_upstream error timeout http_503;
      proxy_next_upstream_tries 2;
    }
  }
`, up.String(), addr)
	}, nil, func(base string) error {
		res, err := http.Get(base + "/healthz")
		if err != nil {
			return err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("/healthz answered %d", res.StatusCode)
		}
		return nil
	})
}

// Run starts nginx in a folder of its own on a free loopback port: main holds top-level
// directives, http(dir, addr) the inside of the http block; prepare, when set, fills the folder
// first. It returns once ready(http://addr) gives no error, or stops nginx and says why.
func Run(nginx, main string, http func(dir, addr string) string, prepare func(dir string) error, ready func(base string) error) (*Proxy, error) {
	dir, err := os.MkdirTemp("", "roundtable-nginx-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Proxy, error) { os.RemoveAll(dir); return nil, err }
	if prepare != nil {
		if err := prepare(dir); err != nil {
			return fail(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	addr := l.Addr().String()
	l.Close()
	conf := fmt.Sprintf(`daemon off;
%[2]s
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
%[3]s}
`, dir, main, http(dir, addr))
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return fail(err)
	}
	p := &Proxy{Addr: addr, Dir: dir, out: &strings.Builder{}}
	p.cmd = exec.Command(nginx, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", path)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		return fail(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		err := ready("http://" + addr)
		if err == nil {
			return p, nil
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("nginx did not answer on %s: %v\n%s", addr, err, p.out.String())
		}
	}
}

// Stop ends nginx gracefully and removes its folder.
func (p *Proxy) Stop() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGQUIT)
		_ = p.cmd.Wait()
	}
	os.RemoveAll(p.Dir)
}
