package eds

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
)

func validators(n int) []Validator {
	vs := make([]Validator, n)
	for i := range vs {
		vs[i] = Validator{ID: fmt.Sprintf("v%05d", i), Weight: uint64(i%7 + 1)}
	}
	return vs
}

func TestShardOfIsStableAndInRange(t *testing.T) {
	a := common.HexToAddress("0x1234")
	for _, s := range []uint32{1, 2, 3, 4, 16, 64, 1000} {
		got := ShardOf(a, s)
		require.Less(t, got, s)
		require.Equal(t, got, ShardOf(a, s))
	}
	require.Panics(t, func() { ShardOf(a, 0) })
}

// Growing from S to S+k shards moves accounts only into the new shards, and
// only about k/(S+k) of them: the property that makes re-sharding at an epoch
// boundary cheap.
func TestShardOfMovesFewAccountsWhenGrowing(t *testing.T) {
	const n = 20_000
	for _, tc := range [][2]uint32{{4, 5}, {4, 8}, {16, 17}, {64, 65}} {
		moved := 0
		for i := range n {
			addr := common.BigToAddress(common.Big1.SetInt64(int64(i)))
			from, to := ShardOf(addr, tc[0]), ShardOf(addr, tc[1])
			if from != to {
				moved++
				require.GreaterOrEqual(t, to, tc[0], "an account moved between two old shards")
			}
		}
		want := float64(tc[1]-tc[0]) / float64(tc[1])
		require.InDelta(t, want, float64(moved)/n, 0.02, "%d→%d", tc[0], tc[1])
	}
}

func TestTouchedShards(t *testing.T) {
	var a, b common.Address
	for i := int64(0); ; i++ { // find two accounts on different shards of 4
		b = common.BigToAddress(common.Big1.SetInt64(i))
		if ShardOf(b, 4) != ShardOf(a, 4) {
			break
		}
	}
	require.Len(t, TouchedShards(4, a, a, a), 1)
	require.False(t, IsCrossShard(4, a, a))
	got := TouchedShards(4, b, a, b)
	require.Len(t, got, 2)
	require.Less(t, got[0], got[1])
	require.True(t, IsCrossShard(4, a, b))
	require.Empty(t, TouchedShards(4))
}

func TestAssignSizesAndDeterminism(t *testing.T) {
	vs := validators(103)
	a, err := Assign(vs, []byte("rnd"), 7, 10)
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, sh := range a.Shards {
		require.True(t, len(sh) == 10 || len(sh) == 11, "size %d", len(sh))
		for _, v := range sh {
			require.False(t, seen[v.ID])
			seen[v.ID] = true
		}
	}
	require.Len(t, seen, 103)
	// Caller's order does not matter; randomness and epoch do.
	rev := make([]Validator, len(vs))
	for i, v := range vs {
		rev[len(vs)-1-i] = v
	}
	b, err := Assign(rev, []byte("rnd"), 7, 10)
	require.NoError(t, err)
	require.Equal(t, a, b)
	c, err := Assign(vs, []byte("rnd"), 8, 10)
	require.NoError(t, err)
	require.NotEqual(t, a.Shards, c.Shards)
	d, err := Assign(vs, []byte("other"), 7, 10)
	require.NoError(t, err)
	require.NotEqual(t, a.Shards, d.Shards)

	s, ok := a.ShardOfValidator(a.Shards[3][0].ID)
	require.True(t, ok)
	require.Equal(t, uint32(3), s)
	_, ok = a.ShardOfValidator("nobody")
	require.False(t, ok)
}

func TestAssignRejectsBadInput(t *testing.T) {
	vs := validators(5)
	_, err := Assign(vs, []byte("r"), 0, 0)
	require.ErrorIs(t, err, ErrNoShards)
	_, err = Assign(vs, nil, 0, 2)
	require.ErrorIs(t, err, ErrNoRandomness)
	_, err = Assign(vs, []byte("r"), 0, 6)
	require.ErrorIs(t, err, ErrTooFewValidators)
	_, err = Assign(append(vs, vs[2]), []byte("r"), 0, 2)
	require.ErrorIs(t, err, ErrDuplicateValidator)
	_, err = AssignWeighted(append(vs, Validator{ID: "zero"}), []byte("r"), 0, 2)
	require.ErrorIs(t, err, ErrZeroWeight)
	_, err = AssignWeighted(vs, []byte("r"), 0, 0)
	require.ErrorIs(t, err, ErrNoShards)
}

