package insight

// Small counts are hidden in every public output, as official statistics do: a count of people
// under SuppressBelow is shown as [c]. Hiding one count in a group that adds up to a published
// total would let anyone work it out by subtraction, so in every such group where exactly one
// count is hidden, the smallest other count is hidden too ("secondary suppression"). The
// groups are: female, male and not known within an area's total; the councils of a region
// within the region's row; the nine regions, and London with the rest of England, within
// England; the regions outside London within the rest of England.

// SuppressBelow is the smallest count of people shown.
const SuppressBelow = 5

// Hidden is a bit mask of the counts hidden in one area and year.
type Hidden uint8

func (h Hidden) Has(m Measure) bool { return h&(1<<m) != 0 }

type cellRef struct {
	a *area
	y int
	m Measure
}

func (c cellRef) value() int64 { return c.a.years[c.y][c.m] }
func (c cellRef) hidden() bool { return c.a.hidden[c.y]&(1<<c.m) != 0 || c.value() < 0 }
func (c cellRef) hide()        { c.a.hidden[c.y] |= 1 << c.m }

type group struct {
	parent   cellRef
	children []cellRef
}

// suppress sets the hidden masks of the areas.
func suppress(areas []*area) {
	byName := map[string]*area{}
	byRegion := map[string][]*area{}
	for _, a := range areas {
		for y, f := range a.years {
			for m, v := range f {
				if v >= 0 && v < SuppressBelow {
					a.hidden[y] |= 1 << m
				}
			}
		}
		if a.typ == "council" {
			byRegion[a.region] = append(byRegion[a.region], a)
		} else {
			byName[a.key] = a
		}
	}
	var groups []group
	add := func(parent *area, children []*area, y int, m Measure) {
		if parent == nil || parent.years[y] == nil {
			return
		}
		g := group{parent: cellRef{parent, y, m}}
		for _, c := range children {
			if c != nil && c.years[y] != nil {
				g.children = append(g.children, cellRef{c, y, m})
			}
		}
		groups = append(groups, g)
	}
	var regions, outside []*area
	for _, r := range summaryAreas {
		if a := byName[r]; a != nil && r != England && r != RestOfEngland {
			regions = append(regions, a)
			if r != "London" {
				outside = append(outside, a)
			}
		}
	}
	for _, a := range areas {
		for y := range a.years {
			groups = append(groups, group{parent: cellRef{a, y, Total},
				children: []cellRef{{a, y, Female}, {a, y, Male}, {a, y, NotKnown}}})
			if a.typ != "england" {
				continue
			}
			for m := Female; m <= Total; m++ {
				add(a, regions, y, m)
				add(a, []*area{byName["London"], byName[RestOfEngland]}, y, m)
				add(byName[RestOfEngland], outside, y, m)
				for name, cs := range byRegion {
					add(byName[name], cs, y, m)
				}
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, g := range groups {
			if g.parent.hidden() {
				continue
			}
			var hidden int
			var smallest *cellRef
			for i, c := range g.children {
				if c.hidden() {
					hidden++
				} else if smallest == nil || c.value() < smallest.value() {
					smallest = &g.children[i]
				}
			}
			if hidden == 1 && smallest != nil {
				smallest.hide()
				changed = true
			}
		}
	}
}
