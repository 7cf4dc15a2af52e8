package drp

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/drand/kyber/share"
	"github.com/drand/kyber/sign/tbls"
	"github.com/ethereum/go-ethereum/rlp"
)

// Beacon is one round of the randomness beacon: drand's fields and
// encodings. PreviousSignature is empty for unchained schemes.
type Beacon struct {
	// Round is the round number (drand's rounds start at 1).
	Round uint64
	// PreviousSignature is the previous round's signature (chained only).
	PreviousSignature []byte
	// Signature is the group's BLS signature over the scheme's digest.
	Signature []byte
}

// Randomness is SHA-256(Signature), drand's round randomness.
func (b *Beacon) Randomness() []byte { return Randomness(b.Signature) }

type beaconWire struct {
	Round    uint64
	Previous []byte
	Sig      []byte
}

// MarshalBinary encodes the beacon as RLP [round, previous, signature].
func (b *Beacon) MarshalBinary() ([]byte, error) {
	return rlp.EncodeToBytes(&beaconWire{Round: b.Round, Previous: b.PreviousSignature, Sig: b.Signature})
}

// maxSigSize bounds decoded signatures (a G2 point is 96 bytes).
const maxSigSize = 96

// UnmarshalBeacon decodes a beacon encoded by Beacon.MarshalBinary. It
// checks the shape only; use a Verifier to check the signature.
func UnmarshalBeacon(data []byte) (*Beacon, error) {
	var w beaconWire
	if err := rlp.DecodeBytes(data, &w); err != nil {
		return nil, fmt.Errorf("%w: beacon: %v", ErrDecode, err)
	}
	if len(w.Sig) == 0 || len(w.Sig) > maxSigSize || len(w.Previous) > maxSigSize {
		return nil, fmt.Errorf("%w: beacon signature sizes %d/%d", ErrDecode, len(w.Sig), len(w.Previous))
	}
	return &Beacon{Round: w.Round, PreviousSignature: w.Previous, Signature: w.Sig}, nil
}

// Partial is one member's share of a round's signature. Share is kyber's
// (and drand's) threshold-signature share: 2-byte big-endian index ‖
// signature point.
type Partial struct {
	// Round is the round signed.
	Round uint64
	// PreviousSignature is the previous round's signature (chained only).
	PreviousSignature []byte
	// Share is the threshold-signature share, index ‖ point.
	Share []byte
}

// Index returns the share index the partial claims.
func (p *Partial) Index() (int, error) {
	if len(p.Share) < 2 {
		return -1, fmt.Errorf("%w: partial too short", ErrDecode)
	}
	return tbls.SigShare(p.Share).Index()
}

// MarshalBinary encodes the partial as RLP [round, previous, share].
func (p *Partial) MarshalBinary() ([]byte, error) {
	return rlp.EncodeToBytes(&beaconWire{Round: p.Round, Previous: p.PreviousSignature, Sig: p.Share})
}

// UnmarshalPartial decodes a partial encoded by Partial.MarshalBinary. It
// checks the shape only; a RoundCollector checks the signature.
func UnmarshalPartial(data []byte) (*Partial, error) {
	var w beaconWire
	if err := rlp.DecodeBytes(data, &w); err != nil {
		return nil, fmt.Errorf("%w: partial: %v", ErrDecode, err)
	}
	if len(w.Sig) < 2 || len(w.Sig) > maxSigSize+2 || len(w.Previous) > maxSigSize {
		return nil, fmt.Errorf("%w: partial sizes %d/%d", ErrDecode, len(w.Sig), len(w.Previous))
	}
	return &Partial{Round: w.Round, PreviousSignature: w.Previous, Share: w.Sig}, nil
}

// Signer makes a member's partial signatures for beacon rounds.
type Signer struct {
	key *KeyShare
}

// NewSigner returns a signer over a member's key share.
func NewSigner(key *KeyShare) *Signer { return &Signer{key: key} }

// SignPartial signs round (chained to prev when the scheme is chained).
func (s *Signer) SignPartial(round uint64, prev []byte) (*Partial, error) {
	sc := s.key.group.scheme
	if !sc.chained {
		prev = nil
	}
	sig, err := sc.tbls.Sign(s.key.share, sc.Digest(round, prev))
	if err != nil {
		return nil, fmt.Errorf("drp: sign partial for round %d: %w", round, err)
	}
	return &Partial{Round: round, PreviousSignature: bytes.Clone(prev), Share: sig}, nil
}

