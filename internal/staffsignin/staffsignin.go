// Package staffsignin lets council and funder staff sign in with their organisation's account
// through OpenID Connect (authorisation code flow with PKCE, state and nonce; the ID token's
// signature, issuer, audience and expiry checked by go-oidc). A person is matched by the
// provider's subject, never by email alone; an existing account is linked once, by signing in
// with its password first. Members never use an organisation account.
package staffsignin

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates are the staff sign-in pages.
var Templates = web.TemplateSet{Name: "staffsignin", FS: web.Sub(templates, "templates")}

// Options configure the service.
type Options struct {
	Providers []Provider
	// BaseURL is the site's public address; the providers send people back to
	// BaseURL/sign-in/organisation/ID/callback.
	BaseURL       string
	SecureCookies bool
	Now           func() time.Time
	Log           *slog.Logger
	// RecheckEvery is how often a signed-in person's provider account is checked again with
	// the refresh token; a day unless set.
	RecheckEvery time.Duration
}

// Service holds the providers and the pages.
type Service struct {
	db     *db.DB
	opt    Options
	render *web.Renderer

	mu      sync.Mutex
	clients map[string]*client
}

// client is a provider discovered: its endpoints and its ID token verifier.
type client struct {
	p        Provider
	provider *oidc.Provider
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
	// endSession is the provider's RP-initiated logout endpoint, if it offers one.
	endSession string
}

// New makes the service. Providers are discovered when first used, so a provider that is down
// does not stop the server starting.
func New(d *db.DB, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	if opt.RecheckEvery <= 0 {
		opt.RecheckEvery = 24 * time.Hour
	}
	return &Service{db: d, opt: opt, clients: map[string]*client{}}
}

func (s *Service) provider(id string) (Provider, bool) {
	for _, p := range s.opt.Providers {
		if p.ID == id {
			return p, true
		}
	}
	return Provider{}, false
}

// client discovers the provider, once.
func (s *Service) client(ctx context.Context, p Provider) (*client, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[p.ID]; ok {
		return c, nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	op, err := oidc.NewProvider(ctx, p.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover sign-in provider %s: %w", p.ID, err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	_ = op.Claims(&extra)
	c := &client{p: p, provider: op, endSession: extra.EndSession,
		verifier: op.VerifierContext(context.WithoutCancel(ctx), &oidc.Config{ClientID: p.ClientID, Now: s.opt.Now}),
		oauth: oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: op.Endpoint(),
			RedirectURL: s.opt.BaseURL + "/sign-in/organisation/" + p.ID + "/callback",
			Scopes:      []string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess, "profile", "email"}}}
	s.clients[p.ID] = c
	return c, nil
}

// Register adds the routes.
func (s *Service) Register(rt *web.Router) {
	s.render = rt.Renderer()
	rt.Handle("GET /sign-in/organisation", web.Public, s.choose)
	rt.Handle("GET /sign-in/organisation/{provider}", web.Public, s.start)
	rt.Handle("GET /sign-in/organisation/{provider}/callback", web.Public, s.callback)
	rt.Handle("GET /account/organisation-account", web.SignedIn, s.accountPage)
	rt.Handle("POST /account/organisation-account/{provider}", web.SignedIn, s.startLink)
	rt.Handle("POST /account/organisation-account/{provider}/unlink", web.SignedIn, s.unlink)
	rt.Handle("GET /admin/organisation-sign-in", web.Roles(auth.Admin), s.requiredPage)
	rt.Handle("POST /admin/organisation-sign-in", web.Roles(auth.Admin), s.setRequired)
}
