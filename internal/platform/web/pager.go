package web

import (
	"net/http"
	"net/url"
	"roundtable/internal/platform/errs"
	"strconv"
)

// Pager is where a long list is: the page shown and links to the pages either side, which keep
// the rest of the query (the filters). The "pagination" partial shows it.
//
//	pg := web.PageFrom(r, 50, "Pages of people")
//	list, total := query(pg.Limit(), pg.Offset())
//	if err := pg.Count(r, total, "people"); err != nil { return err } // past the last: not found
type Pager struct {
	Number  int // the page shown, from 1
	Pages   int // how many there are; 0 when not counted (see More)
	PerPage int
	Prev    string // link to the page before; empty on the first
	Next    string // link to the page after; empty on the last
	Label   string // names the navigation for screen readers, such as "Pages of people"
}

// maxPage bounds the page number, so a crafted one cannot ask the database for an absurd offset.
const maxPage = 100000

// PageFrom reads the page number from the request's "page" parameter: 1 when it is missing
// or not a number.
func PageFrom(r *http.Request, perPage int, label string) Pager {
	n, _ := strconv.Atoi(r.URL.Query().Get("page"))
	return Pager{Number: min(max(n, 1), maxPage), PerPage: perPage, Label: label}
}

// Limit is how many rows to read for the page.
func (p Pager) Limit() int { return p.PerPage }

// Offset is how many rows come before the page.
func (p Pager) Offset() int { return (p.Number - 1) * p.PerPage }

// Of sets the links once the total number of rows is known.
func (p *Pager) Of(r *http.Request, total int) {
	p.Pages = max(1, (total+p.PerPage-1)/p.PerPage)
	p.link(r, p.Number < p.Pages)
}

// Count is Of for a list whose pages are counted: a page past the last is not found, saying
// how many pages of what there are.
func (p *Pager) Count(r *http.Request, total int, what string) error {
	p.Of(r, total)
	if p.Number > p.Pages {
		return errs.New(errs.NotFound, "There is no page %d of %s: there are %d.", p.Number, what, p.Pages)
	}
	return nil
}

// More sets the links when the total is not counted: more says whether rows follow the page
// (read one row more than PerPage to know).
func (p *Pager) More(r *http.Request, more bool) {
	p.link(r, more)
}

func (p *Pager) link(r *http.Request, next bool) {
	to := func(n int) string {
		q := url.Values{}
		for k, vs := range r.URL.Query() {
			if k != "page" && len(vs) > 0 && vs[0] != "" {
				q.Set(k, vs[0])
			}
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + q.Encode()
	}
	p.Prev, p.Next = "", ""
	if p.Number > 1 {
		p.Prev = to(p.Number - 1)
	}
	if next {
		p.Next = to(p.Number + 1)
	}
}
