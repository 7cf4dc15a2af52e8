package pob

import "errors"

// Errors returned by the package; test with errors.Is.
var (
	// ErrBadConfig means an invalid configuration.
	ErrBadConfig = errors.New("pob: bad config")
	// ErrDecode means a message, block, certificate or state could not be decoded.
	ErrDecode = errors.New("pob: malformed encoding")
	// ErrBadSignature means a signature or aggregate signature did not verify.
	ErrBadSignature = errors.New("pob: bad signature")
	// ErrBadCertificate means a finality certificate is malformed, lacks a
	// quorum, or does not verify against the committee.
	ErrBadCertificate = errors.New("pob: bad certificate")
	// ErrUnknownValidator means a message names a validator outside the
	// committee or league it claims.
	ErrUnknownValidator = errors.New("pob: unknown validator")
	// ErrWrongDomain means a message signed for another chain, shard, epoch
	// or protocol version.
	ErrWrongDomain = errors.New("pob: wrong domain")
	// ErrBadFraudProof means a fraud proof does not prove anything: the
	// block signature is wrong, the index is out of range, or the
	// transaction is in fact valid.
	ErrBadFraudProof = errors.New("pob: bad fraud proof")
	// ErrBadEvidence means equivocation evidence does not show two
	// different signed statements for one slot.
	ErrBadEvidence = errors.New("pob: bad equivocation evidence")
	// ErrInvalidBlock means a proposed or optimistic block breaks a rule.
	ErrInvalidBlock = errors.New("pob: invalid block")
	// ErrStale means a message for a height or round already decided; it
	// is ignored.
	ErrStale = errors.New("pob: stale message")
	// ErrNotMember means the local validator is not in the committee or
	// league the operation needs.
	ErrNotMember = errors.New("pob: not a member")
	// ErrBadPolicy means a league policy that cannot be satisfied.
	ErrBadPolicy = errors.New("pob: bad league policy")
)
