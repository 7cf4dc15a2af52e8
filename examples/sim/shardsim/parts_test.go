package shardsim

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/eds"
)

func TestGeneratorCrossShare(t *testing.T) {
	tests := []struct {
		shards uint32
		cross  float64
	}{{1, 0.5}, {4, 0}, {4, 0.1}, {16, 0.5}, {8, 1}}
	for _, tc := range tests {
		g := generator{w: Workload{Rate: 100_000, CrossShare: tc.cross}.withDefaults(), acc: newAccounts(5000, tc.shards), rng: rand.New(rand.NewPCG(1, 2))}
		var total, cross int
		for range 10 {
			for _, a := range g.next(0) {
				total += a.n
				if a.from != a.to {
					cross += a.n
				}
			}
		}
		require.Equal(t, 10_000, total, "rate × batch × 10")
		want := tc.cross
		if tc.shards == 1 {
			want = 0
		}
		require.InDelta(t, want, float64(cross)/float64(total), 0.02, "%+v", tc)
	}
}

func TestAccountsFollowShardOf(t *testing.T) {
	acc := newAccounts(1000, 8)
	n := 0
	for s, ids := range acc.byShard {
		for _, i := range ids {
			require.Equal(t, uint32(s), eds.ShardOf(AccountAddress(int(i)), 8))
		}
		n += len(ids)
	}
	require.Equal(t, 1000, n)
}

func TestMempoolTake(t *testing.T) {
	var m mempool
	m.add(chunk{arrived: 1, n: 5})
	m.add(chunk{arrived: 2, n: 3})
	m.add(chunk{arrived: 3, n: 4, imp: true})
	m.add(chunk{n: 0})
	require.Equal(t, 12, m.size)
	got := m.take(6)
	require.Equal(t, []chunk{{arrived: 3, n: 4, imp: true}, {arrived: 1, n: 2}}, got, "imports first, then split")
	got = m.take(100)
	require.Equal(t, []chunk{{arrived: 1, n: 3}, {arrived: 2, n: 3}}, got)
	require.Zero(t, m.size)
	require.Empty(t, m.take(5))
}

func TestPayloadRoundTrip(t *testing.T) {
	s, id, ok := decodePayload(encodePayload(3, 42))
	require.True(t, ok)
	require.Equal(t, uint32(3), s)
	require.Equal(t, uint64(42), id)
	_, _, ok = decodePayload([]byte("not a sim batch!"))
	require.False(t, ok)
}

func TestHistogram(t *testing.T) {
	var h Histogram
	require.Zero(t, h.Quantile(0.5))
	for i := 1; i <= 100; i++ {
		h.Add(time.Duration(i)*time.Millisecond, 1)
	}
	h.Add(time.Second, 0) // ignored
	require.Equal(t, uint64(100), h.Count())
	require.Equal(t, 50500*time.Microsecond, h.Mean())
	require.InEpsilon(t, float64(50*time.Millisecond), float64(h.Quantile(0.5)), 0.03)
	require.InEpsilon(t, float64(99*time.Millisecond), float64(h.Quantile(0.99)), 0.03)
	require.Equal(t, 100*time.Millisecond, h.Quantile(1))
	st := h.Stats()
	require.Equal(t, 100.0, st.MaxMS)
	require.Equal(t, 50.5, st.MeanMS)
}
