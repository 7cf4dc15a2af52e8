package microstate

import (
	"fmt"
	"math/bits"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
)

// CertificateVerifier checks a committee certificate over a message hash.
// The consensus package supplies it (pob's BLS certificates); microstate
// only needs this one method.
type CertificateVerifier interface {
	VerifyCertificate(msgHash []byte, cert []byte) error
}

// MaxHeaderSize bounds an encoded MSB header (64 skip pointers and a long
// chain id fit easily).
const MaxHeaderSize = 1 << 13

// Header is a Micro State Block header: the state root of the shard at a
// block height, linked to the previous MSB headers. Its Hash is what the
// next blocks commit to; its SigningHash is what the committee certifies.
//
// Back-pointers form a deterministic skip list: the level-i pointer of MSB n
// names MSB target(n, i), the largest multiple of 2^i below n (level 0 is
// Prev, MSB n-1; Skips[i-1] is level i), for every level whose target is at
// least 1. Each header's pointers follow from its predecessor's alone, so a
// node that fast-synced from one MSB extends the chain without older headers,
// and a light client holding a trusted header walks back to any older MSB in
// O(log distance) hops (see Path and VerifyPath).
type Header struct {
	ChainID string
	Shard   uint32
	// Number is the MSB sequence number, from 1. It is also the IAVL
	// version of the state tree, so it appears in every ICS-23 leaf.
	Number uint64
	// Height is the block after which the state was taken.
	Height uint64
	Epoch  uint64
	// StateRoot is the IAVL root hash of the whole state at Height.
	StateRoot []byte
	// StateSize is the number of keys in the state.
	StateSize uint64
	// BlockCommitment is the commitment of block Height.
	BlockCommitment common.Hash
	Prev            common.Hash
	Skips           []common.Hash
}

// Encode returns the canonical RLP encoding of h.
func (h Header) Encode() []byte {
	b, err := rlp.EncodeToBytes(&h)
	if err != nil {
		panic(err) // fixed field types: cannot fail
	}
	return b
}

// Hash is keccak256 of the encoding.
func (h Header) Hash() common.Hash { return crypto.Keccak256Hash(h.Encode()) }

// SigningHash is the message the committee certifies: the header hash under
// a versioned domain tag (the chain and shard are inside the header).
func (h Header) SigningHash() common.Hash {
	hh := h.Hash()
	return crypto.Keccak256Hash([]byte(msbDomain), hh[:])
}

// DecodeHeader parses an encoded header and checks its shape. Malformed or
// oversized input returns ErrBadHeader.
func DecodeHeader(b []byte) (Header, error) {
	var h Header
	if len(b) > MaxHeaderSize {
		return Header{}, fmt.Errorf("%w: %d bytes", ErrBadHeader, len(b))
	}
	if err := rlp.DecodeBytes(b, &h); err != nil {
		return Header{}, fmt.Errorf("%w: %v", ErrBadHeader, err)
	}
	if err := h.check(); err != nil {
		return Header{}, err
	}
	return h, nil
}

func (h Header) check() error {
	switch {
	case h.Number == 0:
		return fmt.Errorf("%w: number 0", ErrBadHeader)
	case h.Height == 0:
		return fmt.Errorf("%w: height 0", ErrBadHeader)
	case len(h.StateRoot) != 32:
		return fmt.Errorf("%w: state root of %d bytes", ErrBadHeader, len(h.StateRoot))
	case len(h.Skips) != skipCount(h.Number):
		return fmt.Errorf("%w: MSB %d has %d skip pointers, want %d", ErrBadHeader, h.Number, len(h.Skips), skipCount(h.Number))
	case h.Number == 1 && h.Prev != (common.Hash{}):
		return fmt.Errorf("%w: first MSB links to a predecessor", ErrBadHeader)
	}
	return nil
}

// levels is the number of back-pointers of MSB n (Prev included).
func levels(n uint64) int {
	if n < 2 {
		return 0
	}
	return bits.Len64(n - 1)
}

