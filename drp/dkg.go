package drp

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/drand/kyber"
	"github.com/drand/kyber/share/dkg"
	"github.com/drand/kyber/sign/schnorr"
	"github.com/drand/kyber/util/random"
)

// Member is a committee member as the DKG sees it: its share index and its
// long-term public key in the scheme's KeyGroup (used to encrypt its deals
// and to authenticate its messages).
type Member struct {
	// Index is the member's share index, 0..n−1.
	Index uint32
	// Public is the member's long-term public key.
	Public kyber.Point
}

// DefaultPhaseTicks is how many Ticks a DKG phase waits for missing
// messages before moving on with what it has.
const DefaultPhaseTicks = 10

// NonceSize is the length of a DKG session nonce.
const NonceSize = dkg.NonceLength

// DKGConfig configures a DKG (OldMembers empty) or a resharing from an old
// committee to a new one that keeps the group key.
type DKGConfig struct {
	// Scheme fixes the key group. Required.
	Scheme *Scheme
	// Longterm is this node's long-term secret key; its public key must be in
	// Members or OldMembers. Required.
	Longterm kyber.Scalar
	// Members is the new committee; indices must be 0..len-1. Required.
	Members []Member
	// Threshold is the number of members whose partials recover a signature.
	// Default: a strict majority, len(Members)/2+1.
	Threshold int
	// Nonce identifies the session and must be unique per run (for example
	// SHA-256 of chain id ‖ epoch ‖ "dkg"); NonceSize bytes. Required.
	Nonce []byte
	// PhaseTicks is the phase timeout in Ticks; default DefaultPhaseTicks.
	PhaseTicks int
	// Rand is the source of the node's secret polynomial and signature
	// nonces; nil means crypto/rand. Tests pass a seeded XOF for
	// reproducible keys. (kyber's ECIES draws deal-encryption randomness
	// from crypto/rand regardless, so ciphertext bytes differ between runs.)
	Rand io.Reader

	// OldMembers is the current committee when resharing; empty for a fresh
	// DKG.
	OldMembers []Member
	// OldGroup is the current group when resharing. Required then.
	OldGroup *Group
	// OldShare is this node's share of OldGroup if it is in OldMembers.
	OldShare *KeyShare
}

// withDefaults checks the configuration and fills defaults into a copy.
func (c DKGConfig) withDefaults() (DKGConfig, error) {
	if c.Scheme == nil || c.Longterm == nil {
		return c, fmt.Errorf("%w: scheme and long-term key are required", ErrBadConfig)
	}
	if len(c.Members) == 0 {
		return c, fmt.Errorf("%w: no members", ErrBadConfig)
	}
	if err := checkMembers(c.Members); err != nil {
		return c, fmt.Errorf("%w: members: %w", ErrBadConfig, err)
	}
	if c.Threshold == 0 {
		c.Threshold = dkg.MinimumT(len(c.Members))
	}
	if c.Threshold < 1 || c.Threshold > len(c.Members) {
		return c, fmt.Errorf("%w: threshold %d for %d members", ErrBadConfig, c.Threshold, len(c.Members))
	}
	if len(c.Nonce) != NonceSize {
		return c, fmt.Errorf("%w: nonce must be %d bytes", ErrBadConfig, NonceSize)
	}
	if c.PhaseTicks <= 0 {
		c.PhaseTicks = DefaultPhaseTicks
	}
	if len(c.OldMembers) > 0 {
		if c.OldGroup == nil {
			return c, fmt.Errorf("%w: resharing needs the old group", ErrBadConfig)
		}
		if err := checkMembers(c.OldMembers); err != nil {
			return c, fmt.Errorf("%w: old members: %w", ErrBadConfig, err)
		}
		if c.OldGroup.scheme.id != c.Scheme.id {
			return c, fmt.Errorf("%w: old group scheme %s, new %s", ErrBadConfig, c.OldGroup.scheme.id, c.Scheme.id)
		}
		if c.OldShare != nil && (c.OldShare.group == nil || c.OldShare.share == nil) {
			return c, fmt.Errorf("%w: old share without group", ErrBadConfig)
		}
	} else if c.OldGroup != nil || c.OldShare != nil {
		return c, fmt.Errorf("%w: old group or share without old members", ErrBadConfig)
	}
	return c, nil
}

