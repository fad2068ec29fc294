package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// textFields are the fields a person types into; submitting a form with them empty should
// give the GOV.UK error summary, and change nothing.
const textFields = `input[type=text], input[type=email], input[type=password], input[type=tel], ` +
	`input[type=number], input[type=search], input[type=url], input:not([type]), textarea`

// formsJS marks the page's POST forms that have text fields (leaving out sign-out and file
// uploads) and returns their actions.
const formsJS = `[...document.querySelectorAll('main form')].filter(f =>
    (f.getAttribute('method') || '').toLowerCase() === 'post' &&
    f.enctype !== 'multipart/form-data' &&
    new URL(f.action).pathname !== '/sign-out' &&
    f.querySelector('TEXT')
  ).map((f, i) => { f.setAttribute('data-e2e-form', i); return f.action; })`

// emptyFormJS empties the text fields of form %d and returns what the form would send.
const emptyFormJS = `(() => {
  const f = document.querySelector('[data-e2e-form="%d"]');
  for (const el of f.querySelectorAll('TEXT')) el.value = '';
  return [...new FormData(f)].map(([k, v]) => [k, String(v)]);
})()`

type formErrors struct {
	Summary bool   `json:"summary"`
	Focused bool   `json:"focused"`
	Title   string `json:"title"`
}

const formErrorsJS = `(() => {
  const s = document.querySelector('.govuk-error-summary');
  return {summary: !!s, focused: !!s && !!document.activeElement && !!document.activeElement.closest('.govuk-error-summary'),
    title: document.title};
})()`

// checkForms submits each form on the page with its text fields empty, once per page
// pattern and action, and checks the page that comes back: the error summary, which the
// GOV.UK script focuses, and every check of a normal page. The server's answer is fetched
// too (the same empty form, by net/http) for the HTML validator.
func (c *crawler) checkForms(t *testing.T, pagePath string) {
	ctx, cancel := c.b.timeout()
	defer cancel()
	actions, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](strings.ReplaceAll(formsJS, "TEXT", textFields)))
	if err != nil {
		t.Fatalf("find forms: %v", err)
	}
	if len(actions) == 0 {
		return
	}
	pageURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	for i, action := range actions {
		key := c.patterns.of(pagePath) + " -> " + c.patterns.of(action)
		if c.forms[key] {
			continue
		}
		c.forms[key] = true
		au, err := url.Parse(action)
		if err != nil {
			t.Fatal(err)
		}
		t.Run("empty form to "+au.Path, func(t *testing.T) {
			if i > 0 { // the first form is on the page already; a later one needs it afresh
				if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
					t.Fatal(err)
				}
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](strings.ReplaceAll(formsJS, "TEXT", textFields))); err != nil {
					t.Fatal(err)
				}
			}
			pairs, err := chromedp.Run(ctx, chromedp.Evaluate[[][2]string](fmt.Sprintf(strings.ReplaceAll(emptyFormJS, "TEXT", textFields), i)))
			if err != nil {
				t.Fatalf("empty the form: %v", err)
			}
			form := url.Values{}
			for _, p := range pairs {
				form.Add(p[0], p[1])
			}
			cookie, err := c.b.cookieHeader(ctx, c.s.URL)
			if err != nil {
				t.Fatal(err)
			}
			status, final, _, body, err := fetch(ctx, cookie, http.MethodPost, action, form)
			if err != nil {
				t.Fatalf("POST %s: %v", au.Path, err)
			}
			if status >= 500 {
				t.Errorf("POST %s with the form empty answered %d", au.Path, status)
			}
			if final != action || status != http.StatusOK && status != http.StatusBadRequest && status != http.StatusUnprocessableEntity {
				t.Logf("POST %s with the form empty answered %d at %s: the form accepts no input at all", au.Path, status, final)
				return
			}
			c.pages.save(t, c.r.Name, "POST "+au.Path+" (empty form on "+pagePath+")", body)

			// The same in the browser, pressing the form's own button.
			c.b.takeConsole()
			submit := chromedp.CSS(fmt.Sprintf(`[data-e2e-form="%d"] button:not([type=button]), [data-e2e-form="%d"] input[type=submit]`, i, i))
			if _, err := chromedp.RunResponse(ctx, chromedp.Click(submit)); err != nil {
				t.Fatalf("submit the form: %v", err)
			}
			_, problems, err := inspect(ctx, c.b, action, c.axe)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Errorf("POST %s with the form empty: %s", au.Path, p)
			}
			fe, err := chromedp.Run(ctx, chromedp.Evaluate[formErrors](formErrorsJS))
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case !fe.Summary:
				t.Errorf("POST %s with the form empty shows no error summary", au.Path)
			case !fe.Focused:
				t.Errorf("POST %s with the form empty: the error summary did not take focus", au.Path)
			case !strings.HasPrefix(fe.Title, "Error: "):
				// So that a screen reader says so first (GOV.UK error summary guidance).
				t.Errorf("POST %s with the form empty: the title %q does not start with \"Error: \"", au.Path, fe.Title)
			}
		})
	}
}

// of returns the route pattern a path or URL belongs to, such as "GET /councils/{code}".
func (p *patterns) of(path string) string {
	_, pattern := p.mux.Handler(httptest.NewRequest(http.MethodGet, path, nil))
	if pattern == "" {
		u, _ := url.Parse(path)
		return u.Path
	}
	return pattern
}
