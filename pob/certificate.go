package pob

import (
	"fmt"
	"sync"

	"github.com/drand/kyber"
	"github.com/drand/kyber/sign"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"
)

// Certificate proves that a quorum of the committee precommitted one block
// at one height: a BDN aggregate of their precommit signatures and a bitmap
// of who signed (bit i of byte i/8, least significant first, is committee
// member i — kyber's sign.Mask layout). Anyone holding the committee's
// public keys verifies it with VerifyCertificate; atomix and light clients
// need nothing else.
type Certificate struct {
	// Domain is the chain, shard and epoch signed for.
	Domain Domain
	// Height is the finalized height.
	Height uint64
	// Round is the round the precommits were cast in.
	Round uint64
	// Block is the hash of the finalized block.
	Block common.Hash
	// Signers is the signer bitmap, one bit per committee member.
	Signers []byte
	// Signature is the BDN aggregate of the signers' precommit signatures (G1, compressed).
	Signature []byte
}

// MaxCertificateSize bounds an encoded certificate.
const MaxCertificateSize = 1 << 12

// Encode returns the canonical (RLP) encoding of c.
func (c Certificate) Encode() []byte { return mustEncode(&c) }

// DecodeCertificate parses an encoded certificate; malformed or oversized
// input is ErrDecode.
func DecodeCertificate(b []byte) (Certificate, error) {
	var c Certificate
	if len(b) > MaxCertificateSize {
		return c, fmt.Errorf("%w: certificate of %d bytes", ErrDecode, len(b))
	}
	if err := rlp.DecodeBytes(b, &c); err != nil {
		return Certificate{}, fmt.Errorf("%w: certificate: %v", ErrDecode, err)
	}
	return c, nil
}

// SignerCount is the number of bits set in the signer bitmap.
func (c Certificate) SignerCount() int {
	n := 0
	for _, b := range c.Signers {
		for ; b != 0; b &= b - 1 {
			n++
		}
	}
	return n
}

// SignedBy reports whether committee member i is in the signer bitmap.
func (c Certificate) SignedBy(i int) bool { return bitSet(c.Signers, i) }

// message is what each signer signed: the precommit for the block.
func (c Certificate) message() []byte {
	return voteSignBytes(c.Domain, Precommit, c.Height, c.Round, c.Block)
}

func bitSet(m []byte, i int) bool {
	return i >= 0 && i/8 < len(m) && m[i/8]&(1<<(uint(i)&7)) != 0
}

func setBit(m []byte, i int) { m[i/8] |= 1 << (uint(i) & 7) }

// checkBitmap verifies a signer bitmap's shape for a committee of n and
// that it holds a quorum.
func checkBitmap(signers []byte, n int) error {
	if n == 0 {
		return fmt.Errorf("%w: empty committee", ErrBadCertificate)
	}
	if len(signers) != (n+7)/8 {
		return fmt.Errorf("%w: bitmap of %d bytes for %d members", ErrBadCertificate, len(signers), n)
	}
	if rest := n % 8; rest != 0 && signers[len(signers)-1]>>uint(rest) != 0 {
		return fmt.Errorf("%w: bits beyond the committee", ErrBadCertificate)
	}
	if got, need := (Certificate{Signers: signers}).SignerCount(), Quorum(n); got < need {
		return fmt.Errorf("%w: %d signers, quorum is %d", ErrBadCertificate, got, need)
	}
	return nil
}

// VerifyCertificate checks c against the committee's public keys, in
// committee order: the bitmap holds a quorum and the aggregate signature
// verifies under the BDN-aggregated keys of the signers. The caller checks
// that c.Domain, c.Height and c.Block are the ones it expects.
func VerifyCertificate(committee []kyber.Point, c Certificate) error {
	return VerifyAggregate(committee, c.Signers, c.message(), c.Signature)
}

// VerifyAggregate checks a BDN aggregate signature over msg by the members
// of committee (public keys in committee order) that the bitmap signers
// names: the bitmap fits the committee and holds a quorum, and sig
// verifies under the signers' BDN-aggregated keys. It is the check behind
// VerifyCertificate, for any statement a committee signs the same way (a
// node's state attestations, say). Errors wrap ErrBadCertificate.
func VerifyAggregate(committee []kyber.Point, signers, msg, sig []byte) error {
	if err := checkBitmap(signers, len(committee)); err != nil {
		return err
	}
	mask, err := sign.NewMask(suite, committee, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadCertificate, err)
	}
	if err := mask.SetMask(append([]byte(nil), signers...)); err != nil {
		return fmt.Errorf("%w: %v", ErrBadCertificate, err)
	}
	agg, err := scheme.AggregatePublicKeys(mask)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrBadCertificate, err)
	}
	if err := (BLSVerifier{}).Verify(agg, msg, sig); err != nil {
		return fmt.Errorf("%w: %v", ErrBadCertificate, err)
	}
	return nil
}

