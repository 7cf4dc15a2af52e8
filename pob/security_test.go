package pob_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

// txs returns n valid transactions.
func txs(n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte{1, byte(i)}
	}
	return out
}

// prevoteFor steps a proposal of b into a fresh engine of member 2 and
// returns the block its prevote names (zero: a nil prevote).
func prevoteFor(t *testing.T, cfg pob.Config, ks []testKey, b pob.Block) common.Hash {
	e, err := pob.New(cfg)
	require.NoError(t, err)
	_, _ = drainVotes(e)
	require.NoError(t, e.Step(signedProposal(t, ks, 1, b)))
	votes, _ := drainVotes(e)
	require.Len(t, votes, 1)
	require.Equal(t, pob.Prevote, votes[0].Type)
	return votes[0].Block
}

// TestOversizedBlockRefused: a validator prevotes nil for a proposed block
// that carries more than Config.MaxTxs transactions, in its fallback
// payload (one-league mode) or in one of its optimistic blocks (two-league
// mode), and prevotes the same block at exactly MaxTxs.
func TestOversizedBlockRefused(t *testing.T) {
	ks := testKeys(6)
	const max = 4

	t.Run("fallback payload", func(t *testing.T) {
		cfg := engineConfig(ks[:4], 2)
		cfg.MaxTxs = max
		ok := pob.Block{Domain: testDomain, Height: 1, Builder: 1, Payload: txs(max)}
		big := pob.Block{Domain: testDomain, Height: 1, Builder: 1, Payload: txs(max + 1)}
		require.Equal(t, ok.Hash(), prevoteFor(t, cfg, ks, ok))
		require.Equal(t, common.Hash{}, prevoteFor(t, cfg, ks, big))
	})

	t.Run("optimistic block", func(t *testing.T) {
		cfg := engineConfig(ks[:4], 2)
		cfg.MaxTxs = max
		cfg.Believable = []pob.Member{{Address: ks[4].adr, PublicKey: ks[4].pk}, {Address: ks[5].adr, PublicKey: ks[5].pk}}
		block := func(n int) pob.Block {
			o := signedOptimistic(t, ks[4], 0, 1, txs(n)...)
			return pob.Block{Domain: testDomain, Height: 1, Builder: 1, Optimistic: []pob.OptimisticBlock{o}}
		}
		ok, big := block(max), block(max+1)
		require.Equal(t, ok.Hash(), prevoteFor(t, cfg, ks, ok))
		require.Equal(t, common.Hash{}, prevoteFor(t, cfg, ks, big))
	})
}
