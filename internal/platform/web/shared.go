package web

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"html/template"
	"net/http"
	"sync"

	"roundtable/internal/platform/pagecache"
)

// SharedMain is a page's main content rendered once, as anyone may see it, to be kept (in a
// pagecache.Memo, until the data it shows changes) and written around each person's own header
// and navigation by RenderShared: for pages whose content is the same for everyone allowed to
// see them, such as the national figures, which are costly to render and to compress.
type SharedMain struct {
	page Page
	main []byte // the rendered HTML, kept once: sent as it is, compressed, and checksummed
	// deflated is main compressed once, when a client taking gzip first asks.
	deflated *deflatedMain
}

// deflatedMain is main content compressed at the default level as DEFLATE blocks none of
// which is the last, ending on a byte boundary (a sync flush): RenderShared sends them as they
// are between the compressed header and footer of each person's page.
type deflatedMain struct {
	once  sync.Once
	bytes []byte
}

func (m SharedMain) deflate() []byte {
	m.deflated.once.Do(func() {
		var b bytes.Buffer
		z, _ := flate.NewWriter(&b, flate.DefaultCompression)
		_, _ = z.Write(m.main)
		_ = z.Flush()
		m.deflated.bytes = b.Bytes()
	})
	return m.deflated.bytes
}

// sharedView is the page RenderShared writes: the layout around main content already made.
type sharedView struct {
	Page
	Main template.HTML
}

// SharedMain renders the main content of page name (SET/NAME) for view, a pointer to a struct
// that embeds Page, with no one signed in: whatever the template shows only to some people is
// left out, so main content kept and shown to many never holds what one person may see.
func (rd *Renderer) SharedMain(name string, view any) (SharedMain, error) {
	t, ok := rd.pages[name]
	if !ok {
		return SharedMain{}, fmt.Errorf("no page template %q", name)
	}
	pv, ok := view.(pageView)
	if !ok {
		return SharedMain{}, fmt.Errorf("view for %s does not embed web.Page", name)
	}
	p := pv.page()
	p.User, p.Path, p.Flash, p.navTabs = nil, "", "", nil
	p.assets = rd.assets
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "main", view); err != nil {
		return SharedMain{}, fmt.Errorf("render %s: %w", name, err)
	}
	return SharedMain{page: Page{Title: p.Title, Back: p.Back, Wide: p.Wide}, main: buf.Bytes(),
		deflated: &deflatedMain{}}, nil
}

// mainMark stands for the main content while the layout is rendered around it; anything a
// person typed is escaped in the layout, so it cannot make this comment.
const mainMark = "<!--shared main-->"

// RenderShared writes the page of main content made by SharedMain, with status, for the
// person asking. To a client taking gzip it sends main as it was compressed once: only the
// layout around it, a few kilobytes, is compressed for each request (a gzip stream may be
// made of DEFLATE blocks compressed separately; its checksum is worked out over the whole).
func (rd *Renderer) RenderShared(w http.ResponseWriter, r *http.Request, status int, m SharedMain) error {
	if !acceptsGzip(r) || r.Method == http.MethodHead {
		return rd.Render(w, r, status, "platform/shared", &sharedView{Page: m.page, Main: template.HTML(m.main)})
	}
	buf, err := rd.execute(w, r, "platform/shared", &sharedView{Page: m.page, Main: mainMark})
	if err != nil {
		return err
	}
	defer putRenderBuffer(buf)
	before, after, ok := bytes.Cut(buf.Bytes(), []byte(mainMark))
	if !ok {
		return fmt.Errorf("render shared: the layout lost the main content")
	}
	out := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(out)
	// The gzip header (RFC 1952): deflate, no name or time, unknown system.
	out.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	z := layoutDeflaters.Get().(*flate.Writer)
	defer layoutDeflaters.Put(z)
	z.Reset(out)
	_, _ = z.Write(before)
	_ = z.Flush()
	out.Write(m.deflate())
	z.Reset(out)
	_, _ = z.Write(after)
	_ = z.Close()
	sum := crc32.ChecksumIEEE(before)
	sum = crc32.Update(sum, crc32.IEEETable, m.main)
	sum = crc32.Update(sum, crc32.IEEETable, after)
	out.Write(binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, sum), uint32(len(before)+len(m.main)+len(after))))
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	// Set here, so Compress passes the bytes on as they are.
	h.Set("Content-Encoding", "gzip")
	w.WriteHeader(status)
	_, err = w.Write(out.Bytes())
	return err
}

// layoutDeflaters compress the layout around shared main content, at the speed pages are
// compressed at (Compress).
var layoutDeflaters = sync.Pool{New: func() any { z, _ := flate.NewWriter(nil, flate.BestSpeed); return z }}

// RenderKept writes a page whose main content (page name's) is the same for everyone allowed to
// see it, kept in memo under key until the data it shows changes: view makes the page's view
// (a pointer to a struct embedding Page) when the content must be rendered again. Who may see
// the page is checked before. Without a memo (no page cache) the page is rendered for the
// person, as any other.
func (rd *Renderer) RenderKept(w http.ResponseWriter, r *http.Request, memo *pagecache.Memo[SharedMain], key, name string, view func(context.Context) (any, error)) error {
	if memo == nil {
		v, err := view(r.Context())
		if err != nil {
			return err
		}
		return rd.Render(w, r, http.StatusOK, name, v)
	}
	m, err := memo.Get(r.Context(), key, func(ctx context.Context) (SharedMain, error) {
		v, err := view(ctx)
		if err != nil {
			return SharedMain{}, err
		}
		return rd.SharedMain(name, v)
	})
	if err != nil {
		return err
	}
	return rd.RenderShared(w, r, http.StatusOK, m)
}
