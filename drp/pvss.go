package drp

import (
	"bytes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"sort"

	"github.com/drand/kyber"
	bls12381 "github.com/drand/kyber-bls12381"
	"github.com/drand/kyber/share"
	"github.com/drand/kyber/share/pvss"
	"github.com/drand/kyber/sign/schnorr"
	"github.com/drand/kyber/util/random"
)

// pvssDomain prefixes everything PVSS mode hashes or signs.
const pvssDomain = "iostkit/drp/pvss/v1"

// PVSSConfig configures one PVSS (RandHound-style) randomness run.
type PVSSConfig struct {
	// Suite is the group the shares live in; nil means DefaultPVSSSuite
	// (BLS12-381 G1).
	Suite pvss.Suite
	// Members are the members' PVSS public keys (x·G in Suite); member i is
	// Members[i]. Required, at least 2.
	Members []kyber.Point
	// Threshold is the number of decrypted shares that recover one deal's
	// secret, and the least number of deals a selection must contain, so
	// that with at most Threshold−1 faulty members at least one selected
	// deal is honest. Default f+1 with f = (n−1)/3, as RandHound.
	Threshold int
	// Session binds the run (chain id, epoch, view); it derives the second
	// generator H, so deals and proofs of one session are void in another.
	// Required.
	Session []byte
}

// PVSS is a configured PVSS run: the public parameters every member and
// every third-party verifier share. It is immutable.
type PVSS struct {
	suite   pvss.Suite
	members []kyber.Point
	t       int
	quorum  int
	session []byte
	h       kyber.Point
}

// NewPVSS validates cfg and derives the run's parameters.
func NewPVSS(cfg PVSSConfig) (*PVSS, error) {
	n := len(cfg.Members)
	if n < 2 {
		return nil, fmt.Errorf("%w: pvss needs at least 2 members", ErrBadConfig)
	}
	if len(cfg.Session) == 0 {
		return nil, fmt.Errorf("%w: pvss session is required", ErrBadConfig)
	}
	s := cfg.Suite
	if s == nil {
		s = DefaultPVSSSuite()
	}
	t := cfg.Threshold
	if t == 0 {
		t = (n-1)/3 + 1
	}
	if t < 1 || t > n {
		return nil, fmt.Errorf("%w: pvss threshold %d for %d members", ErrBadConfig, t, n)
	}
	for i, m := range cfg.Members {
		if m == nil || m.Equal(s.Point().Null()) {
			return nil, fmt.Errorf("%w: pvss member %d has no key", ErrBadConfig, i)
		}
	}
	h := sha256.Sum256(append([]byte(pvssDomain+"/H/"), cfg.Session...))
	p := &PVSS{
		suite:   s,
		members: append([]kyber.Point(nil), cfg.Members...),
		t:       t,
		// Two valid transcripts would need 2q−n > t−1 members revealing
		// for both selections, so an honest member (who reveals once) is
		// in both: impossible.
		quorum:  (n+t-1)/2 + 1,
		session: append([]byte(nil), cfg.Session...),
		h:       s.Point().Pick(s.XOF(h[:])),
	}
	return p, nil
}

// Threshold returns the sharing threshold.
func (p *PVSS) Threshold() int { return p.t }

// Quorum is how many members must reveal for one selection before its
// output counts: ⌊(n+t−1)/2⌋+1 (n−f when n = 3f+1).
func (p *PVSS) Quorum() int { return p.quorum }

// NewPVSSKey draws a member's PVSS key pair in suite (nil: DefaultPVSSSuite); rand
// nil means crypto/rand.
func NewPVSSKey(suite pvss.Suite, rand io.Reader) (kyber.Scalar, kyber.Point) {
	if suite == nil {
		suite = DefaultPVSSSuite()
	}
	st := random.New()
	if rand != nil {
		st = random.New(rand)
	}
	sk := suite.Scalar().Pick(st)
	return sk, suite.Point().Mul(sk, nil)
}

// PVSSDeal is a dealer's contribution: its secret shared among all members,
// each share encrypted to the member's key with a proof that it is
// consistent with the public polynomial Commits (over the run's H).
type PVSSDeal struct {
	// Dealer is the dealing member's index.
	Dealer uint32
	// Commits are the public polynomial's coefficients over H.
	Commits []kyber.Point
	// Shares holds one encrypted, proven share per member, in member order.
	Shares []*pvss.PubVerShare
}

