//go:build !race

package pobtest_test

const runs = 30
