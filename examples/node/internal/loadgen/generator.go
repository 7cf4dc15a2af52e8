package loadgen

import (
	"crypto/ecdsa"
	"encoding/binary"
	"errors"
	"sync"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
)

// ErrNoAccounts means a generator without enough accounts to pair.
var ErrNoAccounts = errors.New("loadgen: need at least two accounts on some shard")

// Account is a sender the generator signs for.
type Account struct {
	Key   *ecdsa.PrivateKey
	Addr  common.Address
	Shard uint32
}

// Generator produces signed transfers. It is safe for concurrent use.
type Generator struct {
	chainID  uint64
	shards   uint32
	crossPct uint64
	accounts []Account
	byShard  [][]int
	mu       sync.Mutex
	nonces   map[common.Address]uint64
	seq      uint64
	seed     [32]byte
	spread   bool // accounts live on more than one shard
}

// New returns a generator over keys for a chain of shards shards, making
// crossPct percent of transfers cross-shard. seed makes the choice of
// pairs reproducible (the choices go through keccak256, not math/rand).
func New(chainID uint64, shards uint32, keys []*ecdsa.PrivateKey, crossPct int, seed uint64) (*Generator, error) {
	g := &Generator{chainID: chainID, shards: shards, crossPct: uint64(crossPct), byShard: make([][]int, shards), nonces: map[common.Address]uint64{}}
	binary.BigEndian.PutUint64(g.seed[:], seed)
	ok := false
	for i, k := range keys {
		a := crypto.PubkeyToAddress(k.PublicKey)
		s := eds.ShardOf(a, shards)
		g.accounts = append(g.accounts, Account{Key: k, Addr: a, Shard: s})
		g.byShard[s] = append(g.byShard[s], i)
		ok = ok || len(g.byShard[s]) >= 2
	}
	for s := range g.byShard {
		g.spread = g.spread || (len(g.byShard[s]) > 0 && len(g.byShard[s]) < len(keys))
	}
	if !ok {
		return nil, ErrNoAccounts
	}
	return g, nil
}

// SetNonce sets the next nonce the generator uses for addr (after reading it
// from the node, or after a refused transaction).
func (g *Generator) SetNonce(addr common.Address, n uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nonces[addr] = n
}

// Accounts returns the generator's accounts.
func (g *Generator) Accounts() []Account { return append([]Account(nil), g.accounts...) }

func (g *Generator) draw(n uint64) uint64 {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	h := crypto.Keccak256(g.seed[:], b[:])
	return binary.BigEndian.Uint64(h[:8])
}

// Next signs the next transfer of amount base units. The sender's nonce
// advances locally.
func (g *Generator) Next(amount uint64) (*txn.Tx, error) {
	g.mu.Lock()
	g.seq++
	r := g.draw(g.seq)
	from := g.accounts[r%uint64(len(g.accounts))]
	cross := g.spread && (r>>32)%100 < g.crossPct
	var to Account
	local := g.byShard[from.Shard]
	switch {
	case cross:
		for {
			to = g.accounts[(r>>40+uint64(g.seq))%uint64(len(g.accounts))]
			if to.Shard != from.Shard {
				break
			}
			g.seq++
			r = g.draw(g.seq)
		}
	case len(local) >= 2:
		j := local[(r>>40)%uint64(len(local))]
		if g.accounts[j].Addr == from.Addr {
			j = local[((r>>40)+1)%uint64(len(local))]
		}
		to = g.accounts[j]
	default:
		g.mu.Unlock()
		return g.Next(amount) // this sender has no neighbour on its shard
	}
	nonce := g.nonces[from.Addr]
	g.nonces[from.Addr] = nonce + 1
	g.mu.Unlock()
	return txn.Sign(txn.Unsigned{ChainID: g.chainID, Shard: from.Shard, Nonce: nonce, To: to.Addr, Amount: amount}, from.Key)
}
