package pob

import (
	"crypto/sha256"
	"fmt"

	"github.com/drand/kyber"
	bls12381 "github.com/drand/kyber-bls12381"
	"github.com/drand/kyber/pairing"
	"github.com/drand/kyber/sign/bdn"
	"github.com/drand/kyber/util/random"
	"github.com/drand/kyber/xof/blake2xb"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
)

// Validators sign with BLS on BLS12-381: signatures on G1 (48 bytes),
// public keys on G2, aggregated with the BDN scheme, which weights each key
// by a hash of the whole roster and so resists rogue-key attacks.
var (
	suite  pairing.Suite = bls12381.NewBLS12381Suite()
	scheme               = bdn.NewSchemeOnG1(suite)
)

// Suite returns the pairing suite validator keys live in.
func Suite() pairing.Suite { return suite }

// Signer produces the local validator's BLS signatures. The engine asks for
// a signature only after checking its persisted vote state, so a Signer
// needs no slashing protection of its own (a remote signer may add it).
type Signer interface {
	Sign(msg []byte) ([]byte, error)
}

// Verifier checks one BLS signature. The default is BLSVerifier; a caller
// may wrap it (a cache keyed by key, message and signature, say) as long as
// it answers exactly as BLS verification does.
type Verifier interface {
	Verify(pub kyber.Point, msg, sig []byte) error
}

// BLSVerifier verifies BDN/BLS signatures on G1 against keys on G2.
type BLSVerifier struct{}

// Verify implements Verifier.
func (BLSVerifier) Verify(pub kyber.Point, msg, sig []byte) error {
	if pub == nil {
		return fmt.Errorf("%w: no public key", ErrBadSignature)
	}
	if err := scheme.Verify(pub, msg, sig); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return nil
}

var _ Verifier = BLSVerifier{}

// KeySigner signs with a private scalar.
type KeySigner struct{ sk kyber.Scalar }

// NewSigner returns a Signer holding the private key sk.
func NewSigner(sk kyber.Scalar) *KeySigner { return &KeySigner{sk: sk} }

// Sign implements Signer.
func (s *KeySigner) Sign(msg []byte) ([]byte, error) { return scheme.Sign(s.sk, msg) }

var _ Signer = (*KeySigner)(nil)

// NewKeyPair derives a BLS key pair deterministically from seed (through
// SHA-256 and the blake2xb XOF). It serves tests, examples and simulations;
// production keys come from a secure random source and a key store.
func NewKeyPair(seed []byte) (kyber.Scalar, kyber.Point) {
	h := sha256.Sum256(seed)
	return scheme.NewKeyPair(random.New(blake2xb.New(h[:])))
}

// Versioned tags of every signed statement (see docs/pob.md, "Messages").
const (
	tagVote       = "iostkit/pob/v1/vote"
	tagProposal   = "iostkit/pob/v1/proposal"
	tagOptimistic = "iostkit/pob/v1/optimistic"
	tagSample     = "iostkit/pob/v1/sample"
	tagHash       = "iostkit/pob/v1/hash"
)

// signBytes is the message actually signed: tag ‖ RLP(v).
func signBytes(tag string, v any) []byte {
	b, err := rlp.EncodeToBytes(v)
	if err != nil { // only called with encodable protocol types
		panic(fmt.Sprintf("pob: encode %T: %v", v, err))
	}
	return append([]byte(tag+"\x00"), b...)
}

// hashOf is Keccak-256 over a tagged canonical encoding.
func hashOf(tag string, v any) [32]byte {
	return [32]byte(crypto.Keccak256(signBytes(tag, v)))
}
