package pobsim

import (
	"encoding/binary"
	"fmt"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/internal/sim"
	"github.com/iostkit/iostkit/pob"
)

// Behaviour is what a simulated validator does.
type Behaviour uint8

// Behaviours. Anything but Honest and Silent counts towards the fault
// bound of its league.
const (
	Honest Behaviour = iota
	// EquivocateVotes signs a second, conflicting vote for every vote and
	// sends each to half the network.
	EquivocateVotes
	// WithholdVotes never sends its votes.
	WithholdVotes
	// EquivocateProducer signs two different optimistic blocks per
	// sequence number (believable league).
	EquivocateProducer
	// FraudProducer puts an invalid transaction in every optimistic block
	// (believable league).
	FraudProducer
	// Twin runs two replicas with one key, each acting on its own.
	Twin
	// Silent produces nothing (an absent believable validator; honest).
	Silent
)

// Faulty reports whether b counts towards the fault bound.
func (b Behaviour) Faulty() bool { return b != Honest && b != Silent }

// String names the behaviour.
func (b Behaviour) String() string {
	return [...]string{"honest", "equivocate-votes", "withhold-votes", "equivocate-producer", "fraud-producer", "twin", "silent"}[b]
}

// Factory builds an engine from a configuration; pob.New is one (see
// PoB), rrbft another.
type Factory func(cfg pob.Config) (pob.Engine, error)

// PoB is the Factory of this repository's Proof-of-Believability engine.
func PoB(cfg pob.Config) (pob.Engine, error) { return pob.New(cfg) }

// Options describe one simulation.
type Options struct {
	// Seed fixes every random choice of the run.
	Seed uint64
	// Normal and Believable are the behaviours of each league's members
	// (their lengths are the league sizes).
	Normal, Believable []Behaviour
	// SamplePPM is passed to the engines (0: engine default).
	SamplePPM uint32
	// TxsPer is the transactions per optimistic or fallback block.
	TxsPer int
	// DropPerMille is the message loss during chaos; MaxDelay the delay
	// bound in ticks (0: 3).
	DropPerMille uint32
	MaxDelay     uint64
	// Crashes is the number of crash–restart events during chaos;
	// Partition adds one partition during chaos.
	Crashes   int
	Partition bool
	// ChaosTicks is the length of the chaos phase (0: 60); after it the
	// network heals, crashed validators restart, and within LivenessTicks
	// (0: 400) every honest validator must finalize LivenessHeights (0: 2)
	// more heights.
	ChaosTicks, LivenessTicks, LivenessHeights uint64
	// Factory builds engines (nil: PoB).
	Factory Factory
	// Tune adjusts each engine's configuration.
	Tune func(*pob.Config)
	// ProducersSilentUntil keeps every believable producer silent below
	// this height (to exercise the one-league fallback and the return).
	ProducersSilentUntil uint64
}

// Report is what a simulation observed.
type Report struct {
	// Ticks is the simulated time the run took.
	Ticks uint64
	// MinHeight and MaxHeight are the lowest and highest next-height of
	// the honest replicas at the end.
	MinHeight, MaxHeight uint64
	// Blocks is the number of distinct finalized heights.
	Blocks int
	// Messages counts messages handed to the network.
	Messages uint64
	// Rejected counts messages an engine rejected.
	Rejected int
	// Restarts counts engines rebuilt from persisted state.
	Restarts int
	// Convictions are those of the first honest normal replica.
	Convictions []pob.Conviction
	// Slashes are the first honest normal replica's slashings.
	Slashes *Slashes
	// InvalidFinalized counts invalid transactions in finalized blocks.
	InvalidFinalized int
	// Fallback is set if the first honest normal replica ever ran one
	// league; Returned if it left one-league mode afterwards.
	Fallback, Returned bool
}

type node struct {
	id      sim.NodeID
	key     Key
	league  pob.League
	index   int
	beh     Behaviour
	eng     pob.Engine
	hs      *pob.HardState
	chain   []pob.Commit
	app     *App
	slashes *Slashes
	conv    []pob.Conviction
	crashed bool
}

type runner struct {
	o        Options
	net      *sim.Network[pob.Message]
	nodes    []*node
	byAddr   map[common.Address][]*node
	base     pob.Config
	final    map[uint64]common.Hash
	votes    map[[4]uint64]common.Hash
	certOK   map[common.Hash]bool
	cv       *pob.CommitteeVerifier
	rep      Report
	dropping bool
	fellBack bool
}

