//go:build race

package transepoch

// Under the race detector the simulation still runs ≥ 200 transitions; the
// count is the same, kept here to tune separately if needed.
const simSeeds = 50
