package pob

import (
	"encoding/binary"
	"fmt"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// PPM is a probability in parts per million (integer, no floats in
// consensus code): 1_000_000 is certainty.
const PPM = 1_000_000

type sampleContent struct {
	Domain Domain
	Block  common.Hash
}

// SampleInput is what a normal-league validator signs to draw its sample
// of an optimistic block. A BLS signature is unique for a key and message,
// so the signature is a VRF: the producer cannot predict or steer which
// transactions a validator checks (it would need the validator's private
// key), and anyone can verify the draw afterwards with VerifySample.
func SampleInput(d Domain, block common.Hash) []byte {
	return signBytes(tagSample, &sampleContent{d, block})
}

// SampleSeed is the sampling seed a VRF proof gives: Keccak-256 of it.
func SampleSeed(proof []byte) [32]byte { return [32]byte(crypto.Keccak256(proof)) }

// Sampled reports whether transaction i is in the sample a seed draws, with
// probability ppm/1,000,000 for each transaction, independently.
func Sampled(seed [32]byte, i int, ppm uint32) bool {
	if ppm >= PPM {
		return true
	}
	var buf [40]byte
	copy(buf[:], seed[:])
	binary.BigEndian.PutUint64(buf[32:], uint64(i))
	h := crypto.Keccak256(buf[:])
	// 2^64 mod 10^6 bias is below 10^-13: irrelevant here.
	return binary.BigEndian.Uint64(h[:8])%PPM < uint64(ppm)
}

// SampleIndices lists the indices of n transactions a seed samples.
func SampleIndices(seed [32]byte, n int, ppm uint32) []int {
	var out []int
	for i := range n {
		if Sampled(seed, i, ppm) {
			out = append(out, i)
		}
	}
	return out
}

// VerifySample checks that proof is the validator's VRF proof for block in
// domain d, and returns the seed it gives.
func VerifySample(v Verifier, pub kyber.Point, d Domain, block common.Hash, proof []byte) ([32]byte, error) {
	if v == nil {
		v = BLSVerifier{}
	}
	if err := v.Verify(pub, SampleInput(d, block), proof); err != nil {
		return [32]byte{}, fmt.Errorf("sample proof: %w", err)
	}
	return SampleSeed(proof), nil
}
