package web_test

import (
	"net/http/httptest"
	"testing"

	"roundtable/internal/platform/web"
)

func TestPager(t *testing.T) {
	for _, c := range []struct {
		url           string
		total         int
		number, pages int
		offset        int
		prev, next    string
	}{
		{"/people", 0, 1, 1, 0, "", ""},
		{"/people", 120, 1, 3, 0, "", "/people?page=2"},
		{"/people?page=2", 120, 2, 3, 50, "/people", "/people?page=3"},
		{"/people?page=3&region=north-west&empty=", 120, 3, 3, 100, "/people?page=2&region=north-west", ""},
		{"/people?page=abc", 120, 1, 3, 0, "", "/people?page=2"},
		{"/people?page=-4", 120, 1, 3, 0, "", "/people?page=2"},
		{"/people?page=99999999999", 120, 100000, 3, 4999950, "/people?page=99999", ""},
	} {
		r := httptest.NewRequest("GET", c.url, nil)
		p := web.PageFrom(r, 50, "Pages of people")
		p.Of(r, c.total)
		if p.Number != c.number || p.Pages != c.pages || p.Offset() != c.offset || p.Prev != c.prev || p.Next != c.next {
			t.Errorf("%s of %d: page %d of %d, offset %d, prev %q, next %q; want %d of %d, %d, %q, %q",
				c.url, c.total, p.Number, p.Pages, p.Offset(), p.Prev, p.Next, c.number, c.pages, c.offset, c.prev, c.next)
		}
	}
	r := httptest.NewRequest("GET", "/recommendations?status=done&page=2", nil)
	p := web.PageFrom(r, 20, "Pages of recommendations")
	p.More(r, false)
	if p.Prev != "/recommendations?status=done" || p.Next != "" || p.Pages != 0 {
		t.Errorf("uncounted last page: %+v", p)
	}
}
