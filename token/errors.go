package token

import "errors"

// Errors returned by the ledger. Each is a sentinel to test with errors.Is;
// the returned error wraps it with the details of the failed operation.
var (
	// ErrInsufficientFunds means the spendable balance does not cover the
	// amount (plus fee).
	ErrInsufficientFunds = errors.New("token: insufficient funds")
	// ErrUnknownAccount means the account has never received IOST.
	ErrUnknownAccount = errors.New("token: unknown account")
	// ErrBadNonce means the transfer's nonce is not the account's next nonce.
	ErrBadNonce = errors.New("token: bad nonce")
	// ErrZeroAmount means an amount that must be positive was zero.
	ErrZeroAmount = errors.New("token: amount must be positive")
	// ErrOverflow means an amount would exceed the range of Amount or the cap.
	ErrOverflow = errors.New("token: amount overflow")
	// ErrBadGenesis means the genesis configuration is malformed.
	ErrBadGenesis = errors.New("token: bad genesis")
	// ErrGenesisDone means genesis was already applied to this store.
	ErrGenesisDone = errors.New("token: genesis already applied")
	// ErrNoGenesis means an operation ran before genesis.
	ErrNoGenesis = errors.New("token: genesis not applied")
	// ErrServiNotTransferable is returned by every attempt to move Servi.
	ErrServiNotTransferable = errors.New("token: servi is not transferable")
	// ErrInsufficientStake means an unbond asks for more than is bonded.
	ErrInsufficientStake = errors.New("token: insufficient bonded stake")
	// ErrNothingToWithdraw means no unbonding entry has matured.
	ErrNothingToWithdraw = errors.New("token: nothing to withdraw")
	// ErrSelfTransfer means a transfer names the same account twice.
	ErrSelfTransfer = errors.New("token: transfer to self")
	// ErrBadAmount means an amount string could not be parsed.
	ErrBadAmount = errors.New("token: bad amount")
	// ErrCorruptRecord means a stored record could not be decoded.
	ErrCorruptRecord = errors.New("token: corrupt record")
	// ErrBadContribution means a Servi contribution is malformed.
	ErrBadContribution = errors.New("token: bad contribution")
	// ErrBadConfig means a ledger Config is invalid.
	ErrBadConfig = errors.New("token: bad config")
)
