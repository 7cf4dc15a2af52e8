package harness

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// Genesis reads the balances the load's accounts hold before any load:
// the replay's starting point.
func Genesis(ctx context.Context, n *Network, l *Load) (map[common.Address]uint64, error) {
	out := map[common.Address]uint64{}
	for _, a := range l.Accounts() {
		acct, err := n.Nodes[0].API.Account(ctx, a)
		if err != nil {
			return nil, err
		}
		out[a] = acct.BalanceBase
	}
	return out, nil
}

// settleStall is how long a sender's ledger nonce must stand still while
// settling before the harness offers its transfers again as a wallet would.
const settleStall = 15 * time.Second

// Settle waits, after the load stopped, until no node holds transfers in
// its mempool or cross-shard credits in flight. Senders whose transfers
// wait behind a nonce a crash lost get a fresh transfer at that nonce
// (FillGaps). It returns how long that took, or an error after bound.
func Settle(ctx context.Context, n *Network, l *Load, bound time.Duration) (time.Duration, error) {
	start := time.Now()
	for {
		pool, inflight, answered := 0, 0, 0
		for _, nd := range n.Nodes {
			cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			st, err := nd.API.Status(cctx)
			cancel()
			if err != nil {
				continue
			}
			answered++
			inflight += st.CrossBacklog
			for _, s := range st.Shards {
				pool += s.Mempool
			}
		}
		if answered == len(n.Nodes) && pool == 0 && inflight == 0 {
			return time.Since(start), nil
		}
		if time.Since(start) > bound {
			return time.Since(start), fmt.Errorf("not settled after %s: %d of %d nodes answer, %d transfers in mempools, %d credits in flight", bound, answered, len(n.Nodes), pool, inflight)
		}
		if pool > 0 {
			// The nodes re-gossip what waits in their pools (every 2 s,
			// backing off); a wallet steps in only for senders stalled
			// longer than that, e.g. when a crash lost a transfer.
			l.FillGaps(ctx, settleStall)
		}
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// Audit is the outcome of the end-of-run checks.
type Audit struct {
	// Heights is the common finalized height checked on each shard.
	Heights []uint64
	// BlocksCompared counts (node, shard, height) blocks compared.
	BlocksCompared int
	// Transfers is the number of user transfers in the chain; OK of them
	// executed, Failed were finalized but refused by execution (e.g. a
	// second transfer with an already used nonce).
	Transfers, OK, Failed int
	// Cross is the number of executed cross-shard exports; Credits the
	// credits applied for them.
	Cross, Credits int
	// Supply is the sum of the load's accounts' balances on every node at
	// the end, and GenesisSupply the sum before the load.
	Supply, GenesisSupply uint64
	// Violations lists every broken property.
	Violations []string
}

type chainView struct {
	blocks [][]Block // per shard, index height-1, from the reference node
}

// AuditChain compares every node's finalized blocks, replays the chain
// from genesis against the load's records, and compares the replayed
// balances with what every node serves. Call it after Settle.
func AuditChain(ctx context.Context, n *Network, l *Load, genesis map[common.Address]uint64) Audit {
	var a Audit
	bad := func(format string, args ...any) { a.Violations = append(a.Violations, fmt.Sprintf(format, args...)) }
	shards := n.M.Shards
	a.Heights = make([]uint64, shards)
	for s := range a.Heights {
		a.Heights[s] = ^uint64(0)
	}
	for _, nd := range n.Nodes {
		st, err := nd.API.Status(ctx)
		if err != nil {
			bad("node %d: status: %v", nd.Index, err)
			return a
		}
		for _, s := range st.Shards {
			a.Heights[s.Shard] = min(a.Heights[s.Shard], s.Height)
		}
	}
	// Every node's hash at every height of every shard.
	hashes := make([][][]common.Hash, len(n.Nodes)) // node, shard, height-1
	view := &chainView{blocks: make([][]Block, shards)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, nd := range n.Nodes {
		hashes[i] = make([][]common.Hash, shards)
		for s := 0; s < shards; s++ {
			hashes[i][s] = make([]common.Hash, a.Heights[s])
			wg.Add(1)
			go func() {
				defer wg.Done()
				var blocks []Block
				for h := uint64(1); h <= a.Heights[s]; h++ {
					b, err := getBlock(ctx, nd, uint32(s), h)
					if err != nil {
						mu.Lock()
						bad("node %d shard %d height %d: %v", i, s, h, err)
						mu.Unlock()
						return
					}
					hashes[i][s][h-1] = b.Hash
					if i == 0 {
						blocks = append(blocks, b)
					}
				}
				if i == 0 {
					view.blocks[s] = blocks
				}
			}()
		}
	}
	wg.Wait()
	if len(a.Violations) > 0 {
		return a
	}
	for s := 0; s < shards; s++ {
		for h := uint64(1); h <= a.Heights[s]; h++ {
			for i := range n.Nodes {
				a.BlocksCompared++
				if hashes[i][s][h-1] != hashes[0][s][h-1] {
					bad("shard %d height %d: node %d has block %s, node 0 has %s", s, h, i, hashes[i][s][h-1].Hex()[:10], hashes[0][s][h-1].Hex()[:10])
				}
			}
			if b := view.blocks[s][h-1]; h > 1 && b.Parent != view.blocks[s][h-2].Hash {
				bad("shard %d height %d: parent %s is not block %d", s, h, b.Parent.Hex()[:10], h-1)
			}
		}
	}
	if len(a.Violations) > 0 {
		return a
	}

	// Replay: per shard and height, the balance changes of each block.
	type delta struct {
		addr common.Address
		d    int64
	}
	deltas := make([][][]delta, shards)
	executed := map[common.Hash]int{}
	exports := map[common.Hash]TxRecord{}
	credited := map[common.Hash]int{}
	for s := 0; s < shards; s++ {
		deltas[s] = make([][]delta, len(view.blocks[s]))
		for hi, b := range view.blocks[s] {
			for _, r := range b.Txs {
				switch r.Kind {
				case "atomix":
					continue // atomix protocol traffic: moves no balance
				case "credit":
					if !r.OK {
						continue
					}
					c := r.Credit
					if c == nil {
						bad("shard %d height %d: credit receipt %s without its credit", s, b.Height, r.Hash.Hex()[:10])
						continue
					}
					credited[c.TxHash]++
					deltas[s][hi] = append(deltas[s][hi], delta{c.To, int64(c.Amount)})
					a.Credits++
					x, ok := l.Record(c.TxHash)
					switch {
					case !ok:
						bad("shard %d height %d: credit for unknown transfer %s", s, b.Height, c.TxHash.Hex()[:10])
					case x.To != c.To || x.Amount != c.Amount || x.FromShard != c.FromShard || x.ToShard != uint32(s):
						bad("shard %d height %d: credit %+v does not match transfer %+v", s, b.Height, *c, x)
					}
				default:
					a.Transfers++
					x, ok := l.Record(r.Hash)
					if !ok {
						bad("shard %d height %d: transfer %s the harness never signed", s, b.Height, r.Hash.Hex()[:10])
						continue
					}
					if !r.OK {
						a.Failed++
						continue
					}
					a.OK++
					executed[r.Hash]++
					if executed[r.Hash] > 1 {
						bad("transfer %s executed twice", r.Hash.Hex()[:10])
					}
					deltas[s][hi] = append(deltas[s][hi], delta{x.From, -int64(x.Amount)})
					if x.Cross() {
						exports[r.Hash] = x
						a.Cross++
					} else {
						deltas[s][hi] = append(deltas[s][hi], delta{x.To, int64(x.Amount)})
					}
				}
			}
		}
	}
	for h, x := range exports {
		if credited[h] != 1 {
			bad("cross-shard transfer %s (shard %d → %d, %d): credited %d times", h.Hex()[:10], x.FromShard, x.ToShard, x.Amount, credited[h])
		}
	}
	for h, c := range credited {
		if _, ok := exports[h]; !ok {
			bad("credit of %s (%d times) without an executed export", h.Hex()[:10], c)
		}
	}

	// Balances: every node's answer against the replay up to the height
	// the node answered at.
	extend := func(s int, h uint64) error {
		for uint64(len(view.blocks[s])) < h {
			next := uint64(len(view.blocks[s])) + 1
			b, err := getBlock(ctx, n.Nodes[0], uint32(s), next)
			if err != nil {
				return err
			}
			view.blocks[s] = append(view.blocks[s], b)
			var ds []delta
			for _, r := range b.Txs {
				// atomix protocol traffic (acknowledgements, retransmissions)
				// goes on after settling and moves no balance
				if r.OK && r.Kind != "atomix" {
					bad("shard %d height %d: a %s finalized after the chain settled (%s)", s, next, r.Kind, r.Hash.Hex()[:10])
				}
			}
			deltas[s] = append(deltas[s], ds)
		}
		return nil
	}
	for _, addr := range l.Accounts() {
		a.GenesisSupply += genesis[addr]
	}
	for i, nd := range n.Nodes {
		var supply uint64
		for _, addr := range l.Accounts() {
			acct, err := nd.API.Account(ctx, addr)
			if err != nil {
				bad("node %d: account %s: %v", i, addr.Hex()[:10], err)
				continue
			}
			s := int(acct.Shard)
			if err := extend(s, acct.Height); err != nil {
				bad("node %d: shard %d block %d: %v", i, s, acct.Height, err)
				continue
			}
			want := int64(genesis[addr])
			for h := uint64(0); h < acct.Height && h < uint64(len(deltas[s])); h++ {
				for _, d := range deltas[s][h] {
					if d.addr == addr {
						want += d.d
					}
				}
			}
			if int64(acct.BalanceBase) != want {
				bad("node %d: %s balance %d at height %d, the chain's replay gives %d", i, addr.Hex()[:10], acct.BalanceBase, acct.Height, want)
			}
			supply += acct.BalanceBase
		}
		if i == 0 {
			a.Supply = supply
		}
		if supply != a.GenesisSupply {
			bad("node %d: the accounts hold %d, %d at genesis (nothing in flight after settling)", i, supply, a.GenesisSupply)
		}
	}
	return a
}

func getBlock(ctx context.Context, nd *Node, s uint32, h uint64) (Block, error) {
	var err error
	for try := 0; try < 5; try++ {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		var b Block
		b, err = nd.API.Block(cctx, s, h)
		cancel()
		if err == nil {
			return b, nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return Block{}, err
}
