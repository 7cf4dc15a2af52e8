package drp

import (
	"fmt"
	"sync"

	"github.com/drand/kyber"
	"github.com/drand/kyber/share"
	"github.com/ethereum/go-ethereum/rlp"
)

// Group is the public outcome of a DKG or resharing: the scheme, the
// threshold and the public polynomial whose constant term is the group
// public key. Anyone holding it can verify partials and beacons. It is safe
// for concurrent use.
type Group struct {
	scheme  *Scheme
	commits []kyber.Point
	size    int

	mu     sync.Mutex
	shares map[int]kyber.Point // cached public key shares, p(i+1)·G
}

// NewGroup builds a Group from the public polynomial's coefficients
// (commits[0] is the group key; len(commits) is the threshold) and the
// committee size.
func NewGroup(scheme *Scheme, commits []kyber.Point, size int) (*Group, error) {
	if scheme == nil {
		return nil, fmt.Errorf("%w: nil scheme", ErrBadConfig)
	}
	if len(commits) == 0 || size < len(commits) {
		return nil, fmt.Errorf("%w: %d commitments for %d members", ErrBadConfig, len(commits), size)
	}
	cs := make([]kyber.Point, len(commits))
	for i, c := range commits {
		if c == nil {
			return nil, fmt.Errorf("%w: nil commitment %d", ErrBadConfig, i)
		}
		cs[i] = c.Clone()
	}
	if cs[0].Equal(scheme.keys.Point().Null()) {
		return nil, fmt.Errorf("%w: group key is the identity", ErrBadConfig)
	}
	return &Group{scheme: scheme, commits: cs, size: size, shares: map[int]kyber.Point{}}, nil
}

// Scheme returns the group's scheme.
func (g *Group) Scheme() *Scheme { return g.scheme }

// Threshold is the number of partials that recover a signature.
func (g *Group) Threshold() int { return len(g.commits) }

// Size is the number of share indices (committee members).
func (g *Group) Size() int { return g.size }

// PublicKey returns the group public key.
func (g *Group) PublicKey() kyber.Point { return g.commits[0].Clone() }

// PublicKeyBytes returns the group public key in drand's encoding
// (compressed point, as the "public_key" of a drand chain info).
func (g *Group) PublicKeyBytes() []byte {
	b, _ := g.commits[0].MarshalBinary()
	return b
}

// Commits returns a copy of the public polynomial's coefficients.
func (g *Group) Commits() []kyber.Point {
	out := make([]kyber.Point, len(g.commits))
	for i, c := range g.commits {
		out[i] = c.Clone()
	}
	return out
}

// PublicShare returns member i's public key share, cached after the first
// call so that verifying a partial costs one pairing check.
func (g *Group) PublicShare(i int) kyber.Point {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.shares[i]; ok {
		return p
	}
	p := share.NewPubPoly(g.scheme.keys, nil, g.commits).Eval(i).V
	g.shares[i] = p
	return p
}

type groupWire struct {
	Scheme  string
	Size    uint64
	Commits [][]byte
}

// MarshalBinary encodes the group (RLP of scheme id, size, commitments).
func (g *Group) MarshalBinary() ([]byte, error) {
	w := groupWire{Scheme: g.scheme.id, Size: uint64(g.size)}
	for _, c := range g.commits {
		b, err := c.MarshalBinary()
		if err != nil {
			return nil, fmt.Errorf("drp: encode commitment: %w", err)
		}
		w.Commits = append(w.Commits, b)
	}
	return rlp.EncodeToBytes(&w)
}

// maxCommits bounds decoded polynomials so a hostile input cannot make a
// decoder allocate without limit.
const maxCommits = 1 << 12

