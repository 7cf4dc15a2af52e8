//go:build race

package pob_test

// The race detector slows the engines about tenfold: fewer runs.
const (
	lightRuns = 120
	heavyRuns = 40
)
