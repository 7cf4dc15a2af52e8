package drp

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/drand/kyber"
)

func asBadPartial(err error, target **BadPartialError) bool { return errors.As(err, target) }

// Verifier checks beacon rounds with the group public key alone. Its
// VerifyRound is stateless; Accept also remembers the last accepted round,
// rejecting replays and, for chained schemes, broken links. Verifier is not
// safe for concurrent use when Accept is called.
type Verifier struct {
	scheme *Scheme
	pub    kyber.Point
	last   *Beacon
}

// NewVerifier returns a verifier for a group public key in drand's encoding
// (the "public_key" of a drand chain info).
func NewVerifier(scheme *Scheme, groupKey []byte) (*Verifier, error) {
	if scheme == nil {
		return nil, fmt.Errorf("%w: nil scheme", ErrBadConfig)
	}
	pub := scheme.keys.Point()
	if err := pub.UnmarshalBinary(groupKey); err != nil {
		return nil, fmt.Errorf("%w: group key: %v", ErrDecode, err)
	}
	if pub.Equal(scheme.keys.Point().Null()) {
		return nil, fmt.Errorf("%w: group key is the identity", ErrBadConfig)
	}
	return &Verifier{scheme: scheme, pub: pub}, nil
}

// VerifyRound checks one beacon's signature: a single BLS verification over
// the scheme's digest of (round, previous signature). It does not check
// that rounds increase; Accept does.
func (v *Verifier) VerifyRound(b *Beacon) error {
	if b == nil {
		return fmt.Errorf("%w: nil beacon", ErrInvalidSignature)
	}
	if err := v.scheme.tbls.VerifyRecovered(v.pub, v.scheme.Digest(b.Round, b.PreviousSignature), b.Signature); err != nil {
		return fmt.Errorf("%w: round %d: %v", ErrInvalidSignature, b.Round, err)
	}
	return nil
}

// Accept verifies b and makes it the last accepted round. It rejects a
// round not above the last one (ErrReplay) and, for chained schemes, a
// beacon whose PreviousSignature is not the signature of the last accepted
// round when b.Round is its successor (ErrChain).
func (v *Verifier) Accept(b *Beacon) error {
	if b == nil {
		return fmt.Errorf("%w: nil beacon", ErrInvalidSignature)
	}
	if v.last != nil && b.Round <= v.last.Round {
		return fmt.Errorf("%w: round %d, last accepted %d", ErrReplay, b.Round, v.last.Round)
	}
	if v.scheme.chained && v.last != nil && b.Round == v.last.Round+1 && !bytes.Equal(b.PreviousSignature, v.last.Signature) {
		return fmt.Errorf("%w: round %d", ErrChain, b.Round)
	}
	if err := v.VerifyRound(b); err != nil {
		return err
	}
	v.last = &Beacon{Round: b.Round, PreviousSignature: bytes.Clone(b.PreviousSignature), Signature: bytes.Clone(b.Signature)}
	return nil
}

// Last returns the last accepted beacon, or nil.
func (v *Verifier) Last() *Beacon { return v.last }

// VerifyBeacon checks b against group's public key; a one-shot VerifyRound.
func (g *Group) VerifyBeacon(b *Beacon) error {
	v := &Verifier{scheme: g.scheme, pub: g.commits[0]}
	return v.VerifyRound(b)
}
