package eds

import "errors"

// Errors returned by the package; test with errors.Is.
var (
	// ErrNoShards means a shard count of zero.
	ErrNoShards = errors.New("eds: shard count must be positive")
	// ErrTooFewValidators means fewer validators than shards.
	ErrTooFewValidators = errors.New("eds: fewer validators than shards")
	// ErrDuplicateValidator means a validator id appears twice.
	ErrDuplicateValidator = errors.New("eds: duplicate validator")
	// ErrNoRandomness means empty epoch randomness.
	ErrNoRandomness = errors.New("eds: empty randomness")
	// ErrZeroWeight means a weighted assignment got a zero weight.
	ErrZeroWeight = errors.New("eds: zero weight")
	// ErrBadTicket means a lottery ticket failed validation.
	ErrBadTicket = errors.New("eds: bad lottery ticket")
	// ErrUnknownMember means a ticket from a validator outside the committee.
	ErrUnknownMember = errors.New("eds: unknown committee member")
	// ErrWrongView means a ticket for another epoch or view.
	ErrWrongView = errors.New("eds: ticket for another epoch or view")
	// ErrDuplicateTicket means a second, different ticket from one member.
	ErrDuplicateTicket = errors.New("eds: duplicate ticket")
	// ErrDecode means a lottery message could not be decoded.
	ErrDecode = errors.New("eds: malformed message")
	// ErrBadConfig means an invalid configuration.
	ErrBadConfig = errors.New("eds: bad config")
	// ErrBadProbability means a probability outside [0, 1].
	ErrBadProbability = errors.New("eds: probability out of range")
)