func TestAssignWeightedBalancesWeight(t *testing.T) {
	vs := validators(500)
	var maxW uint64
	for _, v := range vs {
		maxW = max(maxW, v.Weight)
	}
	for seed := range 20 {
		a, err := AssignWeighted(vs, []byte{byte(seed)}, 1, 8)
		require.NoError(t, err)
		var lo, hi uint64 = math.MaxUint64, 0
		total := 0
		for _, sh := range a.Shards {
			var w uint64
			for _, v := range sh {
				w += v.Weight
			}
			lo, hi = min(lo, w), max(hi, w)
			total += len(sh)
		}
		require.Equal(t, 500, total)
		require.LessOrEqual(t, hi-lo, maxW, "weights %d..%d", lo, hi)
	}
}

// TestAssignIsUniform is a chi-square test: over many seeded epochs, each
// validator should land in each shard equally often. With 40 validators in
// 4 shards over 4,000 epochs, the statistic over the 40×4 cells (117 degrees
// of freedom: rows and columns are constrained) exceeds 170 with probability
// below 0.1%. The test is deterministic: the same seeds every run.
func TestAssignIsUniform(t *testing.T) {
	const n, shards, epochs = 40, 4, 4000
	vs := validators(n)
	counts := make(map[string][]int, n)
	for _, v := range vs {
		counts[v.ID] = make([]int, shards)
	}
	for e := range uint64(epochs) {
		a, err := Assign(vs, []byte("uniformity"), e, shards)
		require.NoError(t, err)
		for s, sh := range a.Shards {
			for _, v := range sh {
				counts[v.ID][s]++
			}
		}
	}
	expected := float64(epochs) / shards
	var chi2 float64
	for _, c := range counts {
		for _, k := range c {
			d := float64(k) - expected
			chi2 += d * d / expected
		}
	}
	t.Logf("chi-square over %d cells: %.1f (df 117, 0.1%% critical ≈ 170)", n*shards, chi2)
	require.Less(t, chi2, 170.0)
	require.Greater(t, chi2, 60.0, "suspiciously perfect: not random")
}

// The permutation itself: every position equally likely for every element.
func TestPermutationIsUniform(t *testing.T) {
	const n, runs = 5, 20_000
	var counts [n][n]int
	for r := range runs {
		p := Permutation("test", []byte(fmt.Sprint(r)), n)
		for pos, el := range p {
			counts[el][pos]++
		}
	}
	expected := float64(runs) / n
	var chi2 float64
	for _, row := range counts {
		for _, k := range row {
			d := float64(k) - expected
			chi2 += d * d / expected
		}
	}
	require.Less(t, chi2, 39.3, "df 16, 0.1%% critical 39.3")
	require.Equal(t, []int{}, Permutation("x", []byte("y"), 0))
}

func TestUniformHasNoModuloBias(t *testing.T) {
	s := newStream("t", []byte("s"))
	for _, n := range []uint64{1, 2, 3, 7, 1 << 40, math.MaxUint64} {
		for range 100 {
			require.Less(t, s.uniform(n), n)
		}
	}
}

func TestForEachShard(t *testing.T) {
	var ran atomic.Int32
	require.NoError(t, ForEachShard(context.Background(), 16, 4, func(ctx context.Context, s uint32) error {
		ran.Add(1)
		return nil
	}))
	require.Equal(t, int32(16), ran.Load())

	boom := errors.New("boom")
	err := ForEachShard(context.Background(), 64, 2, func(ctx context.Context, s uint32) error {
		switch {
		case s < 3:
			return nil
		case s == 3:
			return boom
		}
		<-ctx.Done() // later shards wait to be cancelled
		return ctx.Err()
	})
	require.ErrorIs(t, err, boom)
	require.Contains(t, err.Error(), "shard 3")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, ForEachShard(ctx, 4, 0, func(context.Context, uint32) error { return nil }), context.Canceled)
}