// Run executes one simulation and returns its report, or an error naming
// the first safety or liveness violation.
func Run(o Options) (*Report, error) {
	if o.ChaosTicks == 0 {
		o.ChaosTicks = 60
	}
	if o.LivenessTicks == 0 {
		o.LivenessTicks = 400
	}
	if o.LivenessHeights == 0 {
		o.LivenessHeights = 2
	}
	if o.MaxDelay == 0 {
		o.MaxDelay = 3
	}
	if o.Factory == nil {
		o.Factory = PoB
	}
	r := &runner{
		o:      o,
		net:    sim.New[pob.Message](sim.Config{Seed: o.Seed, MinDelay: 1, MaxDelay: o.MaxDelay}),
		byAddr: map[common.Address][]*node{},
		final:  map[uint64]common.Hash{},
		votes:  map[[4]uint64]common.Hash{},
		certOK: map[common.Hash]bool{},
	}
	r.rep.Slashes = NewSlashes()
	var committee, believable []pob.Member
	k := 0
	add := func(league pob.League, i int, b Behaviour) {
		key := KeyOf(k)
		copies := 1
		if b == Twin {
			copies = 2
		}
		for range copies {
			n := &node{id: sim.NodeID(len(r.nodes)), key: key, league: league, index: i, beh: b, slashes: NewSlashes()}
			n.app = &App{Name: fmt.Sprintf("s%d-v%d", o.Seed, k), TxsPer: o.TxsPer}
			if b == FraudProducer {
				n.app.Bad = 1
			}
			if b == Silent {
				n.app.Silent = true
			}
			n.app.SilentUntil = o.ProducersSilentUntil
			if league == pob.Normal {
				n.app.Name = fmt.Sprintf("fallback-%d", k) // same payload from any replica of a slot
			}
			r.nodes = append(r.nodes, n)
			r.byAddr[key.Address] = append(r.byAddr[key.Address], n)
		}
		k++
	}
	for i, b := range o.Normal {
		add(pob.Normal, i, b)
		committee = append(committee, KeyOf(k-1).Member())
	}
	for i, b := range o.Believable {
		add(pob.Believable, i, b)
		believable = append(believable, KeyOf(k-1).Member())
	}
	r.base = pob.Config{
		Domain:     pob.Domain{ChainID: 7, Shard: 1, Epoch: 1},
		Committee:  committee,
		Believable: believable,
		Verifier:   Verifier{},
		SamplePPM:  o.SamplePPM,
	}
	pubs := make([]kyber.Point, len(committee))
	for i, m := range committee {
		pubs[i] = m.PublicKey
	}
	cv, err := committeeVerifier(pubs)
	if err != nil {
		return nil, err
	}
	r.cv = cv
	r.base.Certificates = cv
	for _, n := range r.nodes {
		if err := r.start(n); err != nil {
			return nil, err
		}
	}
	if err := r.loop(); err != nil {
		return &r.rep, fmt.Errorf("seed %d: %w", o.Seed, err)
	}
	return &r.rep, nil
}

func (r *runner) config(n *node) pob.Config {
	cfg := r.base
	cfg.Self = n.key.Address
	cfg.Signer = n.key.Signer()
	cfg.App = n.app
	cfg.Slasher = n.slashes
	cfg.Servi = n.slashes
	cfg.History = append([]pob.Commit(nil), n.chain...)
	cfg.Restore = n.hs
	if r.o.Tune != nil {
		r.o.Tune(&cfg)
	}
	return cfg
}

func (r *runner) start(n *node) error {
	eng, err := r.o.Factory(r.config(n))
	if err != nil {
		return fmt.Errorf("start %d: %w", n.id, err)
	}
	n.eng, n.crashed = eng, false
	return r.drain(n)
}

// honest reports whether a replica's statements must be consistent.
func (n *node) honest() bool { return !n.beh.Faulty() }

func (r *runner) primary() *node {
	for _, n := range r.nodes {
		if n.league == pob.Normal && n.honest() {
			return n
		}
	}
	return r.nodes[0]
}

