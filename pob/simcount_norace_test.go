//go:build !race

package pob_test

// Seeded adversarial simulations in a normal test run.
const (
	lightRuns = 1750
	heavyRuns = 250
)