// VerifyPartial checks a partial against the group's public polynomial. It
// costs one pairing check. A failure is a *BadPartialError.
func (g *Group) VerifyPartial(p *Partial, round uint64, prev []byte) error {
	if !g.scheme.chained {
		prev = nil
	}
	idx, err := p.Index()
	if err != nil || idx < 0 || idx >= g.size {
		return &BadPartialError{Index: idx, Round: p.Round, Err: fmt.Errorf("%w: index %d", ErrUnknownMember, idx)}
	}
	if p.Round != round {
		return &BadPartialError{Index: idx, Round: p.Round, Err: fmt.Errorf("%w: want %d", ErrWrongRound, round)}
	}
	if g.scheme.chained && !bytes.Equal(p.PreviousSignature, prev) {
		return &BadPartialError{Index: idx, Round: p.Round, Err: ErrChain}
	}
	if err := g.scheme.bls.Verify(g.PublicShare(idx), g.scheme.Digest(round, prev), p.Share[2:]); err != nil {
		return &BadPartialError{Index: idx, Round: p.Round, Err: err}
	}
	return nil
}

// RoundCollector gathers partials for one round, verifies each on arrival
// (so a member sending bad partials is identified and ignored) and
// recovers the group signature as soon as Threshold valid partials are in.
// It is not safe for concurrent use.
type RoundCollector struct {
	group *Group
	round uint64
	prev  []byte
	valid map[int]*share.PubShare
	bad   map[int]error
	done  *Beacon
}

// NewRoundCollector starts collecting partials for round, chained to prev
// (the previous round's signature) when the scheme is chained.
func NewRoundCollector(g *Group, round uint64, prev []byte) *RoundCollector {
	if !g.scheme.chained {
		prev = nil
	}
	return &RoundCollector{group: g, round: round, prev: bytes.Clone(prev), valid: map[int]*share.PubShare{}, bad: map[int]error{}}
}

// Add verifies a partial and records it. It returns the recovered beacon
// once Threshold valid partials are in (and on every later call), nil
// before that. An invalid partial returns a *BadPartialError and does not
// count; a duplicate of an accepted index is ignored.
func (c *RoundCollector) Add(p *Partial) (*Beacon, error) {
	if c.done != nil {
		return c.done, nil
	}
	if err := c.group.VerifyPartial(p, c.round, c.prev); err != nil {
		var bp *BadPartialError
		if ok := asBadPartial(err, &bp); ok && bp.Index >= 0 {
			c.bad[bp.Index] = err
		}
		return nil, err
	}
	idx, _ := p.Index()
	if _, ok := c.valid[idx]; ok {
		return nil, nil
	}
	pt := c.group.scheme.sigs.Point()
	if err := pt.UnmarshalBinary(p.Share[2:]); err != nil {
		return nil, &BadPartialError{Index: idx, Round: p.Round, Err: err}
	}
	c.valid[idx] = &share.PubShare{I: idx, V: pt}
	if len(c.valid) < c.group.Threshold() {
		return nil, nil
	}
	b, err := c.recover()
	if err != nil {
		return nil, err
	}
	c.done = b
	return b, nil
}

func (c *RoundCollector) recover() (*Beacon, error) {
	shares := make([]*share.PubShare, 0, len(c.valid))
	for _, s := range c.valid {
		shares = append(shares, s)
	}
	sort.Slice(shares, func(i, j int) bool { return shares[i].I < shares[j].I })
	sig, err := share.RecoverCommit(c.group.scheme.sigs, shares, c.group.Threshold(), c.group.size)
	if err != nil {
		return nil, fmt.Errorf("%w: round %d: %v", ErrNotEnoughPartials, c.round, err)
	}
	raw, err := sig.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("drp: encode signature: %w", err)
	}
	return &Beacon{Round: c.round, PreviousSignature: bytes.Clone(c.prev), Signature: raw}, nil
}

// Valid is the number of valid partials recorded.
func (c *RoundCollector) Valid() int { return len(c.valid) }

// Bad returns the indices of members that sent invalid partials, sorted.
func (c *RoundCollector) Bad() []int {
	out := make([]int, 0, len(c.bad))
	for i := range c.bad {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}

// Beacon returns the recovered beacon, or ErrNotEnoughPartials.
func (c *RoundCollector) Beacon() (*Beacon, error) {
	if c.done == nil {
		return nil, fmt.Errorf("%w: round %d has %d of %d", ErrNotEnoughPartials, c.round, len(c.valid), c.group.Threshold())
	}
	return c.done, nil
}
