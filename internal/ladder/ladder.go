// Package ladder is the ladder of co-production (Think Local Act Personal and the National
// Co-production Advisory Group, reused with credit): seven levels from "doing to" through
// "doing for" to "doing with". Funding rubrics, standards' indicators, self-assessment, peer
// and independent ratings all use the same levels, so they can be compared.
package ladder

import "fmt"

// Level is a rung of the ladder, 0 (coercion) to 6 (co-production).
type Level int

const (
	Coercion Level = iota
	Educating
	Informing
	Consultation
	Engagement
	CoDesign
	CoProduction
)

// Top is the highest level.
const Top = CoProduction

// Levels lists every level from the bottom.
var Levels = []Level{Coercion, Educating, Informing, Consultation, Engagement, CoDesign, CoProduction}

var names = [...]string{"Coercion", "Educating", "Informing", "Consultation", "Engagement", "Co-design", "Co-production"}

var descriptions = [...]string{
	"People attend but have no say. Decisions were made before they came.",
	"People are told about the proposal so that they understand it. Nothing changes because of them.",
	"People are told what will happen and why. They are not asked what they think.",
	"People are asked what they think, but they do not know whether it made any difference.",
	"People are asked more widely and their views change some parts of the proposal.",
	"People help design the proposal, and some of their ideas are put into practice.",
	"People with lived experience, the council and partners share power over the whole proposal and the support that follows, from start to finish.",
}

// Valid reports whether l is a rung of the ladder.
func (l Level) Valid() bool { return l >= Coercion && l <= CoProduction }

// Name is the level's name, such as "Co-design".
func (l Level) Name() string {
	if !l.Valid() {
		return fmt.Sprintf("level %d", int(l))
	}
	return names[l]
}

// Description says in plain English what the level looks like in practice.
func (l Level) Description() string {
	if !l.Valid() {
		return ""
	}
	return descriptions[l]
}

// Parse reads a level from a form value ("0" to "6").
func Parse(s string) (Level, bool) {
	if len(s) != 1 || s[0] < '0' || s[0] > '6' {
		return 0, false
	}
	return Level(s[0] - '0'), true
}