// CommitteeVerifier verifies many certificates of one committee quickly: it
// computes each member's BDN-weighted key once, so a verification costs
// point additions and one pairing check instead of a scalar multiplication
// per signer.
type CommitteeVerifier struct {
	committee []kyber.Point
	weighted  []kyber.Point
	v         Verifier

	mu   sync.Mutex
	sigs map[weightedKey]kyber.Point // BDN-weighted signatures, by signer
}

type weightedKey struct {
	signer int
	sig    string
}

// NewCommitteeVerifier prepares verification for committee (in committee
// order). v checks the final aggregate signature; nil means BLSVerifier.
func NewCommitteeVerifier(committee []kyber.Point, v Verifier) (*CommitteeVerifier, error) {
	if v == nil {
		v = BLSVerifier{}
	}
	cv := &CommitteeVerifier{committee: committee, weighted: make([]kyber.Point, len(committee)), v: v, sigs: map[weightedKey]kyber.Point{}}
	for i := range committee {
		mask, err := sign.NewMask(suite, committee, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: committee: %v", ErrBadConfig, err)
		}
		bits := make([]byte, mask.Len())
		setBit(bits, i)
		if err := mask.SetMask(bits); err != nil {
			return nil, fmt.Errorf("%w: committee: %v", ErrBadConfig, err)
		}
		w, err := scheme.AggregatePublicKeys(mask)
		if err != nil {
			return nil, fmt.Errorf("%w: committee: %v", ErrBadConfig, err)
		}
		cv.weighted[i] = w
	}
	return cv, nil
}

// Size is the number of committee members.
func (cv *CommitteeVerifier) Size() int { return len(cv.weighted) }

// Verify checks c as VerifyCertificate does.
func (cv *CommitteeVerifier) Verify(c Certificate) error {
	if err := checkBitmap(c.Signers, len(cv.weighted)); err != nil {
		return err
	}
	agg := suite.G2().Point().Null()
	for i, w := range cv.weighted {
		if bitSet(c.Signers, i) {
			agg = agg.Add(agg, w)
		}
	}
	if err := cv.v.Verify(agg, c.message(), c.Signature); err != nil {
		return fmt.Errorf("%w: %v", ErrBadCertificate, err)
	}
	return nil
}

// Aggregate builds a certificate from verified precommit signatures for
// block, indexed by committee position: the BDN aggregate (each signature
// weighted by its signer's roster coefficient, exactly as
// bdn.AggregateSignatures computes it) and the bitmap. Weighted signatures
// are memoized, so a signature is decoded and weighted once however many
// certificates include it. Safe for concurrent use.
func (cv *CommitteeVerifier) Aggregate(d Domain, height, round uint64, block common.Hash, sigs map[int][]byte) (Certificate, error) {
	c := Certificate{Domain: d, Height: height, Round: round, Block: block, Signers: make([]byte, (len(cv.committee)+7)/8)}
	agg := suite.G1().Point().Null()
	for i := range cv.committee { // committee order, never map order
		s, ok := sigs[i]
		if !ok {
			continue
		}
		w, err := cv.weightedSig(i, s)
		if err != nil {
			return Certificate{}, err
		}
		setBit(c.Signers, i)
		agg = agg.Add(agg, w)
	}
	var err error
	if c.Signature, err = agg.MarshalBinary(); err != nil {
		return Certificate{}, err
	}
	return c, nil
}

func (cv *CommitteeVerifier) weightedSig(i int, sig []byte) (kyber.Point, error) {
	k := weightedKey{i, string(sig)}
	cv.mu.Lock()
	w, ok := cv.sigs[k]
	cv.mu.Unlock()
	if ok {
		return w, nil
	}
	mask, err := sign.NewMask(suite, cv.committee, nil)
	if err != nil {
		return nil, err
	}
	bits := make([]byte, mask.Len())
	setBit(bits, i)
	if err := mask.SetMask(bits); err != nil {
		return nil, err
	}
	if w, err = scheme.AggregateSignatures([][]byte{sig}, mask); err != nil {
		return nil, fmt.Errorf("%w: aggregate: %v", ErrBadSignature, err)
	}
	cv.mu.Lock()
	if len(cv.sigs) >= 1<<16 {
		clear(cv.sigs)
	}
	cv.sigs[k] = w
	cv.mu.Unlock()
	return w, nil
}

func mustEncode(v any) []byte {
	b, err := rlp.EncodeToBytes(v)
	if err != nil { // protocol types hold only encodable fields
		panic(fmt.Sprintf("pob: encode %T: %v", v, err))
	}
	return b
}