// UnmarshalGroup decodes a group encoded by Group.MarshalBinary.
func UnmarshalGroup(data []byte) (*Group, error) {
	var w groupWire
	if err := rlp.DecodeBytes(data, &w); err != nil {
		return nil, fmt.Errorf("%w: group: %v", ErrDecode, err)
	}
	s, err := NewScheme(w.Scheme)
	if err != nil {
		return nil, fmt.Errorf("%w: group: %w", ErrDecode, err)
	}
	if len(w.Commits) > maxCommits || w.Size > maxCommits {
		return nil, fmt.Errorf("%w: group too large", ErrDecode)
	}
	commits, err := decodePoints(s.keys, w.Commits)
	if err != nil {
		return nil, fmt.Errorf("%w: group: %w", ErrDecode, err)
	}
	g, err := NewGroup(s, commits, int(w.Size))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return g, nil
}

func decodePoints(g kyber.Group, raw [][]byte) ([]kyber.Point, error) {
	out := make([]kyber.Point, len(raw))
	for i, b := range raw {
		p := g.Point()
		if err := p.UnmarshalBinary(b); err != nil {
			return nil, fmt.Errorf("point %d: %w", i, err)
		}
		out[i] = p
	}
	return out, nil
}

// KeyShare is one member's secret share of the group key together with the
// group it belongs to. Keep it secret; persist it with MarshalBinary.
type KeyShare struct {
	group *Group
	share *share.PriShare
}

// NewKeyShare pairs a private share with its group, checking that it
// matches the public polynomial.
func NewKeyShare(g *Group, s *share.PriShare) (*KeyShare, error) {
	if g == nil || s == nil || s.V == nil {
		return nil, fmt.Errorf("%w: nil group or share", ErrBadConfig)
	}
	if s.I < 0 || s.I >= g.size {
		return nil, fmt.Errorf("%w: share index %d outside committee of %d", ErrBadConfig, s.I, g.size)
	}
	pub := g.scheme.keys.Point().Mul(s.V, nil)
	if !pub.Equal(g.PublicShare(s.I)) {
		return nil, fmt.Errorf("%w: share %d does not match the public polynomial", ErrBadConfig, s.I)
	}
	return &KeyShare{group: g, share: &share.PriShare{I: s.I, V: s.V.Clone()}}, nil
}

// Group returns the public group.
func (k *KeyShare) Group() *Group { return k.group }

// Index is the member's share index.
func (k *KeyShare) Index() int { return k.share.I }

// PriShare returns a copy of the kyber private share.
func (k *KeyShare) PriShare() *share.PriShare {
	return &share.PriShare{I: k.share.I, V: k.share.V.Clone()}
}

type keyShareWire struct {
	Group []byte
	Index uint64
	Share []byte
}

// MarshalBinary encodes the share and its group. The output contains the
// secret share.
func (k *KeyShare) MarshalBinary() ([]byte, error) {
	g, err := k.group.MarshalBinary()
	if err != nil {
		return nil, err
	}
	s, err := k.share.V.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("drp: encode share: %w", err)
	}
	return rlp.EncodeToBytes(&keyShareWire{Group: g, Index: uint64(k.share.I), Share: s})
}

// UnmarshalKeyShare decodes a share encoded by KeyShare.MarshalBinary and
// checks it against its group.
func UnmarshalKeyShare(data []byte) (*KeyShare, error) {
	var w keyShareWire
	if err := rlp.DecodeBytes(data, &w); err != nil {
		return nil, fmt.Errorf("%w: key share: %v", ErrDecode, err)
	}
	g, err := UnmarshalGroup(w.Group)
	if err != nil {
		return nil, err
	}
	v := g.scheme.keys.Scalar()
	if err := v.UnmarshalBinary(w.Share); err != nil {
		return nil, fmt.Errorf("%w: key share scalar: %v", ErrDecode, err)
	}
	if w.Index >= uint64(g.size) {
		return nil, fmt.Errorf("%w: share index %d", ErrDecode, w.Index)
	}
	ks, err := NewKeyShare(g, &share.PriShare{I: int(w.Index), V: v})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrDecode, err)
	}
	return ks, nil
}
