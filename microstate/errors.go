package microstate

import (
	"errors"
	"fmt"
)

// Errors returned by the store. Each is a sentinel to test with errors.Is; the
// returned error wraps it with the details of the failed operation.
var (
	// ErrBadConfig means a Config is invalid.
	ErrBadConfig = errors.New("microstate: bad config")
	// ErrClosed means the store was closed.
	ErrClosed = errors.New("microstate: store closed")
	// ErrEmptyKey means a key of length zero was read or written.
	ErrEmptyKey = errors.New("microstate: empty key")
	// ErrBadBlock means a block's height or epoch does not follow the store's.
	ErrBadBlock = errors.New("microstate: bad block")
	// ErrStaleWorkingSet means a working set was committed after another
	// block, or to a store other than the one that began it.
	ErrStaleWorkingSet = errors.New("microstate: stale working set")
	// ErrCommitmentMismatch means a replayed block did not reproduce the
	// commitment it was recorded with.
	ErrCommitmentMismatch = errors.New("microstate: block commitment mismatch")
	// ErrNotFound means the requested block, header or MSB is not stored.
	ErrNotFound = errors.New("microstate: not found")
	// ErrPruned means the requested block body or MSB state was pruned.
	ErrPruned = errors.New("microstate: pruned")
	// ErrCorrupt means stored data could not be decoded or is inconsistent.
	ErrCorrupt = errors.New("microstate: corrupt store")
	// ErrNoVerifier means a certificate was attached without a configured
	// CertificateVerifier.
	ErrNoVerifier = errors.New("microstate: no certificate verifier")
	// ErrBadCertificate means the verifier rejected an MSB certificate.
	ErrBadCertificate = errors.New("microstate: bad certificate")
	// ErrBadHeader means an MSB header is malformed.
	ErrBadHeader = errors.New("microstate: bad MSB header")
	// ErrBadLink means two MSB headers are not linked by a back-pointer.
	ErrBadLink = errors.New("microstate: broken MSB header link")
	// ErrChunkDecode means a snapshot chunk could not be decoded.
	ErrChunkDecode = errors.New("microstate: undecodable snapshot chunk")
	// ErrChunkForeign means a chunk belongs to another snapshot (another MSB
	// or another chain).
	ErrChunkForeign = errors.New("microstate: chunk of another snapshot")
	// ErrChunkOrder means a chunk arrived out of order or overlaps another.
	ErrChunkOrder = errors.New("microstate: snapshot chunk out of order")
	// ErrChunkProof means a chunk's leaves do not hash to the MSB state root.
	ErrChunkProof = errors.New("microstate: snapshot chunk does not match the state root")
	// ErrSnapshotIncomplete means an import was committed before every leaf
	// arrived (a truncated snapshot).
	ErrSnapshotIncomplete = errors.New("microstate: snapshot incomplete")
	// ErrImportDone means an importer was used after Commit or Abort.
	ErrImportDone = errors.New("microstate: import finished")
	// ErrStaleSnapshot means a snapshot is not newer than the store's state.
	ErrStaleSnapshot = errors.New("microstate: snapshot not newer than the store")
	// ErrBadProof means a proof failed to verify.
	ErrBadProof = errors.New("microstate: bad proof")
)

// ChunkError reports which snapshot chunk an import rejected and why. Its
// Err is one of the ErrChunk sentinels, possibly wrapped, so errors.Is works
// through it.
type ChunkError struct {
	Index uint64 // position of the chunk in the import (0-based)
	Err   error
}

// Error names the chunk and the reason.
func (e *ChunkError) Error() string { return fmt.Sprintf("chunk %d: %v", e.Index, e.Err) }

// Unwrap returns the reason.
func (e *ChunkError) Unwrap() error { return e.Err }