// PVSSSelection fixes which deals count; the leader signs it before anyone
// decrypts, so the leader cannot choose deals knowing their secrets.
type PVSSSelection struct {
	// Leader is the selecting member's index.
	Leader uint32
	// Dealers are the selected dealers, ascending.
	Dealers []uint32
	// Digest is SHA-256 over the selected deals (in Dealers order).
	Digest []byte
	// Signature is the leader's Schnorr signature over the selection.
	Signature []byte
}

// PVSSReveal is a member's decryption of its shares of the selected deals,
// each with a proof of correct decryption, signed over the selection.
type PVSSReveal struct {
	// Member is the revealing member's index.
	Member uint32
	// Selection is the hash of the selection revealed for.
	Selection []byte
	// Shares are the decrypted shares with proofs, in selection order.
	Shares []*pvss.PubVerShare
	// Signature is the member's Schnorr signature over the reveal.
	Signature []byte
}

// PVSSTranscript is a whole run: anyone holding the PVSS parameters
// verifies it and recomputes the randomness with PVSS.Verify.
type PVSSTranscript struct {
	// Deals are the selected deals, in selection order.
	Deals []*PVSSDeal
	// Selection is the leader's signed selection.
	Selection *PVSSSelection
	// Reveals are at least Quorum valid reveals, by member index.
	Reveals []*PVSSReveal
}

// g1Suite is BLS12-381 G1 with its hash, XOF and randomness as kyber's
// pvss needs them. kyber.Encoding is part of pvss.Suite's method set but
// pvss and dleq never call it; the methods refuse.
type g1Suite struct {
	fullGroup
	kyber.Random
}

func (g1Suite) Write(io.Writer, ...interface{}) error {
	return fmt.Errorf("%w: reflective encoding not supported", ErrDecode)
}

func (g1Suite) Read(io.Reader, ...interface{}) error {
	return fmt.Errorf("%w: reflective encoding not supported", ErrDecode)
}

// DefaultPVSSSuite is the PVSS group used when PVSSConfig.Suite is nil:
// BLS12-381 G1 (prime order, 48-byte points), so no second curve library
// is needed.
func DefaultPVSSSuite() pvss.Suite {
	g := bls12381.NewGroupG1().(fullGroup)
	return g1Suite{fullGroup: g, Random: g.(kyber.Random)}
}

type pvssSuite struct {
	pvss.Suite
	stream cipher.Stream
}

func (s pvssSuite) RandomStream() cipher.Stream { return s.stream }

// PVSSMember is one member's side of a run. It reveals for at most one
// selection, which is what makes the output unique per session.
type PVSSMember struct {
	p        *PVSS
	index    uint32
	sk       kyber.Scalar
	suite    pvssSuite
	revealed []byte
	verified map[[32]byte]bool // deals this member already checked
}

// NewMember returns member index's side of the run; sk must match
// Members[index]. rand seeds its secret and proof nonces (nil:
// crypto/rand).
func (p *PVSS) NewMember(index uint32, sk kyber.Scalar, rand io.Reader) (*PVSSMember, error) {
	if int(index) >= len(p.members) {
		return nil, fmt.Errorf("%w: pvss member %d", ErrUnknownMember, index)
	}
	if !p.suite.Point().Mul(sk, nil).Equal(p.members[index]) {
		return nil, fmt.Errorf("%w: key does not match member %d", ErrBadConfig, index)
	}
	st := random.New()
	if rand != nil {
		st = random.New(rand)
	}
	return &PVSSMember{p: p, index: index, sk: sk, suite: pvssSuite{Suite: p.suite, stream: st}, verified: map[[32]byte]bool{}}, nil
}

// Deal shares a fresh secret among all members.
func (m *PVSSMember) Deal() (*PVSSDeal, error) {
	secret := m.p.suite.Scalar().Pick(m.suite.stream)
	shares, poly, err := pvss.EncShares(m.suite, m.p.h, m.p.members, secret, m.p.t)
	if err != nil {
		return nil, fmt.Errorf("drp: pvss deal: %w", err)
	}
	_, commits := poly.Info()
	return &PVSSDeal{Dealer: m.index, Commits: commits, Shares: shares}, nil
}

