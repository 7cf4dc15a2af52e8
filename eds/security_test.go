package eds

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The binomial figures OmniLedger publishes (ANCHORS.md), within 15%.
func TestBinomialMatchesPublishedFigures(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		s    int
		want float64
	}{
		{0.25, 100, 2.8e-2},
		{0.25, 200, 4.4e-3},
		{0.25, 400, 8.7e-5},
		{0.25, 600, 3.0e-6},
		{0.125, 70, 2.2e-6},
	} {
		got, err := BinomialFailure(tc.s, tc.f)
		require.NoError(t, err)
		t.Logf("f=%v s=%d: %.3g (published %.2g)", tc.f, tc.s, got, tc.want)
		require.InEpsilon(t, tc.want, got, 0.15, "f=%v s=%d", tc.f, tc.s)
	}
	// At a third no shard size is safe: s=600 fails about half the time.
	p, err := BinomialFailure(600, 1.0/3)
	require.NoError(t, err)
	require.Greater(t, p, 0.4)
}

func TestHypergeometricApproachesBinomial(t *testing.T) {
	// With n ≫ s, sampling without replacement ≈ with replacement.
	h, err := HypergeometricFailure(100_000, 25_000, 600)
	require.NoError(t, err)
	b, err := BinomialFailure(600, 0.25)
	require.NoError(t, err)
	require.InEpsilon(t, b, h, 0.1)
	require.Less(t, h, b, "without replacement the tail is thinner")
	// Small exact case by enumeration: n=6, 2 faulty, s=3 fails iff ≥1 faulty:
	// 1 − C(4,3)/C(6,3) = 1 − 4/20.
	h, err = HypergeometricFailure(6, 2, 3)
	require.NoError(t, err)
	require.InDelta(t, 0.8, h, 1e-12)
	// Too few faulty to ever reach the threshold.
	h, err = HypergeometricFailure(1000, 10, 300)
	require.NoError(t, err)
	require.Zero(t, h)
	// The whole set as the shard: certain outcome.
	h, err = HypergeometricFailure(9, 3, 9)
	require.NoError(t, err)
	require.InDelta(t, 1, h, 1e-12)
}

func TestSecurityInputValidation(t *testing.T) {
	for _, bad := range [][3]int{{0, 0, 1}, {10, 11, 5}, {10, 3, 11}, {10, -1, 5}, {10, 3, 0}} {
		_, err := HypergeometricFailure(bad[0], bad[1], bad[2])
		require.ErrorIs(t, err, ErrBadConfig, "%v", bad)
	}
	for _, f := range []float64{-0.1, 1.1, math.NaN()} {
		_, err := BinomialFailure(10, f)
		require.ErrorIs(t, err, ErrBadProbability)
		_, err = EpochFailure(f, 3)
		require.ErrorIs(t, err, ErrBadProbability)
		_, err = YearsToFailure(f, time.Hour)
		require.ErrorIs(t, err, ErrBadProbability)
	}
	_, err := BinomialFailure(0, 0.1)
	require.ErrorIs(t, err, ErrBadProbability)
	_, err = EpochFailure(0.1, 0)
	require.ErrorIs(t, err, ErrBadProbability)
	_, err = YearsToFailure(0.1, 0)
	require.ErrorIs(t, err, ErrBadProbability)
	_, _, err = MinShardSize(0.25, 0, 100)
	require.ErrorIs(t, err, ErrBadProbability)
	_, _, err = MinShardSize(0.25, 1e-6, 0)
	require.ErrorIs(t, err, ErrBadProbability)
	_, _, err = MinShardSize(2, 1e-6, 10)
	require.ErrorIs(t, err, ErrBadProbability)
}

func TestBinomialEdges(t *testing.T) {
	p, err := BinomialFailure(10, 0)
	require.NoError(t, err)
	require.Zero(t, p)
	p, err = BinomialFailure(10, 1)
	require.NoError(t, err)
	require.Equal(t, 1.0, p)
	// Log space keeps tiny tails finite and positive.
	p, err = BinomialFailure(100_000, 0.1)
	require.NoError(t, err)
	require.GreaterOrEqual(t, p, 0.0)
	require.False(t, math.IsNaN(p))
	h, err := HypergeometricFailure(100_000, 10_000, 5_000)
	require.NoError(t, err)
	require.False(t, math.IsNaN(h))
	require.Less(t, h, 1e-100)
}

func TestEpochFailureAndYears(t *testing.T) {
	p, err := EpochFailure(1e-9, 64)
	require.NoError(t, err)
	require.InEpsilon(t, 64e-9, p, 1e-6, "union bound is tight for tiny p")
	p, err = EpochFailure(0.5, 2)
	require.NoError(t, err)
	require.InDelta(t, 0.75, p, 1e-12)
	p, err = EpochFailure(1, 2)
	require.NoError(t, err)
	require.Equal(t, 1.0, p)

	y, err := YearsToFailure(1.0/365.25, 24*time.Hour)
	require.NoError(t, err)
	require.InDelta(t, 1.0, y, 1e-9)
	y, err = YearsToFailure(0, time.Hour)
	require.NoError(t, err)
	require.True(t, math.IsInf(y, 1))
}

func TestMinShardSize(t *testing.T) {
	s, ok, err := MinShardSize(0.25, 1e-5, 2000)
	require.NoError(t, err)
	require.True(t, ok)
	p, _ := BinomialFailure(s, 0.25)
	require.LessOrEqual(t, p, 1e-5)
	prev, _ := BinomialFailure(s-1, 0.25)
	require.Greater(t, prev, 1e-5, "s-1 must not already be safe")
	require.Greater(t, s, 400)
	require.Less(t, s, 600)
	// At f = 1/3 nothing is safe.
	_, ok, err = MinShardSize(1.0/3, 1e-3, 2000)
	require.NoError(t, err)
	require.False(t, ok)
}

func TestFaultThreshold(t *testing.T) {
	for s, want := range map[int]int{1: 1, 3: 1, 4: 2, 6: 2, 7: 3, 100: 34, 600: 200} {
		require.Equal(t, want, FaultThreshold(s), "s=%d", s)
	}
}
