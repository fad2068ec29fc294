package staffsignin

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"

	"roundtable/internal/platform/auth"
)

// Provider is one organisation's OpenID Connect provider (Microsoft Entra ID, GOV.UK One
// Login, a department's own).
type Provider struct {
	// ID names the provider in addresses (/sign-in/organisation/ID); lower-case letters,
	// digits and hyphens.
	ID string `json:"id"`
	// Name is shown on the button: "Sign in with your Camden Council account".
	Name string `json:"name"`
	// Issuer is the provider's issuer URL; its discovery document is read from it.
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
	// ClientSecret is read only from ROUNDTABLE_OIDC_<ID>_CLIENT_SECRET, never from a file.
	ClientSecret string `json:"-"`
	// Domains are the email domains the provider vouches for; a new person is created only
	// for a verified email address in one of them.
	Domains []string `json:"domains"`
	// Organisation (the organisation's slug) and Role are what a new person from this provider
	// gets; empty for none, in which case they are told to ask Ask for a role.
	Organisation string    `json:"organisation"`
	Role         auth.Role `json:"role"`
	// Ask says who grants roles: "your council's Roundtable lead, or support@example.org".
	Ask string `json:"ask"`
}

var providerID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

func secretEnv(id string) string {
	return "ROUNDTABLE_OIDC_" + strings.ToUpper(strings.ReplaceAll(id, "-", "_")) + "_CLIENT_SECRET"
}

// LoadProviders reads the providers: from the JSON file named by ROUNDTABLE_OIDC_PROVIDERS_FILE
// (a list of providers), or else from ROUNDTABLE_OIDC_PROVIDERS (comma-separated ids) with
// ROUNDTABLE_OIDC_<ID>_ISSUER, _CLIENT_ID, _DOMAINS (comma-separated), _ORGANISATION, _ROLE and
// _ASK. Each client secret comes from ROUNDTABLE_OIDC_<ID>_CLIENT_SECRET. No configuration is
// no providers.
func LoadProviders(getenv func(string) string) ([]Provider, error) {
	var ps []Provider
	if file := getenv("ROUNDTABLE_OIDC_PROVIDERS_FILE"); file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("sign-in providers: %w", err)
		}
		if err := json.Unmarshal(b, &ps); err != nil {
			return nil, fmt.Errorf("sign-in providers in %s: %w", file, err)
		}
	} else if ids := getenv("ROUNDTABLE_OIDC_PROVIDERS"); ids != "" {
		for _, id := range strings.Split(ids, ",") {
			id = strings.TrimSpace(id)
			env := func(k string) string {
				return strings.TrimSpace(getenv("ROUNDTABLE_OIDC_" + strings.ToUpper(strings.ReplaceAll(id, "-", "_")) + "_" + k))
			}
			p := Provider{ID: id, Name: env("NAME"), Issuer: env("ISSUER"), ClientID: env("CLIENT_ID"),
				Organisation: env("ORGANISATION"), Role: auth.Role(env("ROLE")), Ask: env("ASK")}
			for _, d := range strings.Split(env("DOMAINS"), ",") {
				if d = strings.TrimSpace(d); d != "" {
					p.Domains = append(p.Domains, d)
				}
			}
			ps = append(ps, p)
		}
	}
	for i := range ps {
		ps[i].ClientSecret = getenv(secretEnv(ps[i].ID))
	}
	return ps, CheckProviders(ps)
}

// CheckProviders reports the first thing wrong with a configuration.
func CheckProviders(ps []Provider) error {
	seen := map[string]bool{}
	for _, p := range ps {
		switch {
		case !providerID.MatchString(p.ID):
			return fmt.Errorf("sign-in provider %q: the id must be lower-case letters, digits and hyphens", p.ID)
		case seen[p.ID]:
			return fmt.Errorf("sign-in provider %q is listed twice", p.ID)
		case p.Issuer == "" || p.ClientID == "":
			return fmt.Errorf("sign-in provider %q needs an issuer and a client id", p.ID)
		case p.ClientSecret == "":
			return fmt.Errorf("sign-in provider %q: set its client secret in %s", p.ID, secretEnv(p.ID))
		case p.Role == auth.Member:
			return fmt.Errorf("sign-in provider %q: members never sign in with an organisation account", p.ID)
		case p.Role == auth.Admin:
			return fmt.Errorf("sign-in provider %q: administrators are made by an administrator, not by a provider", p.ID)
		case p.Role != "" && !p.Role.Valid():
			return fmt.Errorf("sign-in provider %q: no such role %q", p.ID, p.Role)
		case p.Role != "" && p.Organisation == "":
			return fmt.Errorf("sign-in provider %q: a role needs an organisation", p.ID)
		}
		seen[p.ID] = true
	}
	return nil
}

// vouchesFor reports whether the provider vouches for the email address's domain.
func (p Provider) vouchesFor(email string) bool {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return false
	}
	domain := strings.ToLower(email[at+1:])
	return slices.ContainsFunc(p.Domains, func(d string) bool { return strings.EqualFold(d, domain) })
}