// Validate reports whether the configuration is usable.
func (c DKGConfig) Validate() error {
	_, err := c.withDefaults()
	return err
}

func checkMembers(ms []Member) error {
	seen := make(map[uint32]bool, len(ms))
	for _, m := range ms {
		if m.Public == nil {
			return fmt.Errorf("member %d has no public key", m.Index)
		}
		if int(m.Index) >= len(ms) || seen[m.Index] {
			return fmt.Errorf("indices must be a permutation of 0..%d (got %d)", len(ms)-1, m.Index)
		}
		seen[m.Index] = true
	}
	return nil
}

func toNodes(ms []Member) []dkg.Node {
	out := make([]dkg.Node, len(ms))
	for i, m := range ms {
		out[i] = dkg.Node{Index: m.Index, Public: m.Public}
	}
	return out
}

// keySuite is the scheme's key group with a caller-chosen random stream:
// what kyber's dkg and schnorr need.
type keySuite struct {
	kyber.Group
	kyber.HashFactory
	kyber.XOFFactory
	stream cipher.Stream
}

func (s keySuite) RandomStream() cipher.Stream { return s.stream }

type fullGroup interface {
	kyber.Group
	kyber.HashFactory
	kyber.XOFFactory
}

func newKeySuite(g kyber.Group, rand io.Reader) keySuite {
	fg := g.(fullGroup)
	st := random.New()
	if rand != nil {
		st = random.New(rand)
	}
	return keySuite{Group: fg, HashFactory: fg, XOFFactory: fg, stream: st}
}

// NewLongtermKey draws a member's long-term DKG key pair in scheme's key
// group; rand nil means crypto/rand.
func NewLongtermKey(scheme *Scheme, rand io.Reader) (kyber.Scalar, kyber.Point) {
	s := newKeySuite(scheme.keys, rand)
	sk := scheme.keys.Scalar().Pick(s.stream)
	return sk, scheme.keys.Point().Mul(sk, nil)
}

// Phase is the DKG's progress.
type Phase int

// DKG phases.
const (
	// PhaseInit is before Start.
	PhaseInit Phase = iota
	// PhaseDeal collects the dealers' deals.
	PhaseDeal
	// PhaseResponse collects every member's verdict on the deals.
	PhaseResponse
	// PhaseJustification collects accused dealers' answers.
	PhaseJustification
	// PhaseDone is the end, with a key share or an error.
	PhaseDone
)

// String implements fmt.Stringer.
func (p Phase) String() string {
	switch p {
	case PhaseInit:
		return "init"
	case PhaseDeal:
		return "deal"
	case PhaseResponse:
		return "response"
	case PhaseJustification:
		return "justification"
	case PhaseDone:
		return "done"
	}
	return fmt.Sprintf("phase(%d)", int(p))
}

// DKG runs kyber's Pedersen DKG (or resharing) as a deterministic state
// machine: Start, then Step for each received message and Tick on a timer;
// each returns the messages to broadcast. It starts no goroutines and does
// no I/O. A phase ends early once every expected message is in, otherwise
// after PhaseTicks Ticks. DKG is not safe for concurrent use.
type DKG struct {
	cfg        DKGConfig
	kc         *dkg.Config
	gen        *dkg.DistKeyGenerator
	phase      Phase
	ticks      int
	canIssue   bool
	canReceive bool
	dealers    []Member

	deals   map[uint32]*dkg.DealBundle
	resps   map[uint32]*dkg.ResponseBundle
	justs   map[uint32]*dkg.JustificationBundle
	cheats  map[uint32]bool
	waitFor map[uint32]bool // dealers expected to justify

	share *KeyShare
	group *Group
	qual  []uint32
	err   error
}

