package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// pageTimeout bounds one page's navigation and checks; a hung page fails rather than
// holding the whole run.
const pageTimeout = 30 * time.Second

// browser is one headless Chromium with a profile of its own (so its own cookies), and one
// tab. Each role gets a browser, reused for every page the role visits.
type browser struct {
	ctx context.Context
	// console holds the page's console errors, exceptions and browser-log errors (CSP
	// violations, failed loads) since the last takeConsole.
	mu      sync.Mutex
	console []consoleMessage
}

type consoleMessage struct {
	text string
	// network and url are set for a failed load in the browser log.
	network bool
	url     string
}

// documentStatus reports whether the message is only the browser noting that the page
// itself answered with an error status, as a 403 or 404 page does.
func (m consoleMessage) documentStatus(pageURL string) bool {
	return m.network && m.url == pageURL && strings.Contains(m.text, "the server responded with a status of")
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		need(t, chromiumPath, "apt-get install chromium; a test never downloads a browser")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 1000),
		// The flags a root user in a container needs, and nothing that talks to the network.
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{ctx: ctx}
	// The first Do starts the browser; it must have no timeout, which would end the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, b.listen); err != nil {
		t.Fatalf("listen: %v", err)
	}
	// Headless tabs are not focused; focus emulation makes Tab and :focus behave as in a
	// window that has focus.
	if _, err := chromedp.Call(ctx, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatalf("focus emulation: %v", err)
	}
	return b
}

// listen runs in the tab's event loop: it must return fast and send no command.
func (b *browser) listen(ev any) {
	var msg consoleMessage
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeAssert {
			return
		}
		var parts []string
		for _, a := range ev.Args {
			if len(a.Value) > 0 {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		msg.text = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg.text = "uncaught exception: " + d.Text
		if d.Exception != nil {
			msg.text += " " + d.Exception.Description
		}
		if d.URL != "" {
			msg.text += fmt.Sprintf(" (%s:%d)", d.URL, d.LineNumber+1)
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level != log.EntryLevelError {
			return
		}
		msg.text = fmt.Sprintf("browser %s error: %s", ev.Entry.Source, ev.Entry.Text)
		if ev.Entry.URL != "" {
			msg.text += " (" + ev.Entry.URL + ")"
		}
		msg.network = ev.Entry.Source == log.EntrySourceNetwork
		msg.url = ev.Entry.URL
	default:
		return
	}
	b.mu.Lock()
	b.console = append(b.console, msg)
	b.mu.Unlock()
}

func (b *browser) takeConsole() []consoleMessage {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.console
	b.console = nil
	return c
}

// timeout gives one page's work a deadline without ending the browser.
func (b *browser) timeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, pageTimeout)
}

// cookieHeader returns the browser's cookies for the site as a Cookie header, so that a
// plain HTTP fetch sees the page as the signed-in browser does.
func (b *browser) cookieHeader(ctx context.Context, base string) (string, error) {
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{base + "/"}})
	if err != nil {
		return "", err
	}
	var parts []string
	for _, c := range res.Cookies {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; "), nil
}

// location returns the path and query of the tab's page.
func location(ctx context.Context) (string, error) {
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "", err
	}
	u, err := url.Parse(loc)
	if err != nil {
		return "", err
	}
	return u.RequestURI(), nil
}

// signInForm finds the sign-in form's fields without knowing their names: the form in main
// that has a password field, its first text or email field, and its submit button. It
// works with JavaScript off too: the DevTools protocol evaluates even when the page's own
// scripts are disabled.
const signInFormJS = `(() => {
  const form = [...document.querySelectorAll('main form')].find(f => f.querySelector('input[type=password]'));
  if (!form) return null;
  const mark = (el, name) => { if (el) el.setAttribute('data-e2e', name); return !!el; };
  return {
    login: mark(form.querySelector('input[type=email], input[type=text], input:not([type])'), 'login'),
    password: mark(form.querySelector('input[type=password]'), 'password'),
    submit: mark(form.querySelector('button:not([type=button]), input[type=submit]'), 'submit'),
  };
})()`

type signInFields struct{ Login, Password, Submit bool }

// signIn signs in through the real form, as a person would: type the login and password,
// press the button, and land on a signed-in page.
func (b *browser) signIn(ctx context.Context, base, login, password string) error {
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/sign-in")); err != nil {
		return err
	}
	f, err := chromedp.Run(ctx, chromedp.Evaluate[*signInFields](signInFormJS))
	if err != nil {
		return fmt.Errorf("find the sign-in form: %w", err)
	}
	if f == nil || !f.Login || !f.Password || !f.Submit {
		return fmt.Errorf("the sign-in page has no form in main with a login field, a password field and a button (found %+v)", f)
	}
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-e2e=login]`), login),
		chromedp.SendKeys(chromedp.CSS(`[data-e2e=password]`), password),
	); err != nil {
		return fmt.Errorf("type into the sign-in form: %w", err)
	}
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`[data-e2e=submit]`))); err != nil {
		return fmt.Errorf("submit the sign-in form: %w", err)
	}
	return signedIn(ctx)
}

// signedIn checks that the tab shows a signed-in page: one with a sign-out button, away from
// the sign-in page.
func signedIn(ctx context.Context) error {
	loc, err := location(ctx)
	if err != nil {
		return err
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action="/sign-out"]').length`))
	if err != nil {
		return err
	}
	if strings.HasPrefix(loc, "/sign-in") || n == 0 {
		summary, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('.govuk-error-summary') || document.querySelector('h1') || document.body).innerText`))
		return fmt.Errorf("not signed in: the browser is at %s, with %d sign-out buttons; the page says %q", loc, n, summary)
	}
	return nil
}
