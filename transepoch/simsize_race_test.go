//go:build race

package transepoch

// Under the race detector the acceptance variants keep their 200
// transitions; the larger variant runs 60.
const (
	simSeeds      = 50
	simSeedsLarge = 15
)
