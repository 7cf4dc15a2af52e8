package drp

import (
	"crypto/sha256"
	"fmt"
	"io"

	"github.com/drand/kyber"
	bls12381 "github.com/drand/kyber-bls12381"
	"github.com/drand/kyber/pairing"
	"github.com/drand/kyber/sign"
	"github.com/drand/kyber/sign/bdn"
	"github.com/drand/kyber/util/random"
)

// VRFDomain is the RFC 9380 hash-to-curve tag of drp's VRF. It separates VRF
// proofs from every other BLS signature a validator key makes (votes,
// beacons), and carries a version.
const VRFDomain = "IOSTKIT-DRP-VRF-V1-BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"

// VRF is a verifiable random function from unique BLS signatures on
// BLS12-381: proof = BLS signature on G1 of the input under VRFDomain,
// output = SHA-256(proof), public keys on G2 (96 bytes). Uniqueness of BLS
// signatures makes the output a function of (key, input). It satisfies
// eds.VRFVerifier. VRF is immutable and safe for concurrent use.
type VRF struct {
	suite  pairing.Suite
	scheme sign.Scheme
}

// NewVRF returns the VRF.
func NewVRF() *VRF {
	s := bls12381.NewBLS12381SuiteWithDST([]byte(VRFDomain), bls12381.DefaultDomainG2())
	return &VRF{suite: s, scheme: bdn.NewSchemeOnG1(s)}
}

// KeyPair draws a VRF key pair from rand (nil means crypto/rand) and
// returns the secret key and the encoded public key.
func (v *VRF) KeyPair(rand io.Reader) (kyber.Scalar, []byte, error) {
	var sk kyber.Scalar
	var pk kyber.Point
	if rand == nil {
		sk, pk = v.scheme.NewKeyPair(random.New())
	} else {
		sk, pk = v.scheme.NewKeyPair(random.New(rand))
	}
	b, err := pk.MarshalBinary()
	if err != nil {
		return nil, nil, fmt.Errorf("drp: encode vrf key: %w", err)
	}
	return sk, b, nil
}

// PublicKey returns the encoded public key of sk.
func (v *VRF) PublicKey(sk kyber.Scalar) []byte {
	b, _ := v.suite.G2().Point().Mul(sk, nil).MarshalBinary()
	return b
}

// Prove evaluates the VRF on input: output = SHA-256(proof).
func (v *VRF) Prove(sk kyber.Scalar, input []byte) (output, proof []byte, err error) {
	if sk == nil || sk.Equal(v.suite.G2().Scalar().Zero()) {
		return nil, nil, fmt.Errorf("%w: zero vrf key", ErrBadConfig)
	}
	proof, err = v.scheme.Sign(sk, input)
	if err != nil {
		return nil, nil, fmt.Errorf("drp: vrf prove: %w", err)
	}
	o := sha256.Sum256(proof)
	return o[:], proof, nil
}

// VerifyVRF checks that proof is publicKey's VRF proof over input and
// returns the output. publicKey is a compressed G2 point, proof a
// compressed G1 point; the identity is rejected for both, since an
// identity key would "prove" every input.
func (v *VRF) VerifyVRF(publicKey, input, proof []byte) ([]byte, error) {
	pk := v.suite.G2().Point()
	if err := pk.UnmarshalBinary(publicKey); err != nil {
		return nil, fmt.Errorf("%w: vrf public key: %v", ErrDecode, err)
	}
	if pk.Equal(v.suite.G2().Point().Null()) {
		return nil, fmt.Errorf("%w: identity vrf public key", ErrInvalidSignature)
	}
	sig := v.suite.G1().Point()
	if err := sig.UnmarshalBinary(proof); err != nil {
		return nil, fmt.Errorf("%w: vrf proof: %v", ErrDecode, err)
	}
	if sig.Equal(v.suite.G1().Point().Null()) {
		return nil, fmt.Errorf("%w: identity vrf proof", ErrInvalidSignature)
	}
	if err := v.scheme.Verify(pk, input, proof); err != nil {
		return nil, fmt.Errorf("%w: vrf: %v", ErrInvalidSignature, err)
	}
	o := sha256.Sum256(proof)
	return o[:], nil
}

// Verify checks proof and that output is its output.
func (v *VRF) Verify(publicKey, input, output, proof []byte) error {
	got, err := v.VerifyVRF(publicKey, input, proof)
	if err != nil {
		return err
	}
	if string(got) != string(output) {
		return fmt.Errorf("%w: vrf output does not match proof", ErrInvalidSignature)
	}
	return nil
}
