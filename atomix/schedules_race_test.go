//go:build race

package atomix_test

// Under the race detector everything runs ~10× slower: fewer schedules.
const propertySchedules = 300
