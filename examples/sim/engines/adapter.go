package engines

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/iostkit/iostkit/examples/sim/shardsim"
	"github.com/iostkit/iostkit/pob"
)

// Factory builds one validator's engine from a pob.Config: pob.New, or
// another engine's constructor that accepts the same configuration.
type Factory func(cfg pob.Config) (pob.Engine, error)

// Options describe an engine family for the simulator.
type Options struct {
	// Name names the engine in results.
	Name string
	// New builds an engine.
	New Factory
	// Believable is the believable-league size in a committee of n: its
	// members are 0…Believable(n)−1 and the others form the normal league.
	// Nil means no believable league (one league, the proposer fills
	// blocks).
	Believable func(n int) int
	// SamplePPM is the normal league's sampling probability (pob's
	// default when zero).
	SamplePPM uint32
	// Ticks is the number of engine ticks per simulated second; zero means
	// 20 (a 50 ms tick).
	Ticks int
	// Tune, if not nil, adjusts each engine's configuration (timeouts,
	// block limits) before it is built.
	Tune func(*pob.Config)
}

// Protocol is a shardsim.Protocol over pob.Engine implementations.
type Protocol struct {
	opts     Options
	verifier *CachedVerifier

	mu   sync.Mutex
	keys map[[3]uint64]keyPair
	// cvs holds one pob.CommitteeVerifier per committee (keyed by its
	// members' addresses in order), shared by every simulated validator of
	// that committee as pob.Config.Certificates allows; see committeeVerifier.
	cvs map[common.Hash]*pob.CommitteeVerifier
}

type keyPair struct {
	sk   kyber.Scalar
	pk   kyber.Point
	addr common.Address
}

var _ shardsim.Protocol = (*Protocol)(nil)

// New returns the Protocol opts describe.
func New(opts Options) (*Protocol, error) {
	if opts.New == nil || opts.Name == "" {
		return nil, errors.New("engines: an engine needs a name and a constructor")
	}
	if opts.Ticks <= 0 {
		opts.Ticks = 20
	}
	return &Protocol{opts: opts, verifier: NewCachedVerifier(pob.BLSVerifier{}), keys: map[[3]uint64]keyPair{}, cvs: map[common.Hash]*pob.CommitteeVerifier{}}, nil
}

// Name implements shardsim.Protocol.
func (p *Protocol) Name() string { return p.opts.Name }

// TicksPerSecond implements shardsim.Protocol.
func (p *Protocol) TicksPerSecond() int { return p.opts.Ticks }

// Verifier is the shared signature cache of the run.
func (p *Protocol) Verifier() *CachedVerifier { return p.verifier }

func (p *Protocol) believable(n int) int {
	if p.opts.Believable == nil {
		return 0
	}
	return min(max(p.opts.Believable(n), 0), n-1)
}

// key returns member m of shard s's key pair, derived from the seed.
func (p *Protocol) key(seed uint64, s, m int) keyPair {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := [3]uint64{seed, uint64(s), uint64(m)}
	if kp, ok := p.keys[k]; ok {
		return kp
	}
	var b [24]byte
	binary.BigEndian.PutUint64(b[:], seed)
	binary.BigEndian.PutUint64(b[8:], uint64(s))
	binary.BigEndian.PutUint64(b[16:], uint64(m))
	sk, pk := pob.NewKeyPair(append([]byte("iostkit sim validator "), b[:]...))
	pkb, err := pk.MarshalBinary()
	if err != nil {
		panic(err) // a freshly made point always marshals
	}
	kp := keyPair{sk: sk, pk: pk, addr: common.BytesToAddress(crypto.Keccak256(pkb))}
	p.keys[k] = kp
	p.verifier.remember(pk, pkb)
	return kp
}

// NewEngine implements shardsim.Protocol.
func (p *Protocol) NewEngine(shard, member, size int, seed uint64) (shardsim.Engine, error) {
	kps := make([]keyPair, size)
	for i := range kps {
		kps[i] = p.key(seed, shard, i)
	}
	return p.build(shard, kps, member, 1, 1, common.Hash{})
}

