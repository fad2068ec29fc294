// Package notifytest runs a real SMTP server (github.com/emersion/go-smtp) on a local port for
// tests, keeping every email it receives.
package notifytest

import (
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-sasl"
	gosmtp "github.com/emersion/go-smtp"
)

// Received is one email as the server got it.
type Received struct {
	From, To, User string
	Data           []byte
}

// Inbox is the server's store.
type Inbox struct {
	Addr string // host:port to send to
	// User, when set, must sign in with AUTH PLAIN as User with the password "secret".
	user string
	mu   sync.Mutex
	got  []Received
}

// Start serves SMTP on 127.0.0.1 until the test ends.
func Start(t testing.TB, user string) *Inbox {
	t.Helper()
	in := &Inbox{user: user}
	srv := gosmtp.NewServer(backend{in})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in.Addr = l.Addr().String()
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return in
}

// Emails returns what has arrived so far.
func (in *Inbox) Emails() []Received {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Received(nil), in.got...)
}

type backend struct{ in *Inbox }

func (b backend) NewSession(*gosmtp.Conn) (gosmtp.Session, error) { return &session{in: b.in}, nil }

type session struct {
	in   *Inbox
	cur  Received
	auth bool
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }
func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != s.in.user || pass != "secret" {
			return errors.New("wrong password")
		}
		s.auth, s.cur.User = true, user
		return nil
	}), nil
}
func (s *session) Mail(from string, _ *gosmtp.MailOptions) error {
	if s.in.user != "" && !s.auth {
		return gosmtp.ErrAuthRequired
	}
	s.cur.From = from
	return nil
}
func (s *session) Rcpt(to string, _ *gosmtp.RcptOptions) error { s.cur.To = to; return nil }
func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = b
	s.in.mu.Lock()
	s.in.got = append(s.in.got, s.cur)
	s.in.mu.Unlock()
	return nil
}
func (s *session) Reset()        {}
func (s *session) Logout() error { return nil }
