// Command eds-table prints the shard-failure table of docs/eds.md: the
// probability that a shard of s validators gets at least ⌈s/3⌉ faulty members,
// for several adversary fractions, computed by package eds (binomial, and
// exact hypergeometric for a population of -n validators), plus the smallest
// shard size that meets -target per shard.
//
//	go run ./examples/eds-table -n 10000 -target 1e-6
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/iostkit/iostkit/eds"
)

func main() {
	n := flag.Int("n", 10_000, "population size for the exact hypergeometric column")
	target := flag.Float64("target", 1e-6, "per-shard failure target for the minimum-size row")
	flag.Parse()
	if err := run(*n, *target); err != nil {
		fmt.Fprintln(os.Stderr, "eds-table:", err)
		os.Exit(1)
	}
}

var fractions = []struct {
	name string
	f    float64
	num  int // faulty = n*num/den, exact for the hypergeometric column
	den  int
}{{"1/8", 1.0 / 8, 1, 8}, {"1/5", 1.0 / 5, 1, 5}, {"1/4", 1.0 / 4, 1, 4}, {"1/3", 1.0 / 3, 1, 3}}

func run(n int, target float64) error {
	sizes := []int{16, 32, 64, 70, 100, 200, 400, 600}
	fmt.Printf("P(shard fails) — binomial / hypergeometric (n = %d)\n\n", n)
	fmt.Print("| s |")
	for _, fr := range fractions {
		fmt.Printf(" f = %s |", fr.name)
	}
	fmt.Print("\n| ---: |")
	for range fractions {
		fmt.Print(" ---: |")
	}
	fmt.Println()
	for _, s := range sizes {
		fmt.Printf("| %d |", s)
		for _, fr := range fractions {
			pb, err := eds.BinomialFailure(s, fr.f)
			if err != nil {
				return err
			}
			ph, err := eds.HypergeometricFailure(n, n*fr.num/fr.den, s)
			if err != nil {
				return err
			}
			fmt.Printf(" %.1e / %.1e |", pb, ph)
		}
		fmt.Println()
	}
	fmt.Printf("\nSmallest shard size with P(fail) ≤ %.0e (binomial, up to 2000):\n\n", target)
	for _, fr := range fractions {
		s, ok, err := eds.MinShardSize(fr.f, target, 2000)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Printf("- f = %s: none up to 2000\n", fr.name)
			continue
		}
		fmt.Printf("- f = %s: s = %d\n", fr.name, s)
	}
	return nil
}