func (r *runner) loop() error {
	o := r.o
	rng := r.net.Rand()
	chaosEnd := o.ChaosTicks
	type event struct {
		at      uint64
		crash   *node
		restart *node
	}
	var events []event
	if o.DropPerMille > 0 {
		r.dropping = true
	}
	for range o.Crashes {
		n := r.nodes[rng.IntN(len(r.nodes))]
		at := 1 + rng.Uint64N(chaosEnd)
		events = append(events, event{at: at, crash: n}, event{at: at + 1 + rng.Uint64N(chaosEnd), restart: n})
	}
	var partAt, healAt uint64
	if o.Partition {
		partAt = 1 + rng.Uint64N(chaosEnd/2+1)
		healAt = partAt + 1 + rng.Uint64N(chaosEnd)
	}
	var healed bool
	var target uint64
	prim := r.primary()
	for tick := uint64(1); ; tick++ {
		r.rep.Ticks = tick
		for _, ev := range events {
			if ev.at != tick || healed {
				continue
			}
			if ev.crash != nil && !ev.crash.crashed {
				r.net.Crash(ev.crash.id)
				ev.crash.eng, ev.crash.crashed = nil, true
			}
			if ev.restart != nil && ev.restart.crashed {
				if err := r.restart(ev.restart); err != nil {
					return err
				}
			}
		}
		if o.Partition && tick == partAt && !healed {
			var a, b []sim.NodeID
			for _, n := range r.nodes {
				if rng.IntN(2) == 0 {
					a = append(a, n.id)
				} else {
					b = append(b, n.id)
				}
			}
			r.net.Partition(a, b)
		}
		if o.Partition && tick == healAt {
			r.net.Heal()
		}
		if tick == chaosEnd+1 {
			healed, r.dropping = true, false
			r.net.Heal()
			for _, n := range r.nodes {
				if n.crashed {
					if err := r.restart(n); err != nil {
						return err
					}
				}
			}
			target = r.maxHeight() + o.LivenessHeights
		}
		for _, env := range r.net.DeliverUntil(tick) {
			n := r.nodes[env.To]
			if n.eng == nil {
				continue
			}
			if err := n.eng.Step(env.Msg); err != nil {
				r.rep.Rejected++
			}
			if err := r.drain(n); err != nil {
				return err
			}
		}
		for _, n := range r.nodes {
			if n.eng == nil {
				continue
			}
			n.eng.Tick()
			if err := r.drain(n); err != nil {
				return err
			}
		}
		if prim.eng != nil {
			fb := prim.eng.Status().Fallback
			if fb {
				r.rep.Fallback, r.fellBack = true, true
			} else if r.fellBack {
				r.rep.Returned = true
			}
		}
		if healed {
			lo, hi := r.heights()
			r.rep.MinHeight, r.rep.MaxHeight = lo, hi
			if lo >= target {
				r.rep.Blocks = len(r.final)
				r.rep.Convictions = prim.conv
				r.rep.Slashes = prim.slashes
				return nil
			}
			if tick > chaosEnd+o.LivenessTicks {
				return fmt.Errorf("liveness: honest heights %d..%d after %d ticks healed, want %d; %s", lo, hi, o.LivenessTicks, target, r.describe())
			}
		}
	}
}

func (r *runner) restart(n *node) error {
	r.net.Restart(n.id)
	r.rep.Restarts++
	return r.start(n)
}

func (r *runner) heights() (lo, hi uint64) {
	lo = ^uint64(0)
	for _, n := range r.nodes {
		if !n.honest() || n.eng == nil {
			continue
		}
		h := n.eng.Status().Height
		lo, hi = min(lo, h), max(hi, h)
	}
	return lo, hi
}

func (r *runner) maxHeight() uint64 {
	_, hi := r.heights()
	return hi
}

// drain collects a replica's output: persists its state, checks its
// commits, and sends its messages (through its Byzantine filter).
func (r *runner) drain(n *node) error {
	for n.eng != nil && n.eng.HasReady() {
		rd := n.eng.Ready()
		if rd.HardState != nil {
			hs := *rd.HardState
			n.hs = &hs
		}
		for _, c := range rd.Committed {
			if err := r.checkCommit(n, c); err != nil {
				return err
			}
			n.chain = append(n.chain, c)
		}
		n.conv = append(n.conv, rd.Convictions...)
		for _, out := range rd.Messages {
			if err := r.send(n, out); err != nil {
				return err
			}
		}
		n.eng.Advance()
	}
	return nil
}

