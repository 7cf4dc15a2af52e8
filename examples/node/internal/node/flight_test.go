package node

import (
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

// TestProposersSkipTransfersInFlight is reliability finding 4: a transfer
// already in a pending optimistic block was offered again once 64 heights
// had passed (about 3 s at the local chain's pace, while optimistic blocks
// wait seconds for finality under load), so it was finalized twice and
// the copy failed on its nonce. Every proposer of the shard now shares one
// record of what is in flight, and a transfer is offered again only when
// the record expires or the committee changes.
func TestProposersSkipTransfersInFlight(t *testing.T) {
	const shards = 2
	n, err := New(config.Config{Shards: shards, Validators: 4, Backend: "memdb", DemoAccounts: 16, Load: config.Load{Rate: -1}}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, n.Close()) })

	var senders []int
	for i := 0; len(senders) < 2 && i < 15; i++ {
		if eds.ShardOf(chain.DemoAddress(i), shards) == 0 {
			senders = append(senders, i)
		}
	}
	sh := n.Shards()[0]
	var all []*txn.Tx
	for _, from := range senders {
		for nonce := uint64(0); nonce < 3; nonce++ {
			tx, err := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: 0, Nonce: nonce, To: chain.DemoAddress(15), Amount: 1}, chain.DemoKey(from))
			require.NoError(t, err)
			require.NoError(t, n.Submit(tx))
			all = append(all, tx)
		}
	}
	now := time.Unix(1_000_000, 0)
	fl := newFlight()
	fl.now = func() time.Time { return now }
	producer := newApp(n, sh, fl, 0, 1)
	fallback := newApp(n, sh, fl, -1, 1) // the normal league's proposer shares the record

	hashes := func(txs [][]byte) []common.Hash {
		var out []common.Hash
		for _, raw := range txs {
			out = append(out, txHash(raw))
		}
		return out
	}
	first := producer.Propose(10, 4)
	require.Len(t, first, 4, "two per sender, one sender per round")

	tests := []struct {
		name   string
		app    *app
		height uint64
		after  time.Duration
		want   int
	}{
		{"same producer, next height: only what is left", producer, 11, 0, 2},
		{"far later height, same time: nothing is offered twice", producer, 10_000, time.Second, 0},
		{"another proposer of the shard: nothing either", fallback, 10_001, time.Second, 0},
		{"the record expired: offered again (a payload proposal)", fallback, 10_002, flightTTL, 6},
		{"another round of the same height: the same payload again", fallback, 10_002, 0, 6},
		{"the next height: the last height's proposal may be the committed block", fallback, 10_003, 0, 0},
		{"two heights on: that proposal was committed (and noted) or lost", fallback, 10_004, 0, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now = now.Add(tt.after)
			got := tt.app.Propose(tt.height, 16)
			require.Len(t, got, tt.want)
			if tt.want > 0 && tt.want < len(all) {
				for _, h := range hashes(got) {
					require.NotContains(t, hashes(first), h, "offered while in flight")
				}
			}
		})
	}

	// A finalized payload noted on arrival is in flight too; a committee
	// change forgets everything.
	fl.reset()
	fl.note(sh.Pool(), [][]byte{all[0].Bytes(), all[1].Bytes()})
	require.Equal(t, uint64(2), fl.nonce(all[0].From(), 0, 1))
	require.Equal(t, uint64(5), fl.nonce(all[0].From(), 5, 1), "never below the ledger")
	fl.gc(func(common.Address) uint64 { return 2 })
	require.Zero(t, fl.size(), "the ledger passed every mark")
}
