//go:build !race

package transepoch

// simSeeds × simDefaults().epochs is the number of transitions a
// simulation test runs.
const simSeeds = 50