// VerifyDeal checks that every encrypted share of d is consistent with its
// commitments.
func (p *PVSS) VerifyDeal(d *PVSSDeal) error {
	if d == nil {
		return fmt.Errorf("%w: nil deal", ErrInvalidDeal)
	}
	if int(d.Dealer) >= len(p.members) {
		return fmt.Errorf("%w: dealer %d: %w", ErrInvalidDeal, d.Dealer, ErrUnknownMember)
	}
	if len(d.Commits) != p.t || len(d.Shares) != len(p.members) {
		return fmt.Errorf("%w: dealer %d: %d commitments, %d shares", ErrInvalidDeal, d.Dealer, len(d.Commits), len(d.Shares))
	}
	poly := share.NewPubPoly(p.suite, p.h, d.Commits)
	for j, s := range d.Shares {
		if s == nil || s.S.I != j || s.S.V == nil || s.P.C == nil || s.P.R == nil || s.P.VG == nil || s.P.VH == nil {
			return fmt.Errorf("%w: dealer %d: malformed share %d", ErrInvalidDeal, d.Dealer, j)
		}
		if err := pvss.VerifyEncShare(p.suite, p.h, p.members[j], poly.Eval(j).V, s); err != nil {
			return fmt.Errorf("%w: dealer %d share %d: %v", ErrInvalidDeal, d.Dealer, j, err)
		}
	}
	return nil
}

func (p *PVSS) dealsDigest(deals []*PVSSDeal) []byte {
	h := sha256.New()
	h.Write([]byte(pvssDomain + "/deals"))
	h.Write(p.session)
	for _, d := range deals {
		b, _ := encodeDeal(d)
		var l [8]byte
		binary.BigEndian.PutUint64(l[:], uint64(len(b)))
		h.Write(l[:])
		h.Write(b)
	}
	return h.Sum(nil)
}

func (p *PVSS) selectionHash(s *PVSSSelection) []byte {
	h := sha256.New()
	h.Write([]byte(pvssDomain + "/selection"))
	h.Write(p.session)
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], s.Leader)
	h.Write(b[:])
	for _, d := range s.Dealers {
		binary.BigEndian.PutUint32(b[:], d)
		h.Write(b[:])
	}
	h.Write(s.Digest)
	return h.Sum(nil)
}

func dealKey(d *PVSSDeal) ([32]byte, bool) {
	b, err := encodeDeal(d)
	if err != nil {
		return [32]byte{}, false
	}
	return sha256.Sum256(b), true
}

// Receive checks a deal as it arrives and remembers it, so that Select and
// Reveal do not verify it again.
func (m *PVSSMember) Receive(d *PVSSDeal) error {
	k, ok := dealKey(d)
	if ok && m.verified[k] {
		return nil
	}
	if err := m.p.VerifyDeal(d); err != nil {
		return err
	}
	if ok {
		m.verified[k] = true
	}
	return nil
}

// Select makes this member the leader: it keeps every valid deal (one per
// dealer, sorted by dealer), needs at least Threshold of them, and signs
// the selection.
func (m *PVSSMember) Select(deals []*PVSSDeal) (*PVSSSelection, []*PVSSDeal, error) {
	byDealer := map[uint32]*PVSSDeal{}
	for _, d := range deals {
		if m.Receive(d) != nil {
			continue
		}
		if _, dup := byDealer[d.Dealer]; dup {
			continue
		}
		byDealer[d.Dealer] = d
	}
	if len(byDealer) < m.p.t {
		return nil, nil, fmt.Errorf("%w: %d valid deals, need %d", ErrInvalidDeal, len(byDealer), m.p.t)
	}
	sel := &PVSSSelection{Leader: m.index}
	chosen := make([]*PVSSDeal, 0, len(byDealer))
	for idx, d := range byDealer {
		sel.Dealers = append(sel.Dealers, idx)
		chosen = append(chosen, d)
	}
	sort.Slice(sel.Dealers, func(i, j int) bool { return sel.Dealers[i] < sel.Dealers[j] })
	sort.Slice(chosen, func(i, j int) bool { return chosen[i].Dealer < chosen[j].Dealer })
	sel.Digest = m.p.dealsDigest(chosen)
	sig, err := schnorr.Sign(m.suite, m.sk, m.p.selectionHash(sel))
	if err != nil {
		return nil, nil, fmt.Errorf("drp: sign selection: %w", err)
	}
	sel.Signature = sig
	return sel, chosen, nil
}

