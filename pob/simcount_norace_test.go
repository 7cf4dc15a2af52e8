//go:build !race

package pob_test

// Seeded adversarial simulations in a normal test run.
const (
	lightRuns = 1600
	heavyRuns = 400
)
