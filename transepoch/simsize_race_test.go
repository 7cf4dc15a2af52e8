//go:build race

package transepoch

// Under the race detector the acceptance variants keep their 200
// transitions, and so does the larger variant.
const (
	simSeeds      = 50
	simSeedsLarge = 50
)
