package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"roundtable/internal/insight"
	"roundtable/internal/platform/auth"
	"roundtable/internal/platform/errs"
	"roundtable/internal/platform/web"
)

// IndexView is the page that says what the API offers.
type IndexView struct {
	web.Page
	Licence, LicenceURL string
	Endpoints           []EndpointDoc
	Admin               bool
}

// EndpointDoc is one line of the page's list of endpoints, taken from the OpenAPI document.
type EndpointDoc struct {
	Method, Path, Summary string
}

func (h *Handlers) index(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	v := &IndexView{Page: web.Page{Title: "Roundtable's data API"}, Licence: insight.LicenceName, LicenceURL: insight.LicenceURL,
		Endpoints: documentedEndpoints(), Admin: auth.From(r.Context()).Has(auth.Admin)}
	return rd.Render(w, r, http.StatusOK, "api/index", v)
}

// TokensView lists the tokens.
type TokensView struct {
	web.Page
	Tokens []TokenRow
}

// TokenRow is one token in the list.
type TokenRow struct {
	Token
	Status    string
	Active    bool
	ScopeName string
}

func scopeName(code string) string {
	for _, s := range Scopes {
		if s.Code == code {
			return s.Name
		}
	}
	return code
}

func (h *Handlers) tokens(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	ts, err := ListTokens(r.Context(), h.db)
	if err != nil {
		return err
	}
	now := h.opt.Now()
	v := &TokensView{Page: web.Page{Title: "API tokens", Back: "/api", Wide: true}}
	for _, t := range ts {
		v.Tokens = append(v.Tokens, TokenRow{Token: t, Status: t.Status(now), Active: t.Usable(now), ScopeName: scopeName(t.Scope)})
	}
	return rd.Render(w, r, http.StatusOK, "api/tokens", v)
}

// TokenFormView is the form for a new token.
type TokenFormView struct {
	web.Page
	Scopes    []web.Option
	Lifetimes []web.Option
}

func (h *Handlers) tokenForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer, f web.Form, err error) error {
	v := &TokenFormView{Page: web.Page{Title: "Create an API token", Back: "/api/tokens", Form: f}}
	for _, s := range Scopes {
		v.Scopes = append(v.Scopes, web.Option{Value: s.Code, Text: s.Name, Hint: s.Description})
	}
	for _, d := range Lifetimes {
		v.Lifetimes = append(v.Lifetimes, web.Option{Value: strconv.Itoa(d), Text: fmt.Sprintf("%d days", d)})
	}
	return rd.Form(w, r, "api/token-new", v, f, err)
}

func (h *Handlers) newTokenForm(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	return h.tokenForm(w, r, rd, web.Form{}, nil)
}

// newTokenCookie carries a new token's secret from the POST to the one page that shows it,
// for a few minutes, on that page's path only.
const newTokenCookie = "roundtable_new_api_token"

func (h *Handlers) createToken(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	f := web.NewForm(r)
	t, secret, err := CreateToken(r.Context(), h.db, auth.From(r.Context()),
		NewToken{Name: f.Get("name"), Scope: f.Get("scope"), Lifetime: f.Get("lifetime")}, h.opt.Now())
	if err != nil {
		return h.tokenForm(w, r, rd, f, err)
	}
	page := fmt.Sprintf("/api/tokens/%d/created", t.ID)
	http.SetCookie(w, &http.Cookie{Name: newTokenCookie, Value: secret, Path: page, MaxAge: 300,
		HttpOnly: true, Secure: h.opt.SecureCookies, SameSite: http.SameSiteStrictMode})
	return web.Redirect(w, r, page)
}

// TokenCreatedView shows a new token's secret, once.
type TokenCreatedView struct {
	web.Page
	Token  Token
	Secret string // empty once shown
}

func (h *Handlers) tokenCreated(w http.ResponseWriter, r *http.Request, rd *web.Renderer) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFoundPage()
	}
	t, err := GetToken(r.Context(), h.db, id)
	if err != nil {
		return err
	}
	v := &TokenCreatedView{Page: web.Page{Title: "API token created", Back: "/api/tokens"}, Token: t}
	if c, err := r.Cookie(newTokenCookie); err == nil && h.opt.Now().Sub(t.CreatedAt) < 10*time.Minute {
		v.Secret = c.Value
	}
	// Showing it clears it: a reload, or anyone at this browser later, sees no secret.
	http.SetCookie(w, &http.Cookie{Name: newTokenCookie, Value: "", Path: r.URL.Path, MaxAge: -1,
		HttpOnly: true, Secure: h.opt.SecureCookies, SameSite: http.SameSiteStrictMode})
	return rd.Render(w, r, http.StatusOK, "api/token-created", v)
}

func (h *Handlers) revokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return notFoundPage()
	}
	if err := RevokeToken(r.Context(), h.db, auth.From(r.Context()), id, h.opt.Now()); err != nil {
		return err
	}
	web.SetFlash(w, "The token is revoked. It no longer works.")
	return web.Redirect(w, r, "/api/tokens")
}

func notFoundPage() error { return errs.New(errs.NotFound, "") }

func (h *Handlers) openAPI(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	writeJSON(w, http.StatusOK, Document())
	return nil
}
