package node

import (
	"encoding/binary"
	"fmt"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/pob"
	"github.com/iostkit/iostkit/token"
)

// ValidatorInfo is one validator of a shard as /validators shows it.
type ValidatorInfo struct {
	ID      string `json:"id"`
	Account string `json:"account"`
	Shard   uint32 `json:"shard"`
	Epoch   uint64 `json:"epoch"`
	League  string `json:"league"` // believable or normal
	Score   uint64 `json:"score"`
	Stake   string `json:"stake"`
}

// Validators lists each shard's current leagues with believability scores.
func (n *Node) Validators() []ValidatorInfo {
	n.mu.Lock()
	defer n.mu.Unlock()
	byAddr := map[common.Address]*Validator{}
	for i := range n.validators {
		byAddr[n.validators[i].Account] = &n.validators[i]
	}
	var out []ValidatorInfo
	for s, se := range n.epochs {
		for _, l := range []struct {
			name    string
			members []pob.Member
		}{{"believable", se.Leagues.Believable}, {"normal", se.Leagues.Normal}} {
			for _, m := range l.members {
				v := byAddr[m.Address]
				out = append(out, ValidatorInfo{
					ID: v.ID, Account: m.Address.Hex(), Shard: uint32(s), Epoch: se.Epoch, League: l.name,
					Score: pob.DefaultScore(pob.Candidate{Stake: uint64(v.Stake / token.Unit)}), Stake: v.Stake.String(),
				})
			}
		}
	}
	return out
}

// EpochInfo is the current epoch and the randomness it was drawn from.
type EpochInfo struct {
	Epoch      uint64 `json:"epoch"`
	Randomness string `json:"randomness"`
	Source     string `json:"source"`
}

// EpochInfo reports the lowest current epoch and its randomness.
func (n *Node) EpochInfo() EpochInfo {
	e := n.Epoch()
	r, err := n.randomness(e)
	if err != nil {
		return EpochInfo{Epoch: e, Source: err.Error()}
	}
	return EpochInfo{Epoch: e, Randomness: hexBytes(r), Source: n.randomnessSource(e)}
}

// Validator is a member of the deterministic validator set of the example
// network: validator i's keys derive from i, so every process knows every
// validator's public key, and process i holds validator i's private key.
// (A production network registers keys on chain instead.)
type Validator struct {
	Index   int
	ID      string
	Account common.Address // where token keeps its stake
	Public  kyber.Point    // BLS12-381 key on G2, for pob
	secret  kyber.Scalar
	Stake   token.Amount
}

// ValidatorSet returns validators 0..n-1. Stakes differ slightly so league
// selection by believability is deterministic and visible.
func ValidatorSet(n int) []Validator {
	out := make([]Validator, n)
	for i := range out {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		sk, pk := pob.NewKeyPair(append([]byte("iostkit/validator-bls/v1/"), b[:]...))
		acct, err := crypto.ToECDSA(crypto.Keccak256([]byte("iostkit/validator-account/v1"), b[:]))
		if err != nil {
			panic(err)
		}
		out[i] = Validator{
			Index: i, ID: ValidatorID(i), Account: crypto.PubkeyToAddress(acct.PublicKey),
			Public: pk, secret: sk, Stake: token.IOST(100_000 + 1_000*uint64(n-i)),
		}
	}
	return out
}

// ValidatorID names validator i.
func ValidatorID(i int) string { return fmt.Sprintf("v%02d", i) }

// stakes lists the validators' genesis bonds.
func stakes(vs []Validator) []chain.Stake {
	out := make([]chain.Stake, len(vs))
	for i, v := range vs {
		out[i] = chain.Stake{Validator: v.Account, Amount: v.Stake}
	}
	return out
}

// MinShardSize is the smallest committee eds assignment is used for: with
// fewer validators than Shards×MinShardSize the network is too small to
// split, and every validator serves every shard (replicated mode, the case
// of a 4-process test network).
const MinShardSize = 4

// shardMembers returns the validators serving shard s in epoch e, from the
// epoch randomness rnd.
func shardMembers(vs []Validator, rnd []byte, e uint64, shards, s uint32) ([]Validator, error) {
	if len(vs) < int(shards)*MinShardSize {
		return vs, nil
	}
	ev := make([]eds.Validator, len(vs))
	for i, v := range vs {
		ev[i] = eds.Validator{ID: v.ID, Weight: uint64(v.Stake / token.Unit)}
	}
	a, err := eds.Assign(ev, rnd, e, shards)
	if err != nil {
		return nil, err
	}
	var out []Validator
	for _, m := range a.Shards[s] {
		var i int
		if _, err := fmt.Sscanf(m.ID, "v%d", &i); err != nil {
			return nil, err
		}
		out = append(out, vs[i])
	}
	return out, nil
}

// leagues splits a shard's members into pob's leagues by believability
// (pob.DefaultScore over the genesis stake).
func leagues(members []Validator, believable int) (pob.Leagues, error) {
	cands := make([]pob.Candidate, len(members))
	for i, v := range members {
		cands[i] = pob.Candidate{Address: v.Account, PublicKey: v.Public, Stake: uint64(v.Stake / token.Unit)}
	}
	policy := pob.Policy{BelievableSize: max(believable, 1), MinBelievable: 1}
	if believable <= 0 {
		policy.MinScore = ^uint64(0) // nobody qualifies: one league
	}
	return pob.SelectLeagues(cands, policy, nil)
}

// Directory maps every validator's account to its index, which fixes its
// network identity.
func (n *Node) Directory() map[common.Address]int {
	out := make(map[common.Address]int, len(n.validators))
	for _, v := range n.validators {
		out[v.Account] = v.Index
	}
	return out
}

// Directory is Node.Directory for a validator set of size n, for wiring a
// transport before the node exists.
func Directory(n int) map[common.Address]int {
	out := make(map[common.Address]int, n)
	for _, v := range ValidatorSet(n) {
		out[v.Account] = v.Index
	}
	return out
}
