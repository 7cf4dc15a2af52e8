package chain

import (
	"errors"
	"fmt"

	"github.com/drand/kyber"
	"github.com/drand/kyber/sign"
	"github.com/drand/kyber/sign/bdn"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/pob"
)

// State attestations: how a shard's committee certifies a block's state
// commitment for atomix.
//
// pob certifies a block's hash; the state commitment a block produces is
// known only once the block is executed. When a finalized block holds atomix
// votes, every member of the shard's running committee that executed it
// signs "shard S at height H has commitment R" with its pob key, under its
// own domain tag so the signature is never a pob vote. A quorum of those
// signatures, BDN-aggregated with a signer bitmap like pob's certificates, is
// the atomix finality certificate of (S, H, R). An honest member signs only
// roots it computed itself, so a quorum proves the root as firmly as pob's
// certificate proves the block.

// attestDomain separates attestation signatures from every pob statement.
const attestDomain = "iostkit/node/v1/state-attestation"

var attestScheme = bdn.NewSchemeOnG1(pob.Suite())

// ErrBadAttestation means an attestation certificate or signature that
// does not verify.
var ErrBadAttestation = errors.New("chain: bad state attestation")

// Kinds of attested statements.
const (
	// KindBlock: Root is the state commitment after block Height.
	KindBlock uint8 = 0
	// KindMSB: Root is the SigningHash of Micro State Block number Height.
	KindMSB uint8 = 1
)

// Statement is what an attestation certifies, signed by the committee
// (Epoch, Version) of shard Shard of chain ChainID — Version is
// transepoch's committee version within the epoch: for KindBlock, that the
// shard's state commitment after its block Height is Root; for KindMSB,
// that the shard's Micro State Block number Height has signing hash Root.
type Statement struct {
	ChainID uint64
	Shard   uint32
	Epoch   uint64
	Version uint64
	Height  uint64
	Root    common.Hash
	Kind    uint8
}

// Message is the byte string committee members sign for s.
func (s Statement) Message() []byte {
	b, err := rlp.EncodeToBytes(s)
	if err != nil {
		panic(err) // fixed-size fields always encode
	}
	return crypto.Keccak256(append([]byte(attestDomain), b...))
}

// Sign returns one member's signature over s.
func (s Statement) Sign(sk kyber.Scalar) ([]byte, error) {
	return pob.NewSigner(sk).Sign(s.Message())
}

// Attestation is the certificate atomix carries in Proof.Certificate.
type Attestation struct {
	// Version is the committee version within the epoch.
	Version uint64
	// Signers is the bitmap over the committee (kyber's sign.Mask layout).
	Signers []byte
	// Sig is the BDN aggregate of the signers' signatures (G1).
	Sig []byte
}

// Encode returns a's RLP encoding.
func (a Attestation) Encode() []byte {
	b, err := rlp.EncodeToBytes(a)
	if err != nil {
		panic(err)
	}
	return b
}

// DecodeAttestation parses an encoded Attestation.
func DecodeAttestation(b []byte) (Attestation, error) {
	var a Attestation
	if len(b) > 1024 {
		return a, fmt.Errorf("%w: %d bytes", ErrBadAttestation, len(b))
	}
	if err := rlp.DecodeBytes(b, &a); err != nil {
		return a, fmt.Errorf("%w: %v", ErrBadAttestation, err)
	}
	return a, nil
}

// Aggregate builds the attestation of s from the signatures sigs of
// committee members (by committee index); it needs a quorum. Signatures
// are not checked here: check each as it arrives.
func Aggregate(committee []kyber.Point, s Statement, sigs map[int][]byte) (Attestation, error) {
	if len(sigs) < pob.Quorum(len(committee)) {
		return Attestation{}, fmt.Errorf("%w: %d signatures, quorum is %d", ErrBadAttestation, len(sigs), pob.Quorum(len(committee)))
	}
	mask, err := sign.NewMask(pob.Suite(), committee, nil)
	if err != nil {
		return Attestation{}, err
	}
	var ordered [][]byte
	for i := range committee { // committee order, as the mask counts
		if sig, ok := sigs[i]; ok {
			if err := mask.SetBit(i, true); err != nil {
				return Attestation{}, err
			}
			ordered = append(ordered, sig)
		}
	}
	agg, err := attestScheme.AggregateSignatures(ordered, mask)
	if err != nil {
		return Attestation{}, fmt.Errorf("%w: %v", ErrBadAttestation, err)
	}
	sig, err := agg.MarshalBinary()
	if err != nil {
		return Attestation{}, err
	}
	return Attestation{Version: s.Version, Signers: mask.Mask(), Sig: sig}, nil
}

// VerifyAttestation checks that a holds a quorum of committee's
// signatures over s.
func VerifyAttestation(committee []kyber.Point, s Statement, a Attestation) error {
	if a.Version != s.Version {
		return fmt.Errorf("%w: committee version %d, want %d", ErrBadAttestation, a.Version, s.Version)
	}
	if err := pob.VerifyAggregate(committee, a.Signers, s.Message(), a.Sig); err != nil {
		return fmt.Errorf("%w: %v", ErrBadAttestation, err)
	}
	return nil
}

// MSBCert is the certificate the node attaches to a Micro State Block
// header (microstate.Store.Certify): the committee attestation of the
// header's signing hash, with the epoch of the committee that signed.
type MSBCert struct {
	Epoch uint64
	// Header is the encoded header certified (the committee signed its
	// SigningHash; the verifier needs its number and epoch).
	Header      []byte
	Attestation Attestation
}

// Encode returns c's RLP encoding.
func (c MSBCert) Encode() []byte {
	b, err := rlp.EncodeToBytes(c)
	if err != nil {
		panic(err)
	}
	return b
}

// DecodeMSBCert parses an encoded MSBCert.
func DecodeMSBCert(b []byte) (MSBCert, error) {
	var c MSBCert
	if len(b) > 8192 {
		return c, fmt.Errorf("%w: %d bytes", ErrBadAttestation, len(b))
	}
	if err := rlp.DecodeBytes(b, &c); err != nil {
		return c, fmt.Errorf("%w: %v", ErrBadAttestation, err)
	}
	return c, nil
}