// NewDKG prepares a DKG or resharing session.
func NewDKG(cfg DKGConfig) (*DKG, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	suite := newKeySuite(c.Scheme.keys, c.Rand)
	kc := &dkg.Config{
		Suite:     suite,
		Longterm:  c.Longterm,
		NewNodes:  toNodes(c.Members),
		Threshold: c.Threshold,
		FastSync:  true,
		Nonce:     append([]byte(nil), c.Nonce...),
		Auth:      schnorr.NewScheme(suite),
	}
	if c.Rand != nil {
		kc.Reader, kc.UserReaderOnly = c.Rand, true
	}
	pub := c.Scheme.keys.Point().Mul(c.Longterm, nil)
	d := &DKG{
		cfg: c, kc: kc,
		deals:   map[uint32]*dkg.DealBundle{},
		resps:   map[uint32]*dkg.ResponseBundle{},
		justs:   map[uint32]*dkg.JustificationBundle{},
		cheats:  map[uint32]bool{},
		waitFor: map[uint32]bool{},
	}
	d.canReceive = inMembers(c.Members, pub)
	if len(c.OldMembers) == 0 {
		d.dealers = c.Members
		d.canIssue = d.canReceive
	} else {
		d.dealers = c.OldMembers
		kc.OldNodes = toNodes(c.OldMembers)
		kc.OldThreshold = c.OldGroup.Threshold()
		if c.OldShare != nil && inMembers(c.OldMembers, pub) {
			if !c.OldShare.group.PublicKey().Equal(c.OldGroup.PublicKey()) {
				return nil, fmt.Errorf("%w: old share is not of the old group", ErrBadConfig)
			}
			kc.Share = &dkg.DistKeyShare{Commits: c.OldGroup.Commits(), Share: c.OldShare.PriShare()}
			d.canIssue = true
		} else {
			kc.PublicCoeffs = c.OldGroup.Commits()
		}
	}
	if !d.canIssue && !d.canReceive {
		return nil, fmt.Errorf("%w: long-term key is not a member (or an old member without its share)", ErrBadConfig)
	}
	gen, err := dkg.NewDistKeyHandler(kc)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadConfig, err)
	}
	d.gen = gen
	return d, nil
}

func inMembers(ms []Member, pub kyber.Point) bool {
	for _, m := range ms {
		if m.Public.Equal(pub) {
			return true
		}
	}
	return false
}

// Phase returns the current phase.
func (d *DKG) Phase() Phase { return d.phase }

// Done reports whether the DKG has ended, with a result or an error.
func (d *DKG) Done() bool { return d.phase == PhaseDone }

// Start begins the session and returns this node's deal (none for a new
// member joining in a resharing).
func (d *DKG) Start() ([]DKGMessage, error) {
	if d.phase != PhaseInit {
		return nil, fmt.Errorf("%w: dkg already started", ErrBadConfig)
	}
	d.phase = PhaseDeal
	var out []DKGMessage
	if d.canIssue {
		b, err := d.gen.Deals()
		if err != nil {
			return nil, d.fail(fmt.Errorf("deal: %w", err))
		}
		d.deals[b.DealerIndex] = b
		out = append(out, &DealMessage{Bundle: b})
	}
	if !d.canReceive {
		// A member leaving the committee only deals: kyber's generator does
		// not let it take part in later phases.
		d.phase = PhaseDone
		d.err = ErrNotInGroup
		return out, nil
	}
	more, err := d.advance(false)
	return append(out, more...), err
}

// Step processes one received message and returns the messages to
// broadcast in response. Invalid messages return an error (wrapping
// ErrWrongSession, ErrUnknownMember, ErrInvalidSignature or ErrDuplicate)
// and are otherwise ignored; the session goes on.
func (d *DKG) Step(m DKGMessage) ([]DKGMessage, error) {
	if d.phase == PhaseDone {
		return nil, nil
	}
	if m == nil || m.packet() == nil {
		return nil, fmt.Errorf("%w: nil dkg message", ErrDecode)
	}
	if err := d.check(m); err != nil {
		return nil, err
	}
	if d.phase == PhaseInit {
		return nil, nil // recorded; Start will use it
	}
	return d.advance(false)
}

