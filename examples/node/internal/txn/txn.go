package txn

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
)

// MaxSize bounds an encoded transaction. A transfer encodes to about 130
// bytes; anything above MaxSize is rejected before it is parsed.
const MaxSize = 512

// SigSize is the length of a signature: r ‖ s ‖ v with v in {0, 1}.
const SigSize = 65

// Domain is the versioned tag hashed in front of every signed payload.
const Domain = "iostkit/tx/v1"

// Errors returned by Decode and Sign; test with errors.Is.
var (
	// ErrOversize means the encoding is longer than MaxSize.
	ErrOversize = errors.New("txn: transaction too large")
	// ErrMalformed means the bytes are not a transaction's RLP.
	ErrMalformed = errors.New("txn: malformed transaction")
	// ErrNonCanonical means the RLP decodes but is not the canonical
	// encoding of what it decodes to.
	ErrNonCanonical = errors.New("txn: non-canonical encoding")
	// ErrBadSignature means the signature is malformed or recovers no key.
	ErrBadSignature = errors.New("txn: bad signature")
	// ErrHighS means a signature with s above half the curve order.
	ErrHighS = errors.New("txn: high-S signature")
	// ErrZeroAmount means a transfer of nothing.
	ErrZeroAmount = errors.New("txn: zero amount")
	// ErrSelfTransfer means the recipient is the sender.
	ErrSelfTransfer = errors.New("txn: transfer to self")
)

// Unsigned is the signed payload of a transfer.
type Unsigned struct {
	ChainID uint64
	Shard   uint32
	Nonce   uint64
	To      common.Address
	Amount  uint64
	Fee     uint64
}

// Tx is a signed transfer. Its fields are read-only once made by Sign or
// Decode; From and Hash are derived from the signature and the encoding.
type Tx struct {
	Unsigned
	Sig  [SigSize]byte
	from common.Address
	hash common.Hash
	enc  []byte
}

// wire is the RLP layout of a signed transaction.
type wire struct {
	ChainID uint64
	Shard   uint32
	Nonce   uint64
	To      common.Address
	Amount  uint64
	Fee     uint64
	Sig     []byte
}

// SigningHash is the hash a sender signs: the domain tag and the RLP of the
// unsigned fields.
func (u Unsigned) SigningHash() common.Hash {
	payload, err := rlp.EncodeToBytes(u)
	if err != nil {
		panic(err) // fixed-size fields always encode
	}
	return crypto.Keccak256Hash([]byte(Domain), payload)
}

// Sign signs u with key and returns the transaction.
func Sign(u Unsigned, key *ecdsa.PrivateKey) (*Tx, error) {
	sig, err := crypto.Sign(u.SigningHash().Bytes(), key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	enc, err := rlp.EncodeToBytes(wire{u.ChainID, u.Shard, u.Nonce, u.To, u.Amount, u.Fee, sig})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	return Decode(enc)
}

// Decode parses and checks an encoded transaction and recovers its sender.
// It rejects, with a wrapped sentinel error, everything described in the
// package documentation; it does not look at any state (nonce, balance,
// chain id), which is the node's job.
func Decode(b []byte) (*Tx, error) {
	if len(b) > MaxSize {
		return nil, fmt.Errorf("%w: %d bytes > %d", ErrOversize, len(b), MaxSize)
	}
	var w wire
	if err := rlp.DecodeBytes(b, &w); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(w.Sig) != SigSize {
		return nil, fmt.Errorf("%w: signature of %d bytes", ErrBadSignature, len(w.Sig))
	}
	again, err := rlp.EncodeToBytes(w)
	if err != nil || !bytes.Equal(again, b) {
		return nil, ErrNonCanonical
	}
	t := &Tx{Unsigned: Unsigned{w.ChainID, w.Shard, w.Nonce, w.To, w.Amount, w.Fee}}
	copy(t.Sig[:], w.Sig)
	r, s, v := new(big.Int).SetBytes(w.Sig[:32]), new(big.Int).SetBytes(w.Sig[32:64]), w.Sig[64]
	if s.Cmp(secp256k1HalfN) > 0 {
		return nil, ErrHighS
	}
	if !crypto.ValidateSignatureValues(v, r, s, true) {
		return nil, fmt.Errorf("%w: signature values out of range", ErrBadSignature)
	}
	pub, err := crypto.SigToPub(t.SigningHash().Bytes(), w.Sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	t.from = crypto.PubkeyToAddress(*pub)
	if t.Amount == 0 {
		return nil, ErrZeroAmount
	}
	if t.from == t.To {
		return nil, ErrSelfTransfer
	}
	t.enc = b
	t.hash = crypto.Keccak256Hash(b)
	return t, nil
}

var secp256k1HalfN = new(big.Int).Rsh(crypto.S256().Params().N, 1)

// From is the sender, recovered from the signature.
func (t *Tx) From() common.Address { return t.from }

// Hash is the keccak256 of the encoding; it identifies the transaction.
func (t *Tx) Hash() common.Hash { return t.hash }

// Bytes is the canonical encoding. The caller must not modify it.
func (t *Tx) Bytes() []byte { return t.enc }

// Recover recovers a signer's address from a signing hash and signature with
// no other check. The load generator times it to measure the machine's
// secp256k1 recovery rate, the bound of a node that checks every signature.
func Recover(hash common.Hash, sig []byte) (common.Address, error) {
	pub, err := crypto.SigToPub(hash.Bytes(), sig)
	if err != nil {
		return common.Address{}, fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return crypto.PubkeyToAddress(*pub), nil
}
