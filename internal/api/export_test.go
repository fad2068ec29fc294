package api

import "roundtable/internal/platform/web"

// UseRenderer renders the API's pages with rd, for tests run while the app does not list
// the API's templates yet.
func (h *Handlers) UseRenderer(rd *web.Renderer) { h.render = rd }
