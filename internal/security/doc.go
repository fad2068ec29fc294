// Package security holds the attack-side tests of the whole application: the access matrix
// of every registered route, for every role, with the viewer's own identifiers and with
// another tenant's. It has no code of its own; see matrix_test.go.
package security
