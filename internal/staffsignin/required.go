package staffsignin

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"roundtable/internal/platform/audit"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/db"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// PasswordRefused reports whether the person must sign in with their organisation's account:
// they hold a role in an organisation that requires it. Members are never refused, since they
// never use an organisation account. accounts calls it after a right password.
func (s *Service) PasswordRefused(ctx context.Context, personID int64) (bool, error) {
	var n int
	err := s.db.Read.QueryRowContext(ctx, `SELECT COUNT(*) FROM memberships m JOIN staff_provider_required q ON q.organisation_id = m.organisation_id
		WHERE m.person_id = $1 AND NOT EXISTS (SELECT 1 FROM memberships x WHERE x.person_id = $1 AND x.role = $2)`,
		personID, string(auth.Member)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("is provider sign-in required: %w", err)
	}
	return n > 0, nil
}

// SignOutAt returns where to send a person signing out of the session whose token hash is
// given: the provider's end-session address when the session was started through a provider
// that offers RP-initiated logout, or "".
func (s *Service) SignOutAt(ctx context.Context, sessionHash string) string {
	var provider, idToken string
	err := s.db.Read.QueryRowContext(ctx, "SELECT provider, id_token FROM staff_sessions WHERE token_hash = $1", sessionHash).Scan(&provider, &idToken)
	if err != nil {
		if !errors.Is(err, sql.ErrNoRows) {
			s.opt.Log.Warn("find provider session", "err", err)
		}
		return ""
	}
	p, ok := s.provider(provider)
	if !ok {
		return ""
	}
	c, err := s.client(ctx, p)
	if err != nil || c.endSession == "" {
		return ""
	}
	u, err := url.Parse(c.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("id_token_hint", idToken)
	q.Set("client_id", p.ClientID)
	q.Set("post_logout_redirect_uri", s.opt.BaseURL+"/")
	u.RawQuery = q.Encode()
	return u.String()
}

// RequiredView is the administrators' page for requiring provider sign-in.
type RequiredView struct {
	web.Page
	Required      []RequiredOrganisation
	Organisations []web.Option
	Choices       []web.Option
}

// RequiredOrganisation is an organisation whose people must use their provider.
type RequiredOrganisation struct {
	ID   int64
	Name string
}

func (s *Service) requiredView(ctx context.Context) (*RequiredView, error) {
	v := &RequiredView{Page: web.Page{Title: "Organisations that must use their own sign-in", Back: "/account"},
		Choices: []web.Option{{Value: "yes", Text: "Yes, their passwords stop working"}, {Value: "no", Text: "No, they may use a password"}}}
	var err error
	v.Required, err = db.Collect(ctx, s.db.Read, func(sc db.Scanner) (RequiredOrganisation, error) {
		var o RequiredOrganisation
		return o, sc.Scan(&o.ID, &o.Name)
	}, "SELECT o.id, o.name FROM staff_provider_required q JOIN organisations o ON o.id = q.organisation_id ORDER BY o.name")
	if err != nil {
		return nil, err
	}
	orgs, err := db.Collect(ctx, s.db.Read, func(sc db.Scanner) (web.Option, error) {
		var o web.Option
		return o, sc.Scan(&o.Value, &o.Text)
	}, "SELECT CAST(id AS TEXT), name FROM organisations WHERE stakeholder_type <> 'lived_experience' ORDER BY name")
	if err != nil {
		return nil, err
	}
	v.Organisations = append([]web.Option{{Value: "", Text: "Choose an organisation"}}, orgs...)
	return v, nil
}

func (s *Service) requiredPage(w http.ResponseWriter, r *http.Request) error {
	v, err := s.requiredView(r.Context())
	if err != nil {
		return err
	}
	return s.render.Render(w, r, http.StatusOK, "staffsignin/required", v)
}

// setRequired requires provider sign-in for an organisation (its people's passwords stop
// working and their sessions end) or lifts the requirement.
func (s *Service) setRequired(w http.ResponseWriter, r *http.Request) error {
	f := web.NewForm(r)
	id := auth.From(r.Context())
	orgID, _ := strconv.ParseInt(f.Get("organisation"), 10, 64)
	required := f.Get("required")
	now := s.opt.Now()
	var name string
	err := s.db.Tx(r.Context(), func(tx *sql.Tx) error {
		var check errs.Validation
		var kind string
		if orgID > 0 {
			if err := tx.QueryRowContext(r.Context(), "SELECT name, stakeholder_type FROM organisations WHERE id = $1", orgID).Scan(&name, &kind); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		check.Check(name != "", "organisation", "Choose an organisation")
		check.Check(name == "" || kind != "lived_experience", "organisation", "Choose a council, funder or other staff organisation: members of lived experience groups never use an organisation account")
		check.Check(required == "yes" || required == "no", "required", "Choose whether its people must sign in with their organisation's account")
		if err := check.Err(); err != nil {
			return err
		}
		action := "staff_signin.required"
		if required == "yes" {
			if _, err := tx.ExecContext(r.Context(), `INSERT INTO staff_provider_required (organisation_id, set_by, set_at) VALUES ($1, $2, $3)
				ON CONFLICT (organisation_id) DO NOTHING`, orgID, id.PersonID, utc(now)); err != nil {
				return err
			}
			// Sessions started with a password end; those started through a provider stay.
			if _, err := tx.ExecContext(r.Context(), `DELETE FROM sessions WHERE token_hash NOT IN (SELECT token_hash FROM staff_sessions)
				AND person_id IN (SELECT person_id FROM memberships WHERE organisation_id = $1)
				AND person_id NOT IN (SELECT person_id FROM memberships WHERE role = $2)`, orgID, string(auth.Member)); err != nil {
				return err
			}
		} else {
			action = "staff_signin.not_required"
			if _, err := tx.ExecContext(r.Context(), "DELETE FROM staff_provider_required WHERE organisation_id = $1", orgID); err != nil {
				return err
			}
		}
		actor, actorName := audit.By(id)
		return audit.Record(r.Context(), tx, audit.Entry{ActorID: actor, ActorName: actorName, Action: action,
			Subject: fmt.Sprintf("organisation:%d", orgID), After: map[string]any{"required": required == "yes"}, At: now})
	})
	if err != nil {
		v, verr := s.requiredView(r.Context())
		if verr != nil {
			return verr
		}
		return s.render.Mistakes(w, r, "staffsignin/required", v, f, err)
	}
	if required == "yes" {
		web.SetFlash(w, "People at "+name+" must now sign in with their organisation's account. Their passwords no longer work.")
	} else {
		web.SetFlash(w, "People at "+name+" can sign in with a password again.")
	}
	return web.Redirect(w, r, "/admin/organisation-sign-in")
}
