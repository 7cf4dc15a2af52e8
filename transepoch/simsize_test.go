//go:build !race

package transepoch

// simSeeds × simDefaults().epochs (4) is the number of transitions of each
// simulation test: 200. simSeedsLarge is for the larger variant.
const (
	simSeeds      = 50
	simSeedsLarge = 50
)
