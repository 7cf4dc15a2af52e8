package drp

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/drand/kyber"
	bls12381 "github.com/drand/kyber-bls12381"
	"github.com/drand/kyber/pairing"
	"github.com/drand/kyber/sign"
	"github.com/drand/kyber/sign/bdn"
	"github.com/drand/kyber/sign/tbls"
)

// Scheme ids, exactly as drand names them in its chain info ("schemeID"), so
// that a beacon produced here verifies under drand's rules and vice versa.
const (
	// SchemeChained is drand's original scheme (League of Entropy "default"
	// chain): group key on G1 (48 bytes), signatures on G2 (96 bytes) with
	// the RFC 9380 DST "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_NUL_",
	// message = SHA-256(previous signature ‖ round as 8-byte big-endian).
	SchemeChained = "pedersen-bls-chained"
	// SchemeUnchained is as SchemeChained but message = SHA-256(round as
	// 8-byte big-endian): rounds can be verified independently.
	SchemeUnchained = "pedersen-bls-unchained"
	// SchemeUnchainedG1 is drand's "quicknet" scheme: group key on G2
	// (96 bytes), signatures on G1 (48 bytes) with the RFC 9380 DST
	// "BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_", message =
	// SHA-256(round as 8-byte big-endian).
	SchemeUnchainedG1 = "bls-unchained-g1-rfc9380"
)

// DefaultSchemeID is the scheme NewScheme("") returns: short G1 signatures,
// unchained, as drand's quicknet.
const DefaultSchemeID = SchemeUnchainedG1

// Scheme fixes the curve groups, hash-to-curve tag and message digest of a
// beacon. It is immutable and safe for concurrent use.
type Scheme struct {
	id      string
	chained bool
	suite   pairing.Suite
	keys    kyber.Group
	sigs    kyber.Group
	tbls    sign.ThresholdScheme
	bls     sign.Scheme
}

// NewScheme returns the scheme with the given drand scheme id; "" means
// DefaultSchemeID.
func NewScheme(id string) (*Scheme, error) {
	if id == "" {
		id = DefaultSchemeID
	}
	switch id {
	case SchemeChained, SchemeUnchained:
		// Explicit DSTs (the library defaults) so the scheme cannot drift with
		// a dependency upgrade.
		suite := bls12381.NewBLS12381SuiteWithDST(bls12381.DefaultDomainG1(), bls12381.DefaultDomainG2())
		return &Scheme{
			id:      id,
			chained: id == SchemeChained,
			suite:   suite,
			keys:    suite.G1(),
			sigs:    suite.G2(),
			tbls:    tbls.NewThresholdSchemeOnG2(suite),
			bls:     bdn.NewSchemeOnG2(suite),
		}, nil
	case SchemeUnchainedG1:
		suite := bls12381.NewBLS12381SuiteWithDST(bls12381.DefaultDomainG1(), bls12381.DefaultDomainG2())
		return &Scheme{
			id:    id,
			suite: suite,
			keys:  suite.G2(),
			sigs:  suite.G1(),
			tbls:  tbls.NewThresholdSchemeOnG1(suite),
			bls:   bdn.NewSchemeOnG1(suite),
		}, nil
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownScheme, id)
	}
}

// MustScheme is NewScheme for ids known at compile time; it panics on an
// unknown id.
func MustScheme(id string) *Scheme {
	s, err := NewScheme(id)
	if err != nil {
		panic(err)
	}
	return s
}

// ID returns the drand scheme id.
func (s *Scheme) ID() string { return s.id }

// Chained reports whether each round's message includes the previous
// signature.
func (s *Scheme) Chained() bool { return s.chained }

// KeyGroup is the group of the group public key, the key shares' public
// counterparts and the members' long-term DKG keys.
func (s *Scheme) KeyGroup() kyber.Group { return s.keys }

// SigGroup is the group of beacon signatures and partials.
func (s *Scheme) SigGroup() kyber.Group { return s.sigs }

// Suite is the pairing suite with the scheme's hash-to-curve tags.
func (s *Scheme) Suite() pairing.Suite { return s.suite }

// SignatureSize is the encoded size of a beacon signature in bytes.
func (s *Scheme) SignatureSize() int { return s.sigs.PointLen() }

// Digest returns the bytes the committee signs for a round, as drand
// computes them: SHA-256(prev ‖ round) when chained, SHA-256(round)
// otherwise, round as 8-byte big-endian. prev is ignored when unchained.
func (s *Scheme) Digest(round uint64, prev []byte) []byte {
	h := sha256.New()
	if s.chained && len(prev) > 0 {
		h.Write(prev)
	}
	var r [8]byte
	binary.BigEndian.PutUint64(r[:], round)
	h.Write(r[:])
	return h.Sum(nil)
}

// Randomness derives a round's randomness from its signature, as drand
// does: SHA-256(signature).
func Randomness(signature []byte) []byte {
	h := sha256.Sum256(signature)
	return h[:]
}

// String returns the scheme id.
func (s *Scheme) String() string { return s.id }