// build returns the engine of member of the committee whose keys are kps
// (in member order), in pob domain epoch domain, starting at height start
// on top of parent.
func (p *Protocol) build(shard int, kps []keyPair, member int, domain, start uint64, parent common.Hash) (shardsim.Engine, error) {
	size := len(kps)
	b := p.believable(size)
	cands := make([]pob.Candidate, size)
	index := make(map[common.Address]int, size)
	for i, kp := range kps {
		// Stake falls with the index, so members 0…b−1 rank first.
		cands[i] = pob.Candidate{Address: kp.addr, PublicKey: kp.pk, Stake: uint64(1_000_000 * (size - i))}
		index[kp.addr] = i
	}
	policy := pob.Policy{BelievableSize: max(b, 1), MinBelievable: 1, SamplePPM: p.opts.SamplePPM}
	if b == 0 {
		// One league: no candidate qualifies as believable.
		policy.MinScore = ^uint64(0)
	}
	leagues, err := pob.SelectLeagues(cands, policy, nil)
	if err != nil {
		return nil, err
	}
	self := kps[member]
	a := &adapter{p: p, index: index, members: make([]common.Address, size)}
	for addr, i := range index {
		a.members[i] = addr
	}
	for i, m := range leagues.Normal {
		if m.Address == self.addr {
			a.committeeIndex = i
			a.inCommittee = true
		}
	}
	for _, m := range leagues.Believable {
		if m.Address == self.addr {
			a.producer = true
		}
	}
	a.committeeSize = len(leagues.Normal)
	cfg := pob.Config{
		Domain:     pob.Domain{ChainID: 1, Shard: uint32(shard), Epoch: domain},
		Committee:  leagues.Normal,
		Believable: leagues.Believable,
		Self:       self.addr,
		Signer:     pob.NewSigner(self.sk),
		Verifier:   p.verifier,
		App:        &a.app,
		SamplePPM:  leagues.SamplePPM,
		// A committee that takes over mid-chain starts above its parent.
		StartHeight: start,
		Parent:      parent,
	}
	if p.opts.Tune != nil {
		p.opts.Tune(&cfg)
	}
	if cfg.Certificates == nil && len(cfg.Committee) > 0 {
		if cfg.Certificates, err = p.committeeVerifier(cfg.Committee); err != nil {
			return nil, fmt.Errorf("engines: %s: %w", p.opts.Name, err)
		}
	}
	a.sample = float64(cfg.SamplePPM) / pob.PPM
	if cfg.SamplePPM == 0 {
		a.sample = 0.1 // pob's documented default
	}
	if a.eng, err = p.opts.New(cfg); err != nil {
		return nil, fmt.Errorf("engines: %s: %w", p.opts.Name, err)
	}
	return a, nil
}

// committeeVerifier returns the run's pob.CommitteeVerifier for committee,
// building it the first time. pob.New would otherwise build one per engine:
// a BDN key aggregation per member, O(n²) pairing-group work per committee
// in this one process, which made a 256-member committee impractical to
// simulate. Sharing it changes no outcome (it is read-only apart from a
// memo of weighted signatures, and answers as a fresh one would) and no
// charge: the simulator charges every validator the calibrated cost of the
// certificates it aggregates and verifies from the messages' metadata, not
// from the time the real calls take here.
func (p *Protocol) committeeVerifier(committee []pob.Member) (*pob.CommitteeVerifier, error) {
	h := sha256.New()
	keys := make([]kyber.Point, len(committee))
	for i, m := range committee {
		h.Write(m.Address[:])
		keys[i] = m.PublicKey
	}
	id := common.Hash(h.Sum(nil))
	p.mu.Lock()
	defer p.mu.Unlock()
	if cv, ok := p.cvs[id]; ok {
		return cv, nil
	}
	cv, err := pob.NewCommitteeVerifier(keys, p.verifier)
	if err != nil {
		return nil, err
	}
	p.cvs[id] = cv
	return cv, nil
}

