package engines

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iostkit/iostkit/examples/sim/shardsim"
	"github.com/iostkit/iostkit/pob"
)

func newPoB(t *testing.T, believable func(int) int) *Protocol {
	p, err := New(Options{Name: "pob", New: func(cfg pob.Config) (pob.Engine, error) { return pob.New(cfg) }, Believable: believable})
	require.NoError(t, err)
	return p
}

func TestNewRejects(t *testing.T) {
	_, err := New(Options{Name: "x"})
	require.Error(t, err)
	_, err = New(Options{New: func(pob.Config) (pob.Engine, error) { return nil, nil }})
	require.Error(t, err)
}

func TestLeagues(t *testing.T) {
	tests := []struct {
		name       string
		believable func(int) int
		size       int
		producers  int
		committee  int
	}{
		{"two leagues", func(n int) int { return n / 4 }, 8, 2, 6},
		{"one league", nil, 4, 0, 4},
		{"capped below size", func(n int) int { return n }, 4, 3, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newPoB(t, tc.believable)
			producers, members := 0, 0
			for m := range tc.size {
				e, err := p.NewEngine(0, m, tc.size, 1)
				require.NoError(t, err)
				a := e.(*adapter)
				if a.producer {
					producers++
					require.Less(t, m, tc.producers, "the best-staked members are believable")
					require.True(t, a.WantsPayload())
				}
				if a.inCommittee {
					members++
					require.Equal(t, tc.size-tc.producers, a.committeeSize)
				}
			}
			require.Equal(t, tc.producers, producers)
			require.Equal(t, tc.committee, members)
		})
	}
}

func TestKeysStableAndTwinsShareThem(t *testing.T) {
	p := newPoB(t, nil)
	a := p.key(1, 0, 2)
	require.Equal(t, a.addr, p.key(1, 0, 2).addr)
	require.NotEqual(t, a.addr, p.key(1, 1, 2).addr)
	require.NotEqual(t, a.addr, p.key(2, 0, 2).addr)
}

func TestCachedVerifier(t *testing.T) {
	sk, pk := pob.NewKeyPair([]byte("k"))
	msg := []byte("m")
	sig, err := pob.NewSigner(sk).Sign(msg)
	require.NoError(t, err)
	c := NewCachedVerifier(pob.BLSVerifier{})
	require.NoError(t, c.Verify(pk, msg, sig))
	require.NoError(t, c.Verify(pk, msg, sig))
	require.Equal(t, uint64(1), c.Hits)
	require.Equal(t, uint64(1), c.Misses)
	bad := append([]byte(nil), sig...)
	bad[len(bad)-1] ^= 1
	require.Error(t, c.Verify(pk, msg, bad))
	require.Error(t, c.Verify(pk, msg, bad), "a failure is remembered as a failure")
	require.Error(t, c.Verify(pk, []byte("other"), sig))
}

func TestAppProposeAndValidate(t *testing.T) {
	var a simApp
	require.ErrorIs(t, a.Validate([]byte("nope")), ErrNotABatch)
	require.Empty(t, a.Propose(1, 10))
	a.queue = [][]byte{[]byte("a"), []byte("b"), []byte("c")}
	require.Len(t, a.Propose(1, 2), 2)
	require.Len(t, a.Propose(1, 2), 1)
	require.Empty(t, a.queue)
}

func TestMeta(t *testing.T) {
	p := newPoB(t, nil)
	vote := pob.Message{Kind: pob.KindVote, Vote: &pob.Vote{Type: pob.Prevote, Sig: make([]byte, 48)}}
	m := p.Meta(vote)
	require.Equal(t, "vote", m.Kind)
	require.Equal(t, 1, m.Sigs)
	require.Positive(t, m.Size)
	opt := pob.Message{Kind: pob.KindOptimistic, Optimistic: &pob.OptimisticBlock{Txs: [][]byte{{1}, {2}}, Sig: make([]byte, 48)}}
	m = p.Meta(opt)
	require.Len(t, m.Payloads, 2)
	var _ shardsim.Sampler = (*adapter)(nil)
}
