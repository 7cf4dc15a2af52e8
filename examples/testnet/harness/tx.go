package harness

import (
	"crypto/ecdsa"
	"encoding/binary"
	"fmt"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
)

// txDomain is the tag the node hashes in front of a transfer's payload
// (examples/node/internal/txn.Domain).
const txDomain = "iostkit/tx/v1"

// Transfer is the signed payload of a transfer in the node's wire format.
type Transfer struct {
	ChainID uint64
	Shard   uint32
	Nonce   uint64
	To      common.Address
	Amount  uint64
	Fee     uint64
}

type wireTx struct {
	ChainID uint64
	Shard   uint32
	Nonce   uint64
	To      common.Address
	Amount  uint64
	Fee     uint64
	Sig     []byte
}

// Sign returns the canonical encoding of t signed by key, and its hash (the
// transaction id the node reports). go-ethereum's signer produces low-S
// signatures, which the node requires.
func (t Transfer) Sign(key *ecdsa.PrivateKey) ([]byte, common.Hash, error) {
	payload, err := rlp.EncodeToBytes(t)
	if err != nil {
		return nil, common.Hash{}, err
	}
	sig, err := crypto.Sign(crypto.Keccak256([]byte(txDomain), payload), key)
	if err != nil {
		return nil, common.Hash{}, fmt.Errorf("harness: sign: %w", err)
	}
	raw, err := rlp.EncodeToBytes(wireTx{t.ChainID, t.Shard, t.Nonce, t.To, t.Amount, t.Fee, sig})
	if err != nil {
		return nil, common.Hash{}, err
	}
	return raw, crypto.Keccak256Hash(raw), nil
}

// DemoKey is the node's i-th deterministic demo account key
// (examples/node/internal/chain.DemoKey), funded at genesis.
func DemoKey(i int) *ecdsa.PrivateKey {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	k, err := crypto.ToECDSA(crypto.Keccak256([]byte("iostkit/demo-account/v1"), b[:]))
	if err != nil {
		panic(err) // a keccak output is a valid key with overwhelming probability
	}
	return k
}