// Tick advances the phase clock; after PhaseTicks Ticks in one phase the
// DKG moves on without the missing messages.
func (d *DKG) Tick() ([]DKGMessage, error) {
	if d.phase == PhaseDone || d.phase == PhaseInit {
		return nil, nil
	}
	d.ticks++
	if d.ticks < d.cfg.PhaseTicks {
		return nil, nil
	}
	return d.advance(true)
}

func (d *DKG) check(m DKGMessage) error {
	var session []byte
	var store func() error
	switch msg := m.(type) {
	case *DealMessage:
		b := msg.Bundle
		session = b.SessionID
		if !memberIndex(d.dealers, b.DealerIndex) {
			return fmt.Errorf("%w: dealer %d", ErrUnknownMember, b.DealerIndex)
		}
		store = func() error { return record(d.deals, d.cheats, b.DealerIndex, b) }
	case *ResponseMessage:
		b := msg.Bundle
		session = b.SessionID
		if !memberIndex(d.cfg.Members, b.ShareIndex) {
			return fmt.Errorf("%w: holder %d", ErrUnknownMember, b.ShareIndex)
		}
		store = func() error { return record(d.resps, nil, b.ShareIndex, b) }
	case *JustificationMessage:
		b := msg.Bundle
		session = b.SessionID
		if !memberIndex(d.dealers, b.DealerIndex) {
			return fmt.Errorf("%w: dealer %d", ErrUnknownMember, b.DealerIndex)
		}
		store = func() error { return record(d.justs, d.cheats, b.DealerIndex, b) }
	default:
		return fmt.Errorf("%w: unknown dkg message %T", ErrDecode, m)
	}
	if string(session) != string(d.cfg.Nonce) {
		return fmt.Errorf("%w: from %d", ErrWrongSession, m.Sender())
	}
	if err := dkg.VerifyPacketSignature(d.kc, m.packet()); err != nil {
		return fmt.Errorf("%w: dkg message from %d: %v", ErrInvalidSignature, m.Sender(), err)
	}
	return store()
}

// record keeps the first bundle per index; a different second one marks its
// author as equivocating (kyber then evicts a missing deal).
func record[B dkg.Packet](into map[uint32]B, cheats map[uint32]bool, idx uint32, b B) error {
	if cheats != nil && cheats[idx] {
		return fmt.Errorf("%w: %d already equivocated", ErrDuplicate, idx)
	}
	prev, ok := into[idx]
	if !ok {
		into[idx] = b
		return nil
	}
	if samePacket(prev, b) {
		return nil
	}
	if cheats != nil {
		cheats[idx] = true
		delete(into, idx)
	}
	return fmt.Errorf("%w: two different messages from %d", ErrDuplicate, idx)
}

func memberIndex(ms []Member, idx uint32) bool {
	for _, m := range ms {
		if m.Index == idx {
			return true
		}
	}
	return false
}

// advance moves through every phase whose messages are complete (or whose
// timer expired when timeout is set).
func (d *DKG) advance(timeout bool) ([]DKGMessage, error) {
	var out []DKGMessage
	for d.phase != PhaseDone {
		switch d.phase {
		case PhaseDeal:
			if !timeout && len(d.deals)+len(d.cheats) < len(d.dealers) {
				return out, nil
			}
			r, err := d.gen.ProcessDeals(sortedBundles(d.deals))
			if err != nil {
				return out, d.fail(fmt.Errorf("process deals: %w", err))
			}
			if r != nil {
				d.resps[r.ShareIndex] = r
				out = append(out, &ResponseMessage{Bundle: r})
			}
			d.enter(PhaseResponse)
		case PhaseResponse:
			if !timeout && len(d.resps) < len(d.cfg.Members) {
				return out, nil
			}
			res, j, err := d.gen.ProcessResponses(sortedBundles(d.resps))
			if err != nil {
				return out, d.fail(fmt.Errorf("process responses: %w", err))
			}
			if res != nil {
				return out, d.finish(res)
			}
			if j != nil {
				d.justs[j.DealerIndex] = j
				out = append(out, &JustificationMessage{Bundle: j})
			}
			d.expectJustifications()
			d.enter(PhaseJustification)
		case PhaseJustification:
			if !timeout && !d.justified() {
				return out, nil
			}
			res, err := d.gen.ProcessJustifications(sortedBundles(d.justs))
			if err != nil {
				return out, d.fail(fmt.Errorf("process justifications: %w", err))
			}
			return out, d.finish(res)
		}
		timeout = false
	}
	return out, nil
}