func (r *runner) checkCommit(n *node, c pob.Commit) error {
	b := c.Block
	want := uint64(1) + uint64(len(n.chain))
	if b.Height != want {
		return fmt.Errorf("replica %d committed height %d, expected %d", n.id, b.Height, want)
	}
	h := b.Hash()
	if prev, ok := r.final[b.Height]; ok && prev != h {
		return fmt.Errorf("safety: two blocks finalized at height %d (%x, %x)", b.Height, prev[:4], h[:4])
	}
	r.final[b.Height] = h
	ck := common.BytesToHash(crypto.Keccak256(c.Cert.Encode()))
	if !r.certOK[ck] {
		if c.Cert.Block != h || c.Cert.Height != b.Height {
			return fmt.Errorf("certificate names another block at height %d", b.Height)
		}
		if err := r.cv.Verify(c.Cert); err != nil {
			return fmt.Errorf("certificate at height %d: %w", b.Height, err)
		}
		r.certOK[ck] = true
	}
	for _, tx := range b.Txs() {
		if len(tx) > 0 && tx[0] == BadTxPrefix {
			r.rep.InvalidFinalized++
			if r.o.SamplePPM >= pob.PPM {
				return fmt.Errorf("invalid transaction finalized at height %d with certain sampling", b.Height)
			}
		}
	}
	return nil
}

func (r *runner) send(n *node, out pob.Outbound) error {
	msg := out.Msg
	if msg.Kind == pob.KindVote && msg.Vote.Sig != nil && n.league == pob.Normal && int(msg.Vote.Voter) == n.index {
		v := msg.Vote
		if n.honest() {
			k := [4]uint64{uint64(v.Voter), v.Height, v.Round, uint64(v.Type)}
			if prev, ok := r.votes[k]; ok && prev != v.Block {
				return fmt.Errorf("honest validator %d signed two %s votes at height %d round %d", v.Voter, v.Type, v.Height, v.Round)
			}
			r.votes[k] = v.Block
		}
		switch n.beh {
		case WithholdVotes:
			return nil
		case EquivocateVotes:
			alt := *v
			if alt.Block == (common.Hash{}) {
				alt.Block = evilHash(v.Height, v.Round)
			} else {
				alt.Block = common.Hash{}
			}
			signed, err := pob.SignVote(n.key.Signer(), alt)
			if err != nil {
				return err
			}
			r.split(n, out.To, msg, pob.Message{Kind: pob.KindVote, From: msg.From, Height: msg.Height, Vote: &signed})
			return nil
		}
	}
	if msg.Kind == pob.KindOptimistic && n.beh == EquivocateProducer && int(msg.Optimistic.Producer) == n.index && n.league == pob.Believable {
		alt := *msg.Optimistic
		alt.Txs = append(append([][]byte(nil), alt.Txs...), []byte("equivocation"))
		sig, err := n.key.Signer().Sign(alt.SignBytes())
		if err != nil {
			return err
		}
		alt.Sig = sig
		r.split(n, out.To, msg, pob.Message{Kind: pob.KindOptimistic, From: msg.From, Height: msg.Height, Optimistic: &alt})
		return nil
	}
	r.deliver(n, out.To, func(*node) pob.Message { return msg })
	return nil
}

func evilHash(h, round uint64) common.Hash {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], h)
	binary.BigEndian.PutUint64(b[8:], round)
	return common.BytesToHash(crypto.Keccak256([]byte("evil"), b[:]))
}

// split sends a to the even-numbered replicas and b to the odd ones, and
// both to every third: an equivocator does not control how far gossip
// spreads its statements.
func (r *runner) split(n *node, to common.Address, a, b pob.Message) {
	r.deliver(n, to, func(d *node) pob.Message {
		if d.id%2 == 0 {
			return a
		}
		return b
	})
	r.deliver(n, to, func(d *node) pob.Message {
		if d.id%3 != 0 {
			return pob.Message{}
		}
		if d.id%2 == 0 {
			return b
		}
		return a
	})
}

func (r *runner) deliver(n *node, to common.Address, pick func(*node) pob.Message) {
	var dst []*node
	if to == (common.Address{}) {
		dst = r.nodes
	} else {
		dst = r.byAddr[to]
	}
	rng := r.net.Rand()
	for _, d := range dst {
		if d.id == n.id {
			continue
		}
		msg := pick(d)
		if msg.Kind == 0 {
			continue
		}
		r.rep.Messages++
		if r.dropping && rng.Uint32N(1000) < r.o.DropPerMille {
			continue
		}
		r.net.Send(n.id, d.id, msg)
	}
}

func (r *runner) describe() string {
	out := ""
	for _, n := range r.nodes {
		if n.eng == nil {
			out += fmt.Sprintf("[%d down] ", n.id)
			continue
		}
		st := n.eng.Status()
		out += fmt.Sprintf("[%d %s/%s h%d r%d s%d] ", n.id, n.league, n.beh, st.Height, st.Round, st.Step)
	}
	return out
}
