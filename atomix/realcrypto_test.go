package atomix_test

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cosmos/iavl"
	idb "github.com/cosmos/iavl/db"
	ics23 "github.com/cosmos/ics23/go"
	"github.com/drand/kyber"
	bls12381 "github.com/drand/kyber-bls12381"
	"github.com/drand/kyber/pairing"
	"github.com/drand/kyber/sign"
	"github.com/drand/kyber/sign/bdn"
	"github.com/drand/kyber/util/random"
	"github.com/drand/kyber/xof/blake2xb"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"

	"github.com/iostkit/iostkit/atomix"
)

// Real parts for the tests: committees of BLS12-381 keys whose finality
// certificates are BDN aggregates (what pob produces), and shard state in
// an IAVL tree whose membership proofs are ICS-23 (what microstate
// produces). atomix sees them only through its interfaces.

const committeeSize = 4

func quorum(n int) int { return 2*n/3 + 1 }

type bdnCommittees struct {
	suite  pairing.Suite
	scheme *bdn.Scheme
	keys   map[[2]uint64][]kyber.Scalar
	pubs   map[[2]uint64][]kyber.Point
}

func newBDNCommittees() *bdnCommittees {
	s := bls12381.NewBLS12381Suite()
	return &bdnCommittees{suite: s, scheme: bdn.NewSchemeOnG1(s), keys: map[[2]uint64][]kyber.Scalar{}, pubs: map[[2]uint64][]kyber.Point{}}
}

// committee returns the deterministic keys of shard's committee in epoch.
func (c *bdnCommittees) committee(shard atomix.ShardID, epoch uint64) ([]kyber.Scalar, []kyber.Point) {
	k := [2]uint64{uint64(shard), epoch}
	if _, ok := c.keys[k]; !ok {
		for i := range committeeSize {
			h := sha256.Sum256(fmt.Appendf(nil, "atomix-test/committee/%d/%d/%d", shard, epoch, i))
			sk, pk := c.scheme.NewKeyPair(random.New(blake2xb.New(h[:])))
			c.keys[k] = append(c.keys[k], sk)
			c.pubs[k] = append(c.pubs[k], pk)
		}
	}
	return c.keys[k], c.pubs[k]
}

func finalityMessage(shard atomix.ShardID, epoch, height uint64, root common.Hash) []byte {
	var b [20]byte
	binary.BigEndian.PutUint32(b[:], uint32(shard))
	binary.BigEndian.PutUint64(b[4:], epoch)
	binary.BigEndian.PutUint64(b[12:], height)
	return append(append([]byte("iostkit/atomix-test/finality/v1"), b[:]...), root[:]...)
}

type wireCert struct {
	Signers   []byte
	Signature []byte
}

// certifyWith signs (shard, epoch, height, root) with the given secret keys
// of a committee whose public keys are pubs; signers are member indexes.
func (c *bdnCommittees) certifyWith(keys []kyber.Scalar, pubs []kyber.Point, signers []int, msg []byte) []byte {
	mask, err := sign.NewMask(c.suite, pubs, nil)
	if err != nil {
		panic(err)
	}
	var sigs [][]byte
	for _, i := range signers {
		if err := mask.SetBit(i, true); err != nil {
			panic(err)
		}
	}
	for i := range pubs {
		if mask.Mask()[i/8]&(1<<(uint(i)&7)) == 0 {
			continue
		}
		sig, err := c.scheme.Sign(keys[i], msg)
		if err != nil {
			panic(err)
		}
		sigs = append(sigs, sig)
	}
	agg, err := c.scheme.AggregateSignatures(sigs, mask)
	if err != nil {
		panic(err)
	}
	sb, err := agg.MarshalBinary()
	if err != nil {
		panic(err)
	}
	b, err := rlp.EncodeToBytes(&wireCert{Signers: mask.Mask(), Signature: sb})
	if err != nil {
		panic(err)
	}
	return b
}

// certify is shard's committee of epoch certifying root at height with a quorum.
func (c *bdnCommittees) certify(shard atomix.ShardID, epoch, height uint64, root common.Hash) []byte {
	keys, pubs := c.committee(shard, epoch)
	signers := make([]int, quorum(committeeSize))
	for i := range signers {
		signers[i] = i
	}
	return c.certifyWith(keys, pubs, signers, finalityMessage(shard, epoch, height, root))
}

var errCert = errors.New("bad BDN certificate")

// VerifyFinality checks a quorum of the committee of (shard, epoch) signed.
func (c *bdnCommittees) VerifyFinality(shard atomix.ShardID, epoch, height uint64, root common.Hash, cert []byte) error {
	var w wireCert
	if err := rlp.DecodeBytes(cert, &w); err != nil {
		return fmt.Errorf("%w: %v", errCert, err)
	}
	_, pubs := c.committee(shard, epoch)
	mask, err := sign.NewMask(c.suite, pubs, nil)
	if err != nil {
		return err
	}
	if len(w.Signers) != mask.Len() {
		return fmt.Errorf("%w: bitmap length", errCert)
	}
	if err := mask.SetMask(w.Signers); err != nil {
		return fmt.Errorf("%w: %v", errCert, err)
	}
	if mask.CountEnabled() < quorum(len(pubs)) {
		return fmt.Errorf("%w: %d signers", errCert, mask.CountEnabled())
	}
	agg, err := c.scheme.AggregatePublicKeys(mask)
	if err != nil {
		return fmt.Errorf("%w: %v", errCert, err)
	}
	if err := c.scheme.Verify(agg, finalityMessage(shard, epoch, height, root), w.Signature); err != nil {
		return fmt.Errorf("%w: %v", errCert, err)
	}
	return nil
}

// iavlStore is a shard's state in an IAVL tree over an in-memory database.
type iavlStore struct {
	tree *iavl.MutableTree
}

func newIAVLStore() *iavlStore {
	return &iavlStore{tree: iavl.NewMutableTree(idb.NewMemDB(), 0, true, iavl.NewNopLogger())}
}

func (s *iavlStore) Get(key []byte) ([]byte, error) { return s.tree.Get(key) }

func (s *iavlStore) Set(key, value []byte) error {
	_, err := s.tree.Set(key, value)
	return err
}

// commit seals a block: the new version's root hash.
func (s *iavlStore) commit() (common.Hash, int64) {
	root, v, err := s.tree.SaveVersion()
	if err != nil {
		panic(err)
	}
	return common.BytesToHash(root), v
}

// prove returns the ICS-23 membership proof of key at version.
func (s *iavlStore) prove(version int64, key []byte) []byte {
	t, err := s.tree.GetImmutable(version)
	if err != nil {
		panic(err)
	}
	p, err := t.GetMembershipProof(key)
	if err != nil {
		panic(err)
	}
	b, err := p.Marshal()
	if err != nil {
		panic(err)
	}
	return b
}

// ics23Verifier checks ICS-23 proofs against IAVL's proof spec.
type ics23Verifier struct{}

var errMerkle = errors.New("bad ICS-23 proof")

func (ics23Verifier) VerifyMembership(root common.Hash, key, value, proof []byte) error {
	var p ics23.CommitmentProof
	if err := p.Unmarshal(proof); err != nil {
		return fmt.Errorf("%w: %v", errMerkle, err)
	}
	if !ics23.VerifyMembership(ics23.IavlSpec, root[:], &p, key, value) {
		return errMerkle
	}
	return nil
}

var (
	_ atomix.CertificateVerifier = (*bdnCommittees)(nil)
	_ atomix.ProofVerifier       = ics23Verifier{}
	_ atomix.Store               = (*iavlStore)(nil)
)
