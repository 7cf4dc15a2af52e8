package atomixsim

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/iostkit/iostkit/atomix"
)

// KeyedCerts is the simulator's stand-in for committees and state trees,
// cheap enough for thousands of schedules. A shard-epoch committee is a
// secret key; a certificate is a Keccak MAC under it over (shard, epoch,
// height, root). The state commitment of a record is a one-leaf Merkle tree,
// root = Keccak(domain, key, value), with an empty path. Both are genuine
// checks: without a committee's secret no certificate verifies, and a root
// commits to exactly one record. The real-crypto tests in atomix use BDN
// certificates and IAVL/ICS-23 proofs instead.
type KeyedCerts struct {
	seed uint64
}

var (
	_ atomix.CertificateVerifier = (*KeyedCerts)(nil)
	_ atomix.ProofVerifier       = (*KeyedCerts)(nil)
)

// ErrForged is returned for certificates or paths that do not verify.
var ErrForged = errors.New("atomixsim: forged certificate or proof")

// NewKeyedCerts returns the committees of a simulation seeded by seed.
func NewKeyedCerts(seed uint64) *KeyedCerts { return &KeyedCerts{seed: seed} }

func (k *KeyedCerts) secret(shard atomix.ShardID, epoch uint64) []byte {
	var b [20]byte
	binary.BigEndian.PutUint64(b[:], k.seed)
	binary.BigEndian.PutUint32(b[8:], uint32(shard))
	binary.BigEndian.PutUint64(b[12:], epoch)
	return crypto.Keccak256([]byte("atomixsim/committee-secret"), b[:])
}

func certMessage(shard atomix.ShardID, epoch, height uint64, root common.Hash) []byte {
	var b [20]byte
	binary.BigEndian.PutUint32(b[:], uint32(shard))
	binary.BigEndian.PutUint64(b[4:], epoch)
	binary.BigEndian.PutUint64(b[12:], height)
	return append(append([]byte("atomixsim/finality/v1"), b[:]...), root[:]...)
}

// Certify returns the certificate of shard's committee in epoch for root at height.
func (k *KeyedCerts) Certify(shard atomix.ShardID, epoch, height uint64, root common.Hash) []byte {
	return crypto.Keccak256(k.secret(shard, epoch), certMessage(shard, epoch, height, root))
}

// VerifyFinality checks a certificate made by Certify.
func (k *KeyedCerts) VerifyFinality(shard atomix.ShardID, epoch, height uint64, root common.Hash, cert []byte) error {
	want := k.Certify(shard, epoch, height, root)
	if string(want) != string(cert) {
		return fmt.Errorf("%w: certificate of shard %d epoch %d", ErrForged, shard, epoch)
	}
	return nil
}

// LeafRoot is the one-leaf state commitment of key → value.
func LeafRoot(key, value []byte) common.Hash {
	var l [8]byte
	binary.BigEndian.PutUint64(l[:], uint64(len(key)))
	return crypto.Keccak256Hash([]byte("atomixsim/leaf/v1"), l[:], key, value)
}

// VerifyMembership checks that root is the one-leaf commitment of key → value.
func (k *KeyedCerts) VerifyMembership(root common.Hash, key, value, proof []byte) error {
	if len(proof) != 0 || LeafRoot(key, value) != root {
		return fmt.Errorf("%w: record not under root %s", ErrForged, root)
	}
	return nil
}

// Prove builds the proof of vote v as shard's committee of epoch would
// certify it at height.
func (k *KeyedCerts) Prove(v atomix.Vote, epoch, height uint64) atomix.Proof {
	root := LeafRoot(atomix.VoteKey(v.Tx, v.Attempt), v.Encode())
	return atomix.Proof{Vote: v, Epoch: epoch, Height: height, Root: root, Certificate: k.Certify(v.Shard, epoch, height, root)}
}
