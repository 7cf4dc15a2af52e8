package atomix

import "errors"

// Errors returned by the package; test with errors.Is.
var (
	// ErrBadTx means a transaction that is malformed or does not conserve value.
	ErrBadTx = errors.New("atomix: malformed transaction")
	// ErrDecode means bytes that do not decode to a message, proof or record.
	ErrDecode = errors.New("atomix: malformed encoding")
	// ErrBadConfig means an invalid shard configuration.
	ErrBadConfig = errors.New("atomix: bad config")
	// ErrNotInvolved means a message for a transaction this shard takes no part in.
	ErrNotInvolved = errors.New("atomix: shard not involved in transaction")
	// ErrWrongTx means a proof for another transaction than the session it is offered for.
	ErrWrongTx = errors.New("atomix: proof for another transaction")
	// ErrWrongSession means a proof from another session (attempt) of the same transaction.
	ErrWrongSession = errors.New("atomix: proof from another session")
	// ErrWrongShard means a proof from a shard that is not an input shard of the transaction,
	// or whose lock list does not match the transaction's inputs on that shard.
	ErrWrongShard = errors.New("atomix: proof from the wrong shard")
	// ErrStaleEpoch means a proof certified by a committee of an epoch no longer accepted,
	// or of an epoch before the vote it certifies.
	ErrStaleEpoch = errors.New("atomix: proof from a stale epoch")
	// ErrFutureEpoch means a proof certified in an epoch the verifier has not reached.
	ErrFutureEpoch = errors.New("atomix: proof from a future epoch")
	// ErrBadCertificate means a finality certificate that does not verify.
	ErrBadCertificate = errors.New("atomix: bad finality certificate")
	// ErrBadMerkleProof means a state proof that does not verify.
	ErrBadMerkleProof = errors.New("atomix: bad state proof")
	// ErrNotCurrentLock means an object transition for a lock the object does not hold:
	// another transaction, another sequence number, or an object that is not locked.
	ErrNotCurrentLock = errors.New("atomix: not the object's current lock")
	// ErrObjectUnavailable means an input that cannot be locked: missing, locked,
	// spent, or holding too little value.
	ErrObjectUnavailable = errors.New("atomix: object unavailable")
	// ErrUnknownVote means a proof offered to Certified for a vote this shard did not cast.
	ErrUnknownVote = errors.New("atomix: unknown vote")
)
