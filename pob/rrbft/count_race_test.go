//go:build race

package rrbft_test

const runs = 6
