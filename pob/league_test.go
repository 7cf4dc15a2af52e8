package pob_test

import (
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

func TestScore(t *testing.T) {
	max := ^uint64(0)
	for _, tc := range []struct {
		name string
		c    pob.Candidate
		want uint64
	}{
		{"zero", pob.Candidate{}, 0},
		{"stake only", pob.Candidate{Stake: 100}, 100},
		{"servi weighs double", pob.Candidate{Stake: 100, Servi: 10}, 120},
		{"contribution", pob.Candidate{Stake: 100, Servi: 10, Contribution: 5}, 125},
		{"faults", pob.Candidate{Stake: 900, Faults: 2}, 100},
		{"saturates", pob.Candidate{Stake: max, Servi: max}, max},
		{"saturated with fault", pob.Candidate{Stake: max, Faults: max}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, pob.DefaultScore(tc.c))
		})
	}
	require.Equal(t, uint64(25), pob.DefaultScore(pob.Candidate{Stake: 100, Faults: 1}))
	require.Equal(t, uint64(30), pob.ScoreWeights{Servi: 3}.Score(pob.Candidate{Stake: 100, Servi: 10}))
}

func candidates(n int) []pob.Candidate {
	ks := testKeys(n)
	out := make([]pob.Candidate, n)
	for i, k := range ks {
		out[i] = pob.Candidate{Address: k.adr, PublicKey: k.pk, Stake: uint64(100 * (i + 1))}
	}
	return out
}

func addrs(ms []pob.Member) []common.Address {
	out := make([]common.Address, len(ms))
	for i, m := range ms {
		out[i] = m.Address
	}
	return out
}

func TestSelectLeagues(t *testing.T) {
	cs := candidates(10) // scores 100..1000 in address order
	top := func(idx ...int) []common.Address {
		var out []common.Address
		for _, i := range idx {
			out = append(out, cs[i].Address)
		}
		slices.SortFunc(out, func(a, b common.Address) int { return a.Cmp(b) })
		return out
	}
	faulty := slices.Clone(cs)
	faulty[9].Faults = 1 // 1000/4 = 250
	for _, tc := range []struct {
		name       string
		cands      []pob.Candidate
		policy     pob.Policy
		believable []common.Address
		normal     []common.Address
		fallback   bool
		err        error
	}{
		{"defaults", cs, pob.Policy{}, top(9, 8, 7, 6), top(0, 1, 2, 3, 4, 5), false, nil},
		{"sizes", cs, pob.Policy{BelievableSize: 2, NormalSize: 4}, top(9, 8), top(7, 6, 5, 4), false, nil},
		{"faulty excluded from believable", faulty, pob.Policy{BelievableSize: 2, NormalSize: 3}, top(8, 7), top(6, 5, 4), false, nil},
		{"min score", cs, pob.Policy{BelievableSize: 3, MinScore: 900, MinBelievable: 1, NormalSize: 2}, top(9, 8), top(7, 6), false, nil},
		{"fallback", cs, pob.Policy{BelievableSize: 3, MinScore: 950, MinBelievable: 2, NormalSize: 4}, nil, top(9, 8, 7, 6), true, nil},
		{"bad policy", cs, pob.Policy{BelievableSize: 1, MinBelievable: 2}, nil, nil, false, pob.ErrBadPolicy},
		{"bad probability", cs, pob.Policy{SamplePPM: pob.PPM + 1}, nil, nil, false, pob.ErrBadPolicy},
		{"duplicate", append(slices.Clone(cs), cs[0]), pob.Policy{}, nil, nil, false, pob.ErrBadPolicy},
		{"nobody normal", cs[:2], pob.Policy{BelievableSize: 2}, nil, nil, false, pob.ErrBadPolicy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := pob.SelectLeagues(tc.cands, tc.policy, nil)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.believable, nonNil(addrs(l.Believable)))
			require.Equal(t, tc.normal, addrs(l.Normal))
			require.Equal(t, tc.fallback, l.Fallback)
			// The input order does not matter.
			rev := slices.Clone(tc.cands)
			slices.Reverse(rev)
			l2, err := pob.SelectLeagues(rev, tc.policy, nil)
			require.NoError(t, err)
			require.Equal(t, addrs(l.Normal), addrs(l2.Normal))
			require.Equal(t, addrs(l.Believable), addrs(l2.Believable))
		})
	}
	// A custom score function swaps the ranking.
	l, err := pob.SelectLeagues(cs, pob.Policy{BelievableSize: 1, NormalSize: 1}, func(c pob.Candidate) uint64 { return 10_000 - c.Stake })
	require.NoError(t, err)
	require.Equal(t, top(0), addrs(l.Believable))
	require.Equal(t, top(1), addrs(l.Normal))
	require.Equal(t, uint32(100_000), l.SamplePPM)
}

func nonNil(a []common.Address) []common.Address {
	if len(a) == 0 {
		return nil
	}
	return a
}

func TestSampling(t *testing.T) {
	seed := pob.SampleSeed([]byte("proof"))
	for _, ppm := range []uint32{0, 1_000, 100_000, 500_000, 999_999, pob.PPM} {
		got := len(pob.SampleIndices(seed, 20_000, ppm))
		want := int(uint64(ppm) * 20_000 / pob.PPM)
		tol := 4*isqrt(want) + 1
		require.InDelta(t, want, got, float64(tol), "ppm %d", ppm)
	}
	require.Len(t, pob.SampleIndices(seed, 50, pob.PPM), 50)
	require.Empty(t, pob.SampleIndices(seed, 50, 0))
	// Different seeds draw different samples.
	other := pob.SampleSeed([]byte("other proof"))
	require.NotEqual(t, pob.SampleIndices(seed, 200, 300_000), pob.SampleIndices(other, 200, 300_000))

	ks := testKeys(2)
	block := common.HexToHash("0xabc")
	proof, err := pob.NewSigner(ks[0].sk).Sign(pob.SampleInput(testDomain, block))
	require.NoError(t, err)
	s, err := pob.VerifySample(nil, ks[0].pk, testDomain, block, proof)
	require.NoError(t, err)
	require.Equal(t, pob.SampleSeed(proof), s)
	_, err = pob.VerifySample(nil, ks[1].pk, testDomain, block, proof)
	require.ErrorIs(t, err, pob.ErrBadSignature)
	_, err = pob.VerifySample(pob.BLSVerifier{}, ks[0].pk, testDomain, common.HexToHash("0xabd"), proof)
	require.ErrorIs(t, err, pob.ErrBadSignature)
}

func isqrt(n int) int {
	r := 0
	for (r+1)*(r+1) <= n {
		r++
	}
	return r
}

func TestRoute(t *testing.T) {
	require.Equal(t, -1, pob.Route([]byte("tx"), 0))
	counts := make([]int, 4)
	for i := range 4000 {
		counts[pob.Route([]byte{byte(i), byte(i >> 8)}, 4)]++
	}
	for _, c := range counts {
		require.InDelta(t, 1000, c, 150)
	}
	require.Equal(t, pob.Route([]byte("same"), 7), pob.Route([]byte("same"), 7))
}
