package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// reflowJS lists what sticks out past the right edge of a narrow window: the outermost such
// elements, leaving out data tables and code, which WCAG 1.4.10 lets scroll both ways.
const reflowJS = `(() => {
  const w = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('table, pre') || el.closest('.govuk-visually-hidden, .govuk-skip-link')) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= w + 1) continue;
    if (out.some(o => o.contains(el))) continue;
    out.push(el);
  }
  return out.map(el => {
    let d = el.tagName.toLowerCase();
    if (el.id) d += '#' + el.id;
    if (el.className && typeof el.className === 'string') d += '.' + el.className.trim().split(/\s+/).join('.');
    return d + ' (' + Math.round(el.getBoundingClientRect().right) + 'px wide)';
  });
})()`

// testReflow opens the pages a signed-out visitor saw in a window 320 CSS pixels wide (a
// phone, or a desktop zoomed to 400%) and checks nothing needs scrolling sideways (WCAG
// 1.4.10 Reflow, which axe-core cannot check).
func testReflow(t *testing.T, s *testSite, paths []string) {
	if len(paths) == 0 {
		t.Fatal("the signed-out crawl visited no pages")
	}
	b := newBrowser(t)
	if err := chromedp.Do(b.ctx, chromedp.EmulateViewport(320, 640)); err != nil {
		t.Fatalf("narrow the window: %v", err)
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			ctx, cancel := b.timeout()
			defer cancel()
			if err := chromedp.Do(ctx, chromedp.Navigate(s.URL+p)); err != nil {
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
