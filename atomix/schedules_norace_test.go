//go:build !race

package atomix_test

// propertySchedules is the number of seeded schedules TestPropertySchedules runs.
const propertySchedules = 1000