// Tolerated implements shardsim.FaultBounder: the normal league runs the
// BFT finality, so it is its bound, pob.Faults of its size.
func (p *Protocol) Tolerated(committee int) int {
	return pob.Faults(committee - p.believable(committee))
}

var _ shardsim.FaultBounder = (*Protocol)(nil)

// Meta implements shardsim.Protocol: the real encoded size and the
// signature work a receiver does.
func (p *Protocol) Meta(msg any) shardsim.MsgMeta {
	m := msg.(pob.Message)
	meta := shardsim.MsgMeta{Kind: m.Kind.String()}
	if b, err := m.Encode(); err == nil {
		meta.Size = len(b)
	}
	switch m.Kind {
	case pob.KindOptimistic:
		o := m.Optimistic
		meta.Payloads, meta.Sigs, meta.Signs = o.Txs, 1, 1
		meta.Verify = 1 // overridden per receiver: see adapter.verifyShare
	case pob.KindProposal:
		// The block's optimistic blocks were seen (and sampled) on their
		// own; a fallback payload is checked in full.
		meta.Payloads, meta.Verify, meta.Sigs, meta.Signs = m.Proposal.Block.Payload, 1, 1, 1
	case pob.KindVote:
		if m.Vote.Sig != nil {
			meta.Sigs, meta.Signs = 1, 1
		}
	case pob.KindCommit:
		n := m.Commit.Cert.SignerCount()
		meta.CertSigners, meta.Aggregated = n, n
	case pob.KindFraud, pob.KindEquivocation:
		meta.Sigs = 2
	}
	return meta
}

// CachedVerifier is a pob.Verifier that remembers each outcome, keyed by
// SHA-256 of the key, message and signature, so a signature every simulated
// validator checks is verified for real once. It answers exactly as the
// verifier it wraps.
type CachedVerifier struct {
	v    pob.Verifier
	mu   sync.Mutex
	seen map[[32]byte]error
	// known holds the encoding of the run's validator keys, by identity:
	// compressing a G2 point costs a field inversion, which at a
	// 256-member committee (n² vote checks per height) dominated the
	// simulator's own run time. Other keys (aggregates) are encoded anew.
	known map[kyber.Point][]byte
	// Hits and Misses count lookups.
	Hits, Misses uint64
}

// NewCachedVerifier wraps v.
func NewCachedVerifier(v pob.Verifier) *CachedVerifier {
	return &CachedVerifier{v: v, seen: map[[32]byte]error{}, known: map[kyber.Point][]byte{}}
}

// remember records pub's encoding, so Verify need not compute it again.
// pub must not change afterwards (kyber points used as keys never do here).
func (c *CachedVerifier) remember(pub kyber.Point, enc []byte) {
	c.mu.Lock()
	c.known[pub] = enc
	c.mu.Unlock()
}

// Verify implements pob.Verifier.
func (c *CachedVerifier) Verify(pub kyber.Point, msg, sig []byte) error {
	c.mu.Lock()
	pb, ok := c.known[pub]
	c.mu.Unlock()
	if !ok {
		var err error
		if pb, err = pub.MarshalBinary(); err != nil {
			return c.v.Verify(pub, msg, sig)
		}
	}
	h := sha256.New()
	for _, part := range [][]byte{pb, msg, sig} {
		var l [8]byte
		binary.BigEndian.PutUint64(l[:], uint64(len(part)))
		h.Write(l[:])
		h.Write(part)
	}
	key := [32]byte(h.Sum(nil))
	c.mu.Lock()
	res, ok := c.seen[key]
	if ok {
		c.Hits++
		c.mu.Unlock()
		return res
	}
	c.Misses++
	c.mu.Unlock()
	res = c.v.Verify(pub, msg, sig)
	c.mu.Lock()
	c.seen[key] = res
	c.mu.Unlock()
	return res
}

var _ pob.Verifier = (*CachedVerifier)(nil)
