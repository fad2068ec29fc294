package insight

// OpenDataAreas turns series into the areas of the JSON open data, each count a number, "[c]"
// or null, so that the API and the download publish the same figures in the same shape.
func OpenDataAreas(all []Series) []OpenDataArea {
	out := make([]OpenDataArea, 0, len(all))
	for _, s := range all {
		a := OpenDataArea{Type: s.Type, Code: s.Code(), Name: s.Name, Region: s.Region, Figures: make([]map[string]any, 0, len(s.Years))}
		for _, y := range s.Years {
			a.Figures = append(a.Figures, map[string]any{"year": y.Year, "female": jsonCount(y.Female),
				"male": jsonCount(y.Male), "not_known": jsonCount(y.NotKnown), "total": jsonCount(y.Total)})
		}
		out = append(out, a)
	}
	return out
}
