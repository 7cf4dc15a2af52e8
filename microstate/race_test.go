//go:build race

package microstate

// raceEnabled shortens the long tests under the race detector, which makes
// them several times slower.
const raceEnabled = true
