package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// keyboardJS installs helpers in the page: the elements Tab should reach, in document order,
// with a snapshot of how each looks unfocused; and a description of the focused element.
const keyboardJS = `(() => {
  const styleKeys = ['outlineStyle', 'outlineColor', 'outlineWidth', 'boxShadow', 'backgroundColor',
    'color', 'textDecorationLine', 'textDecorationThickness', 'borderColor', 'clip', 'clipPath', 'width', 'height'];
  const look = el => { const cs = getComputedStyle(el); return styleKeys.map(k => cs[k]).join('|'); };
  const describe = el => {
    if (!el || el === document.body) return 'body';
    let d = el.tagName.toLowerCase();
    if (el.id) d += '#' + el.id;
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ').slice(0, 40);
    if (text) d += ' "' + text + '"';
    else if (el.name) d += '[name=' + el.name + ']';
    return d;
  };
  const tabbable = () => {
    const radios = new Set();
    return [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')].filter(el => {
      if (el.disabled || el.type === 'hidden' || el.getAttribute('tabindex') === '-1') return false;
      if (el.closest('[hidden], [inert]')) return false;
      const cs = getComputedStyle(el);
      if (cs.display === 'none' || cs.visibility === 'hidden' || el.getClientRects().length === 0) return false;
      if (el.type === 'radio') { if (radios.has(el.name)) return false; radios.add(el.name); }
      return true;
    });
  };
  const expected = tabbable();
  const unfocused = new Map(expected.map(el => [el, look(el)]));
  window.__e2e = {
    expected: () => expected.map(describe),
    focused: () => {
      const el = document.activeElement;
      const r = el ? el.getBoundingClientRect() : {width: 0, height: 0};
      return {
        desc: describe(el),
        width: r.width, height: r.height,
        visible: !!el && getComputedStyle(el).visibility !== 'hidden',
        indicator: !!el && unfocused.has(el) && unfocused.get(el) !== look(el),
        inMain: !!el && !!el.closest('main'),
        skipLink: !!el && el.classList.contains('govuk-skip-link'),
        nav: !!el && !!el.closest('nav'),
        field: !!el && !!el.closest('main form') && /^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(el.tagName),
      };
    },
  };
  return expected.length;
})()`

type focusState struct {
	Desc      string  `json:"desc"`
	Width     float64 `json:"width"`
	Height    float64 `json:"height"`
	Visible   bool    `json:"visible"`
	Indicator bool    `json:"indicator"`
	InMain    bool    `json:"inMain"`
	SkipLink  bool    `json:"skipLink"`
	Nav       bool    `json:"nav"`
	Field     bool    `json:"field"`
}

// testKeyboard walks the start page and the sign-in page with Tab alone.
func testKeyboard(t *testing.T, s *testSite) {
	b := newBrowser(t)
	for _, p := range []struct {
		path       string
		wantFields bool
	}{{"/", false}, {"/sign-in", true}} {
		t.Run(p.path, func(t *testing.T) {
			ctx, cancel := b.timeout()
			defer cancel()
			order, problems, err := tabThrough(ctx, s.URL+p.path, p.wantFields)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Error(p)
			}
			t.Logf("focus order: %s", strings.Join(order, ", "))
		})
	}
	t.Run("skip link", func(t *testing.T) { skipLink(t, b, s.URL+"/") })
}

// tabThrough presses Tab once for each element that should take focus, and checks that focus
// lands on each in document order (skip link, navigation, content, form fields, footer) and
// can be seen: it has a size and looks different from when it was not focused. It returns
// the expected order and what went wrong.
func tabThrough(ctx context.Context, pageURL string, wantFields bool) (expected, problems []string, err error) {
	expected, err = loadForKeyboard(ctx, pageURL)
	if err != nil {
		return nil, nil, err
	}
	var sawNav, sawField bool
	for i, want := range expected {
		st, err := pressTab(ctx)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 && !st.SkipLink {
			problems = append(problems, fmt.Sprintf("the first Tab focused %s, want the skip link", st.Desc))
		}
		if st.Desc != want {
			// Once the order is off, every later step would be off too.
			problems = append(problems, fmt.Sprintf("Tab %d focused %s, want %s (focus order: %s)", i+1, st.Desc, want, strings.Join(expected, ", ")))
			return expected, problems, nil
		}
		if st.Width == 0 || st.Height == 0 || !st.Visible {
			problems = append(problems, fmt.Sprintf("Tab %d focused %s, which cannot be seen (%gx%g)", i+1, st.Desc, st.Width, st.Height))
		}
		if !st.Indicator {
			problems = append(problems, fmt.Sprintf("Tab %d focused %s, which looks the same as when it was not focused", i+1, st.Desc))
		}
		sawNav = sawNav || st.Nav
		sawField = sawField || st.Field
	}
	if !sawNav {
		problems = append(problems, "Tab never reached the navigation")
	}
	if wantFields && !sawField {
		problems = append(problems, "Tab never reached a form field")
	}
	return expected, problems, nil
}

// skipLink checks that the skip link moves keyboard focus past the header: after Enter on
// it, the next Tab lands inside main.
func skipLink(t *testing.T, b *browser, pageURL string) {
	ctx, cancel := b.timeout()
	defer cancel()
	if _, err := loadForKeyboard(ctx, pageURL); err != nil {
		t.Fatal(err)
	}
	st, err := pressTab(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !st.SkipLink {
		t.Fatalf("the first Tab focused %s, want the skip link", st.Desc)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	if st, err = pressTab(ctx); err != nil {
		t.Fatal(err)
	}
	if !st.InMain {
		t.Errorf("after the skip link, Tab focused %s, which is not in the main content", st.Desc)
	}
}

func loadForKeyboard(ctx context.Context, pageURL string) ([]string, error) {
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		return nil, fmt.Errorf("open %s: %w", pageURL, err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](keyboardJS))
	if err != nil {
		return nil, fmt.Errorf("keyboard helpers: %w", err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%s has nothing to focus", pageURL)
	}
	return chromedp.Run(ctx, chromedp.Evaluate[[]string](`__e2e.expected()`))
}

func pressTab(ctx context.Context) (focusState, error) {
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Tab)); err != nil {
		return focusState{}, fmt.Errorf("press Tab: %w", err)
	}
	return chromedp.Run(ctx, chromedp.Evaluate[focusState](`__e2e.focused()`))
}
