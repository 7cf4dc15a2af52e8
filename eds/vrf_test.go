package eds

import (
	"crypto/sha256"
	"fmt"

	"github.com/drand/kyber"
	bls12381 "github.com/drand/kyber-bls12381"
	"github.com/drand/kyber/sign"
	"github.com/drand/kyber/sign/bdn"
	"github.com/drand/kyber/util/random"
	"github.com/drand/kyber/xof/blake2xb"
)

// blsVRF is a real VRF for the tests: a BLS signature is unique for a key
// and message, so SHA-256 of it is a verifiable pseudo-random output. drp
// ships the production implementation; this one keeps eds's tests free of
// other iostkit packages.
type blsVRF struct {
	suite  *bls12381.Suite
	scheme sign.Scheme
}

func newBLSVRF() *blsVRF {
	s := bls12381.NewBLS12381Suite().(*bls12381.Suite)
	return &blsVRF{suite: s, scheme: bdn.NewSchemeOnG1(s)}
}

type vrfKey struct {
	sk  kyber.Scalar
	pub []byte
}

func (v *blsVRF) keyFor(seed string) vrfKey {
	h := sha256.Sum256([]byte(seed))
	sk, pk := v.scheme.NewKeyPair(random.New(blake2xb.New(h[:])))
	pub, _ := pk.MarshalBinary()
	return vrfKey{sk: sk, pub: pub}
}

func (v *blsVRF) prove(k vrfKey, input []byte) (output, proof []byte) {
	sig, err := v.scheme.Sign(k.sk, input)
	if err != nil {
		panic(err)
	}
	o := sha256.Sum256(sig)
	return o[:], sig
}

func (v *blsVRF) VerifyVRF(publicKey, input, proof []byte) ([]byte, error) {
	pk := v.suite.G2().Point()
	if err := pk.UnmarshalBinary(publicKey); err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	if err := v.scheme.Verify(pk, input, proof); err != nil {
		return nil, err
	}
	o := sha256.Sum256(proof)
	return o[:], nil
}