// checkSelection verifies the leader's signature, the digest over deals
// and every selected deal.
func (p *PVSS) checkSelection(sel *PVSSSelection, deals []*PVSSDeal) error {
	return p.checkSelectionWith(sel, deals, p.VerifyDeal)
}

func (p *PVSS) checkSelectionWith(sel *PVSSSelection, deals []*PVSSDeal, verify func(*PVSSDeal) error) error {
	if sel == nil || int(sel.Leader) >= len(p.members) {
		return fmt.Errorf("%w: bad selection", ErrInvalidTranscript)
	}
	if len(sel.Dealers) < p.t || len(sel.Dealers) != len(deals) {
		return fmt.Errorf("%w: selection of %d deals (%d given), need %d", ErrInvalidTranscript, len(sel.Dealers), len(deals), p.t)
	}
	for i, d := range deals {
		if d == nil || d.Dealer != sel.Dealers[i] || (i > 0 && sel.Dealers[i] <= sel.Dealers[i-1]) {
			return fmt.Errorf("%w: deals do not match the selection", ErrInvalidTranscript)
		}
	}
	if err := schnorr.Verify(p.suite, p.members[sel.Leader], p.selectionHash(sel), sel.Signature); err != nil {
		return fmt.Errorf("%w: selection signature: %v", ErrInvalidTranscript, err)
	}
	if !bytes.Equal(sel.Digest, p.dealsDigest(deals)) {
		return fmt.Errorf("%w: selection digest does not match the deals", ErrInvalidTranscript)
	}
	for _, d := range deals {
		if err := verify(d); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidTranscript, err)
		}
	}
	return nil
}

func (p *PVSS) revealHash(r *PVSSReveal) []byte {
	h := sha256.New()
	h.Write([]byte(pvssDomain + "/reveal"))
	h.Write(p.session)
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], r.Member)
	h.Write(b[:])
	h.Write(r.Selection)
	for _, s := range r.Shares {
		v, _ := s.S.V.MarshalBinary()
		h.Write(v)
	}
	return h.Sum(nil)
}

// Reveal decrypts this member's shares of the selected deals, after
// checking the selection. A member reveals for one selection only: a
// second, different selection is refused with ErrDuplicate.
func (m *PVSSMember) Reveal(sel *PVSSSelection, deals []*PVSSDeal) (*PVSSReveal, error) {
	if err := m.p.checkSelectionWith(sel, deals, m.Receive); err != nil {
		return nil, err
	}
	sh := m.p.selectionHash(sel)
	if m.revealed != nil && !bytes.Equal(m.revealed, sh) {
		return nil, fmt.Errorf("%w: member %d already revealed for another selection", ErrDuplicate, m.index)
	}
	r := &PVSSReveal{Member: m.index, Selection: sh}
	for _, d := range deals {
		poly := share.NewPubPoly(m.p.suite, m.p.h, d.Commits)
		ds, err := pvss.DecShare(m.suite, m.p.h, m.p.members[m.index], poly.Eval(int(m.index)).V, m.sk, d.Shares[m.index])
		if err != nil {
			return nil, fmt.Errorf("%w: dealer %d: %v", ErrInvalidDeal, d.Dealer, err)
		}
		r.Shares = append(r.Shares, ds)
	}
	sig, err := schnorr.Sign(m.suite, m.sk, m.p.revealHash(r))
	if err != nil {
		return nil, fmt.Errorf("drp: sign reveal: %w", err)
	}
	r.Signature = sig
	m.revealed = sh
	return r, nil
}

