//go:build !race

package microstate

const raceEnabled = false
