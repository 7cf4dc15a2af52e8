package transepoch

import "errors"

// Errors returned by the package; test with errors.Is.
var (
	// ErrBadConfig means an invalid configuration.
	ErrBadConfig = errors.New("transepoch: bad config")
	// ErrBadAssignment means an old or new assignment that is not a
	// partition of its validators (duplicate ids, empty ids, zero weights).
	ErrBadAssignment = errors.New("transepoch: bad assignment")
	// ErrNoRandomness means empty epoch randomness.
	ErrNoRandomness = errors.New("transepoch: empty randomness")
	// ErrNoSafeBatch means that not even a single newcomer can join a shard
	// without breaking the committee bound: the shard is too small (or one
	// validator too heavy) for the configured faulty fraction.
	ErrNoSafeBatch = errors.New("transepoch: no batch satisfies the bound")
	// ErrUnsafePlan means a plan whose batches break the committee bound.
	ErrUnsafePlan = errors.New("transepoch: plan breaks the committee bound")
	// ErrWrongEpoch means an event or message for another epoch or shard.
	ErrWrongEpoch = errors.New("transepoch: event for another epoch or shard")
	// ErrNotNewcomer means a sync report from a validator that is not a
	// newcomer of the current batch.
	ErrNotNewcomer = errors.New("transepoch: not a newcomer of the current batch")
	// ErrUnknownValidator means an event about a validator the shard's plan
	// does not know.
	ErrUnknownValidator = errors.New("transepoch: unknown validator")
	// ErrDecode means a message could not be decoded.
	ErrDecode = errors.New("transepoch: malformed message")
)
