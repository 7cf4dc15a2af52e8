package atomix

import "github.com/ethereum/go-ethereum/common"

// This file lists everything atomix expects from the rest of a node. atomix
// imports no other iostkit mechanism: pob supplies finality certificates,
// microstate supplies the state store and its Merkle proofs, and the node
// adapts them to these interfaces.

// CertificateVerifier checks finality: that the committee of shard in epoch
// finalized, at height, a block whose state commitment is root. cert is
// opaque to atomix; with pob it holds the block header (which carries the
// state root) and the BDN aggregate certificate over the header hash, and the
// adapter checks both the signatures against that epoch's committee and that
// the header carries root at height.
type CertificateVerifier interface {
	VerifyFinality(shard ShardID, epoch, height uint64, root common.Hash, cert []byte) error
}

// ProofVerifier checks a Merkle membership proof: that key maps to value in
// the state whose commitment is root (microstate: an ICS-23 proof over IAVL).
type ProofVerifier interface {
	VerifyMembership(root common.Hash, key, value, proof []byte) error
}

// Store is the part of a shard's replicated state that atomix reads and
// writes: object records, vote records and bookkeeping, under keys that start
// with "atomix/". Get returns nil and no error for an absent key. The node
// commits the store with each block, so the records are what the state root
// (and the Merkle proofs) cover. Writes must be visible to later Gets at once.
type Store interface {
	Get(key []byte) ([]byte, error)
	Set(key, value []byte) error
}
