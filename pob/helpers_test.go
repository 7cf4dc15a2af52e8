package pob_test

import (
	"fmt"

	"github.com/drand/kyber"
	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/pob"
)

type testKey struct {
	sk  kyber.Scalar
	pk  kyber.Point
	adr common.Address
}

func testKeys(n int) []testKey {
	out := make([]testKey, n)
	for i := range out {
		sk, pk := pob.NewKeyPair(fmt.Appendf(nil, "pob-test-%d", i))
		out[i] = testKey{sk, pk, common.BigToAddress(common.Big1)}
		out[i].adr[0] = byte(i + 1)
	}
	return out
}

func pubs(ks []testKey) []kyber.Point {
	out := make([]kyber.Point, len(ks))
	for i, k := range ks {
		out[i] = k.pk
	}
	return out
}

func members(ks []testKey) []pob.Member {
	out := make([]pob.Member, len(ks))
	for i, k := range ks {
		out[i] = pob.Member{Address: k.adr, PublicKey: k.pk}
	}
	return out
}

var testDomain = pob.Domain{ChainID: 1, Shard: 2, Epoch: 3}

// certificate signs precommits for block by the given signers and
// aggregates them.
func certificate(ks []testKey, signers []int, height uint64, block common.Hash) pob.Certificate {
	cv, err := pob.NewCommitteeVerifier(pubs(ks), nil)
	if err != nil {
		panic(err)
	}
	sigs := map[int][]byte{}
	for _, i := range signers {
		v, err := pob.SignVote(pob.NewSigner(ks[i].sk), pob.Vote{Domain: testDomain, Type: pob.Precommit, Height: height, Block: block, Voter: uint32(i)})
		if err != nil {
			panic(err)
		}
		sigs[i] = v.Sig
	}
	c, err := cv.Aggregate(testDomain, height, 0, block, sigs)
	if err != nil {
		panic(err)
	}
	return c
}

// validator is a TxValidator rejecting transactions that start with 0xBA.
type validator struct{}

func (validator) Validate(tx []byte) error {
	if len(tx) == 0 || tx[0] == 0xBA {
		return fmt.Errorf("bad tx")
	}
	return nil
}
