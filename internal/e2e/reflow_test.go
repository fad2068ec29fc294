package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// reflowJS tells whether a narrow window has to scroll sideways and, if so, what sticks out:
// the innermost elements that reach past the right edge, or whose text does. Data tables and code may scroll
// both ways under WCAG 1.4.10, so overflow in or around them is left out.
const reflowJS = `(() => {
  const w = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth <= w + 1) return [];
  // A box past the edge, or text spilling out of its box past the edge.
  const wide = el => { const r = el.getBoundingClientRect(); return r.right > w + 1 ||
    (getComputedStyle(el).overflowX === 'visible' && r.left + el.scrollWidth > w + 1); };
  const all = [...document.body.querySelectorAll('*')].filter(el =>
    !el.closest('table, pre, .govuk-visually-hidden, .govuk-skip-link') && !el.querySelector('table, pre') && wide(el));
  const innermost = all.filter(el => !all.some(o => o !== el && el.contains(o)));
  return innermost.map(el => {
    let d = el.tagName.toLowerCase();
    if (el.id) d += '#' + el.id;
    if (typeof el.className === 'string' && el.className.trim()) d += '.' + el.className.trim().split(/\s+/).join('.');
    return d + ' "' + (el.innerText || '').trim().slice(0, 40) + '"';
  });
})()`

// testReflow opens the pages a signed-out visitor saw in a window 320 CSS pixels wide (a
// phone, or a desktop zoomed to 400%) and checks nothing needs scrolling sideways (WCAG
// 1.4.10 Reflow, which axe-core cannot check).
func testReflow(t *testing.T, s *testSite, paths []string) {
	if len(paths) == 0 {
		t.Fatal("the signed-out crawl visited no pages (this check runs after TestSite/crawl)")
	}
	b := newBrowser(t)
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			ctx, cancel := b.timeout()
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 640), chromedp.Navigate(s.URL+p)); err != nil {
				t.Fatalf("open %s: %v", p, err)
			}
			wide, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](reflowJS))
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range wide {
				t.Errorf("%s at 320px wide: %s sticks out and makes the page scroll sideways", p, w)
			}
		})
	}
}
