package e2e

import (
	"context"
	"fmt"
	"strings"

	"github.com/chromedp/chromedp"
)

// axeTags are the WCAG levels the platform meets: 2.0, 2.1 and 2.2 at A and AA.
const axeRunJS = `axe.run(document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
  resultTypes: ['violations'],
}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
  nodes: v.nodes.map(n => ({target: n.target.map(String).join(' '), summary: n.failureSummary || ''})),
})))`

type axeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeNode struct {
	Target  string `json:"target"`
	Summary string `json:"summary"`
}

func (v axeViolation) nodes() string {
	var parts []string
	for _, n := range v.Nodes {
		parts = append(parts, n.Target+" ("+strings.ReplaceAll(n.Summary, "\n", " ")+")")
	}
	return strings.Join(parts, "; ")
}

// runAxe injects axe-core into the open page and runs it. The page's Content-Security-Policy
// forbids inline scripts; Runtime.evaluate from the DevTools protocol is not subject to it,
// so the policy stays on and its violations still show as console errors.
func runAxe(ctx context.Context, axeSource string) ([]axeViolation, error) {
	if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource)); err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](axeRunJS, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	return vs, nil
}
