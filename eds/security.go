package eds

import (
	"fmt"
	"math"
	"time"
)

// The shard-security maths a researcher needs to size shards. These are
// analysis functions in float64 (log space throughout, stable for n up to
// 100,000 and probabilities down to ~1e-300); nothing in consensus calls them.
//
// A shard of s members fails when at least ⌈s/3⌉ of them are faulty: BFT
// needs fewer than a third faulty.

// FaultThreshold is ⌈s/3⌉, the number of faulty members that breaks a shard
// of size s.
func FaultThreshold(s int) int { return (s + 2) / 3 }

// HypergeometricFailure is the exact probability that a shard of size s,
// drawn without replacement from n validators of whom faulty are faulty,
// gets at least ⌈s/3⌉ faulty members.
func HypergeometricFailure(n, faulty, s int) (float64, error) {
	if n <= 0 || s <= 0 || s > n || faulty < 0 || faulty > n {
		return 0, fmt.Errorf("%w: n=%d faulty=%d s=%d", ErrBadConfig, n, faulty, s)
	}
	lo, hi := FaultThreshold(s), min(s, faulty)
	if lo > hi {
		return 0, nil
	}
	denom := logChoose(n, s)
	terms := make([]float64, 0, hi-lo+1)
	for k := lo; k <= hi; k++ {
		if s-k > n-faulty {
			continue
		}
		terms = append(terms, logChoose(faulty, k)+logChoose(n-faulty, s-k)-denom)
	}
	return clamp01(math.Exp(logSumExp(terms))), nil
}

// BinomialFailure is the binomial approximation (sampling with replacement,
// n → ∞) of HypergeometricFailure: each of s members is faulty with
// probability f independently. This is the figure OmniLedger publishes.
func BinomialFailure(s int, f float64) (float64, error) {
	if s <= 0 || f < 0 || f > 1 || math.IsNaN(f) {
		return 0, fmt.Errorf("%w: s=%d f=%v", ErrBadProbability, s, f)
	}
	switch f {
	case 0:
		return 0, nil
	case 1:
		return 1, nil
	}
	lf, lq := math.Log(f), math.Log1p(-f)
	terms := make([]float64, 0, s)
	for k := FaultThreshold(s); k <= s; k++ {
		terms = append(terms, logChoose(s, k)+float64(k)*lf+float64(s-k)*lq)
	}
	return clamp01(math.Exp(logSumExp(terms))), nil
}

// EpochFailure is the probability that at least one of `shards` independent
// shards, each failing with probability p, fails in an epoch:
// 1 − (1 − p)^shards, computed without cancellation for tiny p.
func EpochFailure(p float64, shards int) (float64, error) {
	if p < 0 || p > 1 || math.IsNaN(p) || shards <= 0 {
		return 0, fmt.Errorf("%w: p=%v shards=%d", ErrBadProbability, p, shards)
	}
	if p == 1 {
		return 1, nil
	}
	return clamp01(-math.Expm1(float64(shards) * math.Log1p(-p))), nil
}

// YearsToFailure is the expected time until the first failed epoch, in years,
// for a per-epoch failure probability and an epoch length: the mean of a
// geometric distribution, epoch/p. It is +Inf for p = 0.
func YearsToFailure(pEpoch float64, epoch time.Duration) (float64, error) {
	if pEpoch < 0 || pEpoch > 1 || math.IsNaN(pEpoch) || epoch <= 0 {
		return 0, fmt.Errorf("%w: p=%v epoch=%v", ErrBadProbability, pEpoch, epoch)
	}
	if pEpoch == 0 {
		return math.Inf(1), nil
	}
	const year = 365.25 * 24 * float64(time.Hour)
	return float64(epoch) / pEpoch / year, nil
}

// MinShardSize is the smallest shard size s ≤ maxSize whose binomial failure
// probability at adversary fraction f is at most target, and whose every
// larger size up to maxSize also is (the failure probability wobbles with
// ⌈s/3⌉, so the first size below the target can be followed by one above
// it). It returns ok=false when no size up to maxSize is safe — always the
// case for f ≥ 1/3.
func MinShardSize(f, target float64, maxSize int) (size int, ok bool, err error) {
	if target <= 0 || target >= 1 || maxSize <= 0 {
		return 0, false, fmt.Errorf("%w: target=%v maxSize=%d", ErrBadProbability, target, maxSize)
	}
	size = 0
	for s := maxSize; s >= 1; s-- {
		p, err := BinomialFailure(s, f)
		if err != nil {
			return 0, false, err
		}
		if p > target {
			break
		}
		size = s
	}
	return size, size > 0, nil
}

func logChoose(n, k int) float64 {
	if k < 0 || k > n {
		return math.Inf(-1)
	}
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

func logSumExp(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = max(m, x)
	}
	if math.IsInf(m, -1) {
		return m
	}
	var s float64
	for _, x := range xs {
		s += math.Exp(x - m)
	}
	return m + math.Log(s)
}

func clamp01(x float64) float64 { return min(max(x, 0), 1) }