// skipCount is the number of Skips of MSB n.
func skipCount(n uint64) int { return max(levels(n)-1, 0) }

// target is the MSB the level-i pointer of MSB n names.
func target(n uint64, i int) uint64 { return ((n - 1) >> i) << i }

// pointer returns the hash h holds at level i.
func (h Header) pointer(i int) (common.Hash, bool) {
	switch {
	case i >= levels(h.Number):
		return common.Hash{}, false
	case i == 0:
		return h.Prev, true
	default:
		return h.Skips[i-1], true
	}
}

// Path returns the MSB numbers a light client visits to go from the header
// numbered from back to the one numbered to (from ≥ to ≥ 1), excluding from
// and including to: each hop follows the highest pointer that does not
// overshoot.
func Path(from, to uint64) []uint64 {
	var out []uint64
	for to >= 1 && from > to {
		next := from - 1
		for i := levels(from) - 1; i > 0; i-- {
			if t := target(from, i); t >= to {
				next = t
				break
			}
		}
		from = next
		out = append(out, from)
	}
	return out
}

// VerifyLink checks that newer holds a back-pointer to older.
func VerifyLink(newer, older Header) error {
	if newer.ChainID != older.ChainID || newer.Shard != older.Shard {
		return fmt.Errorf("%w: MSB %d and %d belong to different chains or shards", ErrBadLink, newer.Number, older.Number)
	}
	if older.Number >= newer.Number || older.Height >= newer.Height {
		return fmt.Errorf("%w: MSB %d (height %d) is not older than MSB %d (height %d)", ErrBadLink, older.Number, older.Height, newer.Number, newer.Height)
	}
	for i := range levels(newer.Number) {
		if target(newer.Number, i) == older.Number {
			if p, _ := newer.pointer(i); p == older.Hash() {
				return nil
			}
			break
		}
	}
	return fmt.Errorf("%w: MSB %d does not point at MSB %d", ErrBadLink, newer.Number, older.Number)
}

// VerifyPath checks that headers, newest first, form a chain of
// back-pointers (as Path lays out) from a trusted newest header down to the
// last one, which the caller may then trust as well.
func VerifyPath(headers []Header) error {
	for i := 1; i < len(headers); i++ {
		if err := VerifyLink(headers[i-1], headers[i]); err != nil {
			return err
		}
	}
	return nil
}

// SignedHeader is an MSB header with the committee's certificate over its
// SigningHash (empty until Store.Certify attaches one).
type SignedHeader struct {
	Header      Header
	Certificate []byte
}

// VerifyHeader checks a signed header's certificate with v.
func VerifyHeader(v CertificateVerifier, sh SignedHeader) error {
	if v == nil {
		return ErrNoVerifier
	}
	if err := sh.Header.check(); err != nil {
		return err
	}
	if len(sh.Certificate) == 0 {
		return fmt.Errorf("%w: MSB %d is not certified", ErrBadCertificate, sh.Header.Number)
	}
	msg := sh.Header.SigningHash()
	if err := v.VerifyCertificate(msg[:], sh.Certificate); err != nil {
		return fmt.Errorf("%w: MSB %d: %v", ErrBadCertificate, sh.Header.Number, err)
	}
	return nil
}

// nextHeader fills h's back-pointers from its predecessor prev (nil when h
// is MSB 1) and checks it.
func nextHeader(prev *Header, h Header) (Header, error) {
	if h.Number > 1 {
		if prev == nil || prev.Number+1 != h.Number {
			return Header{}, fmt.Errorf("%w: MSB %d without its predecessor", ErrBadHeader, h.Number)
		}
		ph := prev.Hash()
		h.Prev = ph
		h.Skips = nil
		for i := 1; i < levels(h.Number); i++ {
			if target(h.Number, i) == prev.Number {
				h.Skips = append(h.Skips, ph)
			} else {
				p, _ := prev.pointer(i)
				h.Skips = append(h.Skips, p)
			}
		}
	}
	return h, h.check()
}
