package microstate

import (
	"bytes"
	"fmt"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
)

// Domain tags of everything this package hashes for a commitment. They carry
// the scheme version; ChainID and Shard are hashed alongside.
const (
	blockDomain = "iostkit/microstate/block/v1"
	msbDomain   = "iostkit/microstate/msb/v1"
	writeLeaf   = 0x00
	writeInner  = 0x01
)

// Write is one key's new value in a block's write set. Delete removes the
// key; Value is then ignored.
type Write struct {
	Key    []byte
	Value  []byte
	Delete bool
}

// BlockInfo names the block a write set belongs to.
type BlockInfo struct {
	// Height must be the store's height plus one.
	Height uint64
	// Epoch must not be below the previous block's epoch.
	Epoch uint64
	// EndOfEpoch asks for a Micro State Block after this block, whatever
	// the MSB interval.
	EndOfEpoch bool
}

// BlockCommit is the per-block state commitment that goes into a block
// header. Commitment binds the block's write set (through WriteRoot), the
// whole history of write sets (through Prev) and the latest MSB (through
// MSB, whose header holds the IAVL state root). It is cheap to compute: it
// never touches the IAVL tree.
type BlockCommit struct {
	ChainID    string
	Shard      uint32
	Height     uint64
	Epoch      uint64
	EndOfEpoch bool
	// Prev is the previous block's Commitment (zero for height 1).
	Prev common.Hash
	// MSB is the hash of the latest MSB header before this block (zero if
	// none).
	MSB common.Hash
	// WriteRoot is the Merkle root of the block's write set, sorted by key.
	WriteRoot common.Hash
	// Writes is the number of keys in the write set.
	Writes uint64
	// Commitment = keccak256(domain ‖ RLP of the fields above).
	Commitment common.Hash
}

func (c BlockCommit) compute() common.Hash {
	enc, err := rlp.EncodeToBytes([]any{c.ChainID, c.Shard, c.Height, c.Epoch, c.EndOfEpoch, c.Prev, c.MSB, c.WriteRoot, c.Writes})
	if err != nil {
		panic(err) // fixed field types: cannot fail
	}
	return crypto.Keccak256Hash([]byte(blockDomain), enc)
}

// Verify recomputes the commitment from the other fields.
func (c BlockCommit) Verify() error {
	if c.compute() != c.Commitment {
		return fmt.Errorf("%w: height %d", ErrCommitmentMismatch, c.Height)
	}
	return nil
}

// Block is a stored block body: its commitment and its write set. Bodies of
// the blocks after the oldest kept MSB are kept so that a peer can fast-sync
// (import the MSB snapshot, then replay them).
type Block struct {
	Commit BlockCommit
	Writes []Write
}

// normalize sorts writes by key, keeps the last write of each key, copies
// keys and values (the memdb backend keeps the slices it is given) and
// rejects empty keys. Values of deletes are dropped and nil values become
// empty, so the encoding is canonical.
func normalize(ws []Write) ([]Write, error) {
	out := make([]Write, 0, len(ws))
	for i, w := range ws {
		if len(w.Key) == 0 {
			return nil, fmt.Errorf("write %d: %w", i, ErrEmptyKey)
		}
		w.Key = bytes.Clone(w.Key)
		if w.Delete {
			w.Value = nil
		} else {
			w.Value = append([]byte{}, w.Value...)
		}
		out = append(out, w)
	}
	slices.SortStableFunc(out, func(a, b Write) int { return bytes.Compare(a.Key, b.Key) })
	// keep the last of equal keys
	j := 0
	for i := range out {
		if j > 0 && bytes.Equal(out[j-1].Key, out[i].Key) {
			out[j-1] = out[i]
			continue
		}
		out[j] = out[i]
		j++
	}
	return out[:j], nil
}

func writeLeafHash(w Write) common.Hash {
	del := byte(0)
	if w.Delete {
		del = 1
	}
	enc, err := rlp.EncodeToBytes([]any{w.Key, w.Value, del})
	if err != nil {
		panic(err)
	}
	return crypto.Keccak256Hash([]byte{writeLeaf}, enc)
}

// writeRoot is the root of a binary Merkle tree over the sorted write set:
// leaves keccak256(0x00 ‖ RLP(key, value, delete)), inner nodes
// keccak256(0x01 ‖ left ‖ right); an odd node at the end of a level moves up
// unchanged. The empty set has the zero root.
func writeRoot(ws []Write) common.Hash {
	if len(ws) == 0 {
		return common.Hash{}
	}
	level := make([]common.Hash, len(ws))
	for i, w := range ws {
		level[i] = writeLeafHash(w)
	}
	for len(level) > 1 {
		next := make([]common.Hash, 0, (len(level)+1)/2)
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				continue
			}
			next = append(next, crypto.Keccak256Hash([]byte{writeInner}, level[i][:], level[i+1][:]))
		}
		level = next
	}
	return level[0]
}

// WriteProof proves that a block's write set contains a write: the sibling
// hashes from the leaf up to the write root.
type WriteProof struct {
	Height uint64
	Write  Write
	Index  uint64
	Total  uint64
	Path   []common.Hash
}

func proveWrite(ws []Write, index int) []common.Hash {
	level := make([]common.Hash, len(ws))
	for i, w := range ws {
		level[i] = writeLeafHash(w)
	}
	var path []common.Hash
	for len(level) > 1 {
		sib := index ^ 1
		if sib < len(level) {
			path = append(path, level[sib])
		}
		next := make([]common.Hash, 0, (len(level)+1)/2)
		for i := 0; i < len(level); i += 2 {
			if i+1 == len(level) {
				next = append(next, level[i])
				continue
			}
			next = append(next, crypto.Keccak256Hash([]byte{writeInner}, level[i][:], level[i+1][:]))
		}
		level = next
		index /= 2
	}
	return path
}

// Verify checks the proof against a block commitment: the write hashes to
// the commitment's WriteRoot at the claimed position. The commitment itself
// is trusted through the block header that carries it.
func (p WriteProof) Verify(c BlockCommit) error {
	if c.Height != p.Height || c.Writes != p.Total || p.Index >= p.Total {
		return fmt.Errorf("%w: write proof for height %d index %d/%d against block %d with %d writes", ErrBadProof, p.Height, p.Index, p.Total, c.Height, c.Writes)
	}
	h := writeLeafHash(p.Write)
	idx, n, k := p.Index, p.Total, 0
	for n > 1 {
		sib := idx ^ 1
		if sib < n {
			if k >= len(p.Path) {
				return fmt.Errorf("%w: write proof path too short", ErrBadProof)
			}
			if idx%2 == 0 {
				h = crypto.Keccak256Hash([]byte{writeInner}, h[:], p.Path[k][:])
			} else {
				h = crypto.Keccak256Hash([]byte{writeInner}, p.Path[k][:], h[:])
			}
			k++
		}
		idx /= 2
		n = (n + 1) / 2
	}
	if k != len(p.Path) || h != c.WriteRoot {
		return fmt.Errorf("%w: write proof does not reach the write root of block %d", ErrBadProof, c.Height)
	}
	return nil
}