// checkReveal verifies a reveal's signature, selection and every
// decryption proof.
func (p *PVSS) checkReveal(r *PVSSReveal, selHash []byte, deals []*PVSSDeal) error {
	if r == nil || int(r.Member) >= len(p.members) {
		return fmt.Errorf("%w: reveal from unknown member", ErrInvalidTranscript)
	}
	if !bytes.Equal(r.Selection, selHash) {
		return fmt.Errorf("%w: member %d revealed for another selection", ErrInvalidTranscript, r.Member)
	}
	if len(r.Shares) != len(deals) {
		return fmt.Errorf("%w: member %d revealed %d shares for %d deals", ErrInvalidTranscript, r.Member, len(r.Shares), len(deals))
	}
	if err := schnorr.Verify(p.suite, p.members[r.Member], p.revealHash(r), r.Signature); err != nil {
		return fmt.Errorf("%w: member %d reveal signature: %v", ErrInvalidTranscript, r.Member, err)
	}
	G := p.suite.Point().Base()
	for i, d := range deals {
		s := r.Shares[i]
		if s == nil || s.S.I != int(r.Member) || s.S.V == nil || s.P.C == nil || s.P.R == nil || s.P.VG == nil || s.P.VH == nil {
			return fmt.Errorf("%w: member %d: malformed share %d", ErrInvalidTranscript, r.Member, i)
		}
		if err := pvss.VerifyDecShare(p.suite, G, p.members[r.Member], d.Shares[r.Member], s); err != nil {
			return fmt.Errorf("%w: member %d share of dealer %d: %v", ErrInvalidTranscript, r.Member, d.Dealer, err)
		}
	}
	return nil
}

// Combine builds the transcript from a selection, its deals and the
// reveals received: invalid reveals are dropped (their members are
// returned), and at least Quorum valid ones are needed. It returns the
// transcript and its randomness.
func (p *PVSS) Combine(sel *PVSSSelection, deals []*PVSSDeal, reveals []*PVSSReveal) (*PVSSTranscript, []byte, []uint32, error) {
	if err := p.checkSelection(sel, deals); err != nil {
		return nil, nil, nil, err
	}
	sh := p.selectionHash(sel)
	var good []*PVSSReveal
	var bad []uint32
	seen := map[uint32]bool{}
	for _, r := range reveals {
		if r == nil || seen[r.Member] {
			continue
		}
		if err := p.checkReveal(r, sh, deals); err != nil {
			bad = append(bad, r.Member)
			continue
		}
		seen[r.Member] = true
		good = append(good, r)
	}
	sort.Slice(good, func(i, j int) bool { return good[i].Member < good[j].Member })
	tr := &PVSSTranscript{Deals: deals, Selection: sel, Reveals: good}
	out, err := p.output(tr)
	if err != nil {
		return nil, nil, bad, err
	}
	return tr, out, bad, nil
}

// Verify checks a whole transcript as a third party and returns its
// randomness.
func (p *PVSS) Verify(tr *PVSSTranscript) ([]byte, error) {
	if tr == nil {
		return nil, fmt.Errorf("%w: nil transcript", ErrInvalidTranscript)
	}
	if err := p.checkSelection(tr.Selection, tr.Deals); err != nil {
		return nil, err
	}
	sh := p.selectionHash(tr.Selection)
	for i, r := range tr.Reveals {
		if err := p.checkReveal(r, sh, tr.Deals); err != nil {
			return nil, err
		}
		if i > 0 && r.Member <= tr.Reveals[i-1].Member {
			return nil, fmt.Errorf("%w: reveals not sorted or duplicated", ErrInvalidTranscript)
		}
	}
	return p.output(tr)
}

// output recovers every selected deal's secret commitment s·G from the
// reveals and hashes them, each under its dealer index, into the
// randomness.
func (p *PVSS) output(tr *PVSSTranscript) ([]byte, error) {
	if len(tr.Reveals) < p.quorum {
		return nil, fmt.Errorf("%w: %d reveals, quorum %d", ErrInvalidTranscript, len(tr.Reveals), p.quorum)
	}
	h := sha256.New()
	h.Write([]byte(pvssDomain + "/output"))
	h.Write(p.session)
	for i, d := range tr.Deals {
		shares := make([]*share.PubShare, 0, len(tr.Reveals))
		for _, r := range tr.Reveals {
			shares = append(shares, &r.Shares[i].S)
		}
		secret, err := share.RecoverCommit(p.suite, shares, p.t, len(p.members))
		if err != nil {
			return nil, fmt.Errorf("%w: dealer %d: %v", ErrInvalidTranscript, d.Dealer, err)
		}
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], d.Dealer)
		h.Write(b[:])
		v, _ := secret.MarshalBinary()
		h.Write(v)
	}
	return h.Sum(nil), nil
}
