package xshard

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"

	"github.com/drand/kyber"
	"github.com/drand/kyber/sign"
	"github.com/drand/kyber/sign/bdn"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"

	"github.com/iostkit/iostkit/atomix"
	"github.com/iostkit/iostkit/pob"
)

// attestDomain separates attestation signatures from every other statement
// a validator signs.
const attestDomain = "iostkit/sim/v1/state-attestation"

var scheme = bdn.NewSchemeOnG1(pob.Suite())

// ErrBadAttestation means an attestation that does not verify.
var ErrBadAttestation = errors.New("xshard: bad state attestation")

// Statement is what a shard's committee attests: that the shard's state
// commitment after its block Height, in Epoch, is Root.
type Statement struct {
	Shard  uint32
	Epoch  uint64
	Height uint64
	Root   common.Hash
}

// Message is the byte string committee members sign for s.
func (s Statement) Message() []byte {
	b, err := rlp.EncodeToBytes(s)
	if err != nil {
		panic(fmt.Sprintf("xshard: encoding a statement: %v", err)) // fixed-size fields
	}
	return crypto.Keccak256([]byte(attestDomain), b)
}

// Attestation is atomix.Proof.Certificate here: the signer bitmap over the
// committee (kyber's sign.Mask layout) and the BDN aggregate signature.
type Attestation struct {
	Signers []byte
	Sig     []byte
}

// Encode returns a's RLP encoding.
func (a Attestation) Encode() []byte {
	b, err := rlp.EncodeToBytes(a)
	if err != nil {
		panic(fmt.Sprintf("xshard: encoding an attestation: %v", err))
	}
	return b
}

// Committee is one shard's attesting committee: its members' BLS12-381
// keys, in member order.
type Committee struct {
	keys []kyber.Scalar
	pubs []kyber.Point
}

// NewCommittee derives the keys of shard's committee of n members from
// seed (one key pair per member, pob.NewKeyPair over a tagged seed).
func NewCommittee(seed uint64, shard, n int) *Committee {
	c := &Committee{}
	for m := range n {
		var b [24]byte
		binary.BigEndian.PutUint64(b[:], seed)
		binary.BigEndian.PutUint64(b[8:], uint64(shard))
		binary.BigEndian.PutUint64(b[16:], uint64(m))
		sk, pk := pob.NewKeyPair(append([]byte("iostkit sim attestation key "), b[:]...))
		c.keys, c.pubs = append(c.keys, sk), append(c.pubs, pk)
	}
	return c
}

// Size is the number of members.
func (c *Committee) Size() int { return len(c.pubs) }

// Public is the members' public keys, in member order.
func (c *Committee) Public() []kyber.Point { return c.pubs }

// Sign returns member m's signature over s.
func (c *Committee) Sign(m int, s Statement) ([]byte, error) {
	return scheme.Sign(c.keys[m], s.Message())
}

// Attest aggregates the signatures sigs of members (by member index) into
// an attestation; it needs a quorum (pob.Quorum). Signatures are not
// checked here: the caller checks each as it arrives.
func (c *Committee) Attest(sigs map[int][]byte) (Attestation, error) {
	if len(sigs) < pob.Quorum(len(c.pubs)) {
		return Attestation{}, fmt.Errorf("%w: %d signatures, quorum is %d", ErrBadAttestation, len(sigs), pob.Quorum(len(c.pubs)))
	}
	mask, err := sign.NewMask(pob.Suite(), c.pubs, nil)
	if err != nil {
		return Attestation{}, err
	}
	var ordered [][]byte
	for i := range c.pubs { // member order, as the mask counts
		if sig, ok := sigs[i]; ok {
			if err := mask.SetBit(i, true); err != nil {
				return Attestation{}, err
			}
			ordered = append(ordered, sig)
		}
	}
	agg, err := scheme.AggregateSignatures(ordered, mask)
	if err != nil {
		return Attestation{}, fmt.Errorf("%w: %v", ErrBadAttestation, err)
	}
	sig, err := agg.MarshalBinary()
	if err != nil {
		return Attestation{}, err
	}
	return Attestation{Signers: mask.Mask(), Sig: sig}, nil
}

// VerifySig checks member m's signature over s.
func (c *Committee) VerifySig(m int, s Statement, sig []byte) error {
	if err := scheme.Verify(c.pubs[m], s.Message(), sig); err != nil {
		return fmt.Errorf("%w: member %d: %v", ErrBadAttestation, m, err)
	}
	return nil
}

// Verify checks that a holds a quorum of c's signatures over s.
func (c *Committee) Verify(s Statement, a Attestation) error {
	if err := pob.VerifyAggregate(c.pubs, a.Signers, s.Message(), a.Sig); err != nil {
		return fmt.Errorf("%w: %v", ErrBadAttestation, err)
	}
	return nil
}

// AttestationVerifier is atomix's CertificateVerifier over committee
// attestations: cert is an encoded Attestation by the committee of the
// shard in that epoch, over Statement{shard, epoch, height, root}.
//
// Like the simulator's signature cache (the cache pob.Verifier's
// documentation allows), it remembers each outcome, keyed by SHA-256 of the
// statement and the certificate, so a certificate every destination shard
// checks is verified for real once per run; the simulator charges every
// check its calibrated cost.
type AttestationVerifier struct {
	committees func(shard uint32, epoch uint64) *Committee

	mu   sync.Mutex
	seen map[[32]byte]error
	// Hits and Misses count lookups.
	Hits, Misses uint64
}

var _ atomix.CertificateVerifier = (*AttestationVerifier)(nil)

// NewAttestationVerifier returns a verifier that finds the committee of a
// shard in an epoch with committees (nil when unknown).
func NewAttestationVerifier(committees func(shard uint32, epoch uint64) *Committee) *AttestationVerifier {
	return &AttestationVerifier{committees: committees, seen: map[[32]byte]error{}}
}

// VerifyFinality implements atomix.CertificateVerifier.
func (v *AttestationVerifier) VerifyFinality(shard atomix.ShardID, epoch, height uint64, root common.Hash, cert []byte) error {
	s := Statement{Shard: uint32(shard), Epoch: epoch, Height: height, Root: root}
	h := sha256.New()
	h.Write(s.Message())
	h.Write(cert)
	key := [32]byte(h.Sum(nil))
	v.mu.Lock()
	res, ok := v.seen[key]
	if ok {
		v.Hits++
		v.mu.Unlock()
		return res
	}
	v.Misses++
	v.mu.Unlock()
	res = v.verify(s, cert)
	v.mu.Lock()
	v.seen[key] = res
	v.mu.Unlock()
	return res
}

func (v *AttestationVerifier) verify(s Statement, cert []byte) error {
	c := v.committees(s.Shard, s.Epoch)
	if c == nil {
		return fmt.Errorf("%w: no committee for shard %d in epoch %d", ErrBadAttestation, s.Shard, s.Epoch)
	}
	var a Attestation
	if len(cert) > 1024 {
		return fmt.Errorf("%w: %d bytes", ErrBadAttestation, len(cert))
	}
	if err := rlp.DecodeBytes(cert, &a); err != nil {
		return fmt.Errorf("%w: %v", ErrBadAttestation, err)
	}
	return c.Verify(s, a)
}
