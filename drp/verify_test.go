package drp

import (
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// VerifyRound is one BLS verification: it must cost at most twice kyber's
// own (the bound). Interleaved timings and medians keep the check
// robust on a shared machine; BenchmarkVerifyRound gives the figures.
func TestVerifyRoundCostWithinTwiceKyber(t *testing.T) {
	s := MustScheme(SchemeUnchainedG1)
	_, shares := runFreshDKG(t, s, 3, 2, "cost")
	g := shares[0].Group()
	b := beaconFrom(t, shares, 11, nil)
	v, err := NewVerifier(s, g.PublicKeyBytes())
	require.NoError(t, err)
	pub, msg := g.PublicKey(), s.Digest(b.Round, nil)
	const k = 15
	ours, theirs := make([]time.Duration, k), make([]time.Duration, k)
	for i := range k {
		t0 := time.Now()
		require.NoError(t, v.VerifyRound(b))
		t1 := time.Now()
		require.NoError(t, s.tbls.VerifyRecovered(pub, msg, b.Signature))
		ours[i], theirs[i] = t1.Sub(t0), time.Since(t1)
	}
	med := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	require.LessOrEqual(t, float64(med(ours)), 2*float64(med(theirs)), "VerifyRound %v vs kyber %v", med(ours), med(theirs))
}
