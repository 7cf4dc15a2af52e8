package node

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

// TestProposersSkipTransfersInFlight is reliability finding 4: a transfer
// in a block not executed yet was offered again — by the producer once 64
// heights had passed, by every other proposer at once — so it was
// finalized twice and the copy failed on its nonce. Every proposer of the
// shard now shares one record of the blocks to be executed; a transfer is
// offered again only when no such block holds it, so nothing is offered
// twice and nothing is held back.
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
	var all [][]byte
	for _, from := range senders {
		for nonce := uint64(0); nonce < 3; nonce++ {
			tx, err := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: 0, Nonce: nonce, To: chain.DemoAddress(15), Amount: 1}, chain.DemoKey(from))
			require.NoError(t, err)
			require.NoError(t, n.Submit(tx))
			all = append(all, tx.Bytes())
		}
	}
	fl := newFlight()
	producer := newApp(n, sh, fl, 0, 1)
	proposer := newApp(n, sh, fl, -1, 1) // a normal-league proposer shares the record

	hashes := func(txs [][]byte) map[common.Hash]bool {
		out := map[common.Hash]bool{}
		for _, raw := range txs {
			out[txHash(raw)] = true
		}
		return out
	}
	disjoint := func(a, b [][]byte) {
		t.Helper()
		ha := hashes(a)
		for h := range hashes(b) {
			require.False(t, ha[h], "offered while in flight")
		}
	}

	// The producer's optimistic block: noted as it is proposed (and again,
	// changing nothing, when the runner sees it arrive).
	opt := producer.Propose(10, 4)
	require.Len(t, opt, 4, "two per sender, one sender per round")
	optID := contentID(opt)
	require.Equal(t, 1, fl.size(), "noted at once")
	fl.note(optID, sh.Pool(), opt, true)
	require.Equal(t, 1, fl.size())

	// A payload comes after the block's optimistic blocks, and this one is
	// not finalized yet: however many heights later, a normal-league
	// proposer takes nothing from its senders (a later nonce would run
	// before it and fail).
	require.Empty(t, proposer.Propose(10_000, 16))

	// Finalized, it runs before any later payload: the rest may follow.
	proposer.Committed(pob.Block{Height: 9_999, Optimistic: []pob.OptimisticBlock{{Txs: opt}}})
	rest := proposer.Propose(10_000, 16)
	require.Len(t, rest, 2)
	disjoint(opt, rest)

	// A proposal that is not finalized holds nothing back: the next round
	// offers the same transfers.
	require.ElementsMatch(t, rest, proposer.Propose(10_000, 16))

	// A finalized payload is noted before the next height's proposal.
	proposer.Committed(pob.Block{Height: 10_000, Payload: rest})
	require.Empty(t, proposer.Propose(10_001, 16), "everything is in a block to be executed")
	require.Empty(t, producer.Propose(10_001, 16))

	// Executed: the ledger would say where the senders stand. (Here it did
	// not move: as if height 10,000 failed them, they are offered again.)
	fl.release(payloadID(10_000))
	require.ElementsMatch(t, rest, proposer.Propose(10_002, 16), "not in any block to be executed: offered at once")

	// Executed or discarded, the optimistic block no longer holds its transfers.
	fl.release(optID)
	require.Len(t, proposer.Propose(10_003, 16), len(all))
	require.Zero(t, fl.size())

	// Noting twice counts once; the ledger is the floor; a committee
	// change forgets everything.
	fl.note(optID, sh.Pool(), opt, true)
	fl.note(optID, sh.Pool(), opt, true)
	from := senderOf(t, opt[0])
	require.EqualValues(t, 2, fl.nonce(from, 0, false))
	require.EqualValues(t, blocked, fl.nonce(from, 0, true))
	require.EqualValues(t, 7, fl.nonce(from, 7, false))
	fl.release(optID)
	require.EqualValues(t, 0, fl.nonce(from, 0, true), "released once, gone")
	fl.note(optID, sh.Pool(), opt, true)
	fl.reset()
	require.EqualValues(t, 0, fl.nonce(from, 0, true))

	// The believable producer goes on past its own pending blocks: they
	// are finalized in order.
	first := producer.Propose(20_000, 4)
	second := producer.Propose(20_001, 4)
	require.Len(t, first, 4)
	require.Len(t, second, 2)
	disjoint(first, second)
}

func senderOf(t *testing.T, raw []byte) common.Address {
	t.Helper()
	tx, err := txn.Decode(raw)
	require.NoError(t, err)
	return tx.From()
}

// TestNoTransferFinalizedTwice drives a local shard tick by tick and
// submits transfers just before ticks in which the believable producer
// makes an optimistic block: the producer proposes them, and within the
// same pass — before the runner sees that block — a fallback proposer is
// asked for content. It used to take them too, so they were finalized
// twice and the copies failed (found with the node's loop counters).
func TestNoTransferFinalizedTwice(t *testing.T) {
	n, err := New(config.Config{Shards: 2, Backend: "memdb", DemoAccounts: 16, Load: config.Load{Rate: -1}}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, n.Close()) })
	var senders []int
	for i := range 16 {
		if eds.ShardOf(chain.DemoAddress(i), 2) == 0 {
			senders = append(senders, i)
		}
	}
	require.GreaterOrEqual(t, len(senders), 5)
	r := n.runners[0]
	nonce := map[int]uint64{}
	submitted := 0
	for tick := 0; tick < 12; tick++ {
		if tick == 3 || tick == 5 || tick == 7 {
			for j := 0; j < 4; j++ {
				from, to := senders[j], senders[j+1]
				tx, err := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: 0, Nonce: nonce[from], To: chain.DemoAddress(to), Amount: 1}, chain.DemoKey(from))
				require.NoError(t, err)
				require.NoError(t, r.shard.Submit(tx))
				nonce[from]++
				submitted++
			}
		}
		require.NoError(t, r.tick())
	}
	require.EqualValues(t, submitted, n.finalTxs.Load(), "every transfer finalized")
	require.Zero(t, n.failedTxs.Load(), "none twice")
}
