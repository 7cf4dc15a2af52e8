package drp

import (
	"errors"
	"fmt"
)

// Errors returned by the package; test with errors.Is.
var (
	// ErrUnknownScheme means a scheme id drp does not implement.
	ErrUnknownScheme = errors.New("drp: unknown scheme")
	// ErrBadConfig means an invalid configuration.
	ErrBadConfig = errors.New("drp: bad config")
	// ErrDecode means a message, key or beacon could not be decoded.
	ErrDecode = errors.New("drp: malformed encoding")
	// ErrInvalidSignature means a beacon or VRF proof failed verification.
	ErrInvalidSignature = errors.New("drp: invalid signature")
	// ErrInvalidPartial means a partial beacon signature failed verification;
	// the returned error is a *BadPartialError naming the member.
	ErrInvalidPartial = errors.New("drp: invalid partial signature")
	// ErrWrongRound means a partial or beacon for another round than expected.
	ErrWrongRound = errors.New("drp: wrong round")
	// ErrReplay means a beacon for a round already accepted (or older).
	ErrReplay = errors.New("drp: replayed or stale round")
	// ErrChain means a chained beacon whose previous signature does not link
	// to the last accepted beacon.
	ErrChain = errors.New("drp: broken chain link")
	// ErrNotEnoughPartials means fewer than the threshold valid partials.
	ErrNotEnoughPartials = errors.New("drp: not enough valid partials")
	// ErrDuplicate means a second, different message from the same member.
	ErrDuplicate = errors.New("drp: duplicate message")
	// ErrUnknownMember means a message from an index outside the committee.
	ErrUnknownMember = errors.New("drp: unknown member")
	// ErrWrongSession means a DKG or PVSS message from another session.
	ErrWrongSession = errors.New("drp: message from another session")
	// ErrDKGFailed means the DKG (or resharing) ended without a key share.
	ErrDKGFailed = errors.New("drp: dkg failed")
	// ErrNotFinished means a result was asked for before the protocol ended.
	ErrNotFinished = errors.New("drp: protocol not finished")
	// ErrNotInGroup means this node leaves the committee in a resharing and
	// holds no share of the new key.
	ErrNotInGroup = errors.New("drp: node not in the new group")
	// ErrInvalidDeal means a PVSS deal whose encrypted shares do not verify.
	ErrInvalidDeal = errors.New("drp: invalid pvss deal")
	// ErrInvalidTranscript means a PVSS transcript that does not verify.
	ErrInvalidTranscript = errors.New("drp: invalid pvss transcript")
)

// BadPartialError identifies the committee member whose partial signature
// failed verification, so the caller can report or penalise it.
type BadPartialError struct {
	// Index is the share index the partial claims.
	Index int
	// Round is the beacon round of the partial.
	Round uint64
	// Err is the underlying verification error.
	Err error
}

// Error implements error.
func (e *BadPartialError) Error() string {
	return fmt.Sprintf("drp: invalid partial signature from member %d for round %d: %v", e.Index, e.Round, e.Err)
}

// Unwrap lets errors.Is match ErrInvalidPartial.
func (e *BadPartialError) Unwrap() []error { return []error{ErrInvalidPartial, e.Err} }