func (d *DKG) enter(p Phase) {
	d.phase = p
	d.ticks = 0
}

// expectJustifications lists the dealers that must answer complaints: those
// whose deal some new member did not confirm. Dealers whose deal never
// arrived cannot justify and are not waited for.
func (d *DKG) expectJustifications() {
	for _, dl := range d.dealers {
		if _, ok := d.deals[dl.Index]; !ok {
			continue
		}
		for _, h := range d.cfg.Members {
			if h.Public.Equal(dl.Public) {
				continue
			}
			if !confirmed(d.resps[h.Index], dl.Index) {
				d.waitFor[dl.Index] = true
				break
			}
		}
	}
}

func confirmed(r *dkg.ResponseBundle, dealer uint32) bool {
	if r == nil {
		return false
	}
	for _, x := range r.Responses {
		if x.DealerIndex == dealer {
			return x.Status == dkg.Success
		}
	}
	return false
}

func (d *DKG) justified() bool {
	for idx := range d.waitFor {
		if _, ok := d.justs[idx]; !ok && !d.cheats[idx] {
			return false
		}
	}
	return true
}

func sortedBundles[B dkg.Packet](m map[uint32]B) []B {
	out := make([]B, 0, len(m))
	for _, b := range m {
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index() < out[j].Index() })
	return out
}

func (d *DKG) fail(err error) error {
	d.phase = PhaseDone
	if errors.Is(err, dkg.ErrEvicted) {
		d.err = fmt.Errorf("%w: this node was evicted: %w", ErrDKGFailed, err)
	} else {
		d.err = fmt.Errorf("%w: %w", ErrDKGFailed, err)
	}
	return d.err
}

func (d *DKG) finish(res *dkg.Result) error {
	d.phase = PhaseDone
	if res == nil || res.Key == nil {
		d.err = ErrNotInGroup
		return nil
	}
	g, err := NewGroup(d.cfg.Scheme, res.Key.Commits, len(d.cfg.Members))
	if err != nil {
		return d.fail(err)
	}
	ks, err := NewKeyShare(g, res.Key.Share)
	if err != nil {
		return d.fail(err)
	}
	if d.cfg.OldGroup != nil && !g.PublicKey().Equal(d.cfg.OldGroup.PublicKey()) {
		return d.fail(errors.New("resharing changed the group key"))
	}
	d.group, d.share = g, ks
	for _, n := range res.QUAL {
		d.qual = append(d.qual, n.Index)
	}
	sort.Slice(d.qual, func(i, j int) bool { return d.qual[i] < d.qual[j] })
	return nil
}

// Result returns this node's key share once the DKG is done: ErrNotFinished
// before, ErrNotInGroup for a member leaving in a resharing, or the
// ErrDKGFailed that ended it.
func (d *DKG) Result() (*KeyShare, error) {
	if d.phase != PhaseDone {
		return nil, fmt.Errorf("%w: phase %s", ErrNotFinished, d.phase)
	}
	if d.err != nil {
		return nil, d.err
	}
	return d.share, nil
}

// Group returns the new group once the DKG succeeded, else nil.
func (d *DKG) Group() *Group { return d.group }

// Qualified returns the indices kyber's DKG counted as qualified (QUAL):
// for a fresh DKG the dealers whose deals entered the key, for a
// resharing the new members that took part correctly.
func (d *DKG) Qualified() []uint32 { return append([]uint32(nil), d.qual...) }
