package insight

import (
	"context"
	"fmt"
	"strings"
)

// CachedFigureCSV is one dashboard figure as CSV, as a page would get it, for the tests of
// keeping figures (cache_test.go).
func (h *Handlers) CachedFigureCSV(ctx context.Context, id string) (string, error) {
	f, err := h.figures(ctx)
	if err != nil {
		return "", err
	}
	fig, ok := f.funder.Figure(id)
	if !ok {
		return "", fmt.Errorf("no figure %q", id)
	}
	var b strings.Builder
	err = fig.Table.WriteCSV(&b)
	return b.String(), err
}
