package node

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/drand/kyber"
	"github.com/drand/kyber/xof/blake2xb"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/drp"
)

// BeaconCommittee bounds the randomness committee: the first validators of
// the set, at most this many, hold shares of the beacon key.
const BeaconCommittee = 10

// beacon is the epoch randomness: drp's threshold BLS beacon (drand's
// unchained scheme), round e giving epoch e's randomness. Every member signs
// a partial per round; any threshold of valid partials recover the round's
// signature, which anyone verifies with the group key, and the randomness
// is SHA-256 of it. Fewer than threshold members can neither predict nor
// bias it.
//
// The DKG that creates the group key runs at start, in process, for every
// committee member: the example network's validator keys derive from their
// indices, so every process can. A network whose keys are private runs the
// same drp.DKG state machines over the network instead; the rest of this
// type does not change. Each process then keeps only the shares of the
// validators it hosts.
type beacon struct {
	scheme *drp.Scheme
	group  *drp.Group
	shares []*drp.KeyShare // of the hosted committee members

	mu         sync.Mutex
	collectors map[uint64]*drp.RoundCollector
	done       map[uint64][]byte
}

// newBeacon runs the DKG of the committee over validators 0..size-1 and
// keeps the shares of the hosted ones (all in the local network).
func newBeacon(chainID uint64, size int, hosted func(i int) bool) (*beacon, error) {
	scheme := drp.MustScheme(drp.SchemeUnchainedG1)
	seed := func(kind string, i int) kyber.XOF {
		h := sha256.Sum256(fmt.Appendf(nil, "iostkit/drp/%s/%d/%d", kind, chainID, i))
		return blake2xb.New(h[:])
	}
	nonce := sha256.Sum256(fmt.Appendf(nil, "iostkit/drp/dkg/%d", chainID))
	members := make([]drp.Member, size)
	secrets := make([]kyber.Scalar, size)
	for i := range members {
		sk, pk := drp.NewLongtermKey(scheme, seed("longterm", i))
		secrets[i], members[i] = sk, drp.Member{Index: uint32(i), Public: pk}
	}
	cfgs := make([]drp.DKGConfig, size)
	for i := range cfgs {
		cfgs[i] = drp.DKGConfig{Scheme: scheme, Longterm: secrets[i], Members: members, Nonce: nonce[:], Rand: seed("poly", i)}
	}
	shares, err := drp.RunLocalDKG(cfgs)
	if err != nil {
		return nil, err
	}
	bc := &beacon{scheme: scheme, collectors: map[uint64]*drp.RoundCollector{}, done: map[uint64][]byte{}}
	for i, ks := range shares {
		bc.group = ks.Group()
		if hosted(i) {
			bc.shares = append(bc.shares, ks)
		}
	}
	return bc, nil
}

// partials signs round with every hosted share.
func (b *beacon) partials(round uint64) ([]*drp.Partial, error) {
	out := make([]*drp.Partial, 0, len(b.shares))
	for _, ks := range b.shares {
		p, err := drp.NewSigner(ks).SignPartial(round, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// add records a partial (own or received); invalid ones are refused.
// maxCollectors bounds the beacon rounds collected at once.
const maxCollectors = 64

func (b *beacon) add(p *drp.Partial) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.done[p.Round]; ok {
		return nil
	}
	c := b.collectors[p.Round]
	fresh := c == nil
	if fresh {
		c = drp.NewRoundCollector(b.group, p.Round, nil)
	}
	bc, err := c.Add(p)
	if err != nil {
		return err // a refused partial leaves no collector behind
	}
	if fresh {
		if len(b.collectors) >= maxCollectors {
			// Valid partials of many rounds at once: keep the latest rounds.
			low := p.Round
			for r := range b.collectors {
				low = min(low, r)
			}
			if low == p.Round {
				return nil
			}
			delete(b.collectors, low)
		}
		b.collectors[p.Round] = c
	}
	if bc != nil {
		if err := b.group.VerifyBeacon(bc); err != nil {
			return err
		}
		b.done[p.Round] = bc.Randomness()
		delete(b.collectors, p.Round)
	}
	return nil
}

// randomness returns round's randomness once recovered.
func (b *beacon) randomness(round uint64) ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	r, ok := b.done[round]
	return r, ok
}

// genesisRandomness seeds epoch 0, before any beacon round.
func genesisRandomness(chainID uint64) []byte {
	return crypto.Keccak256([]byte("iostkit/genesis-randomness/v1"), binary.BigEndian.AppendUint64(nil, chainID))
}
