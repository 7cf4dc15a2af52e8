package token

import (
	"fmt"

	"github.com/ethereum/go-ethereum/common"
)

// ContributionKind says what a Servi contribution rewards.
type ContributionKind uint8

// The contributions the IOST whitepaper names.
const (
	// ContributionService rewards a service to the network (hosting, relaying,
	// serving data).
	ContributionService ContributionKind = iota + 1
	// ContributionReview rewards a review of a service or a contract.
	ContributionReview
)

// String names the kind.
func (k ContributionKind) String() string {
	switch k {
	case ContributionService:
		return "service"
	case ContributionReview:
		return "review"
	}
	return fmt.Sprintf("contribution(%d)", uint8(k))
}

// Contribution is an event that issues Servi to an account. Ref identifies
// the contribution (a service receipt, a review) for audit; the ledger does
// not interpret it.
type Contribution struct {
	Account common.Address
	Kind    ContributionKind
	Amount  Amount
	Ref     common.Hash
}

// IssueServi credits c.Amount Servi to c.Account. Servi is self-issued
// reputation: it is not part of the IOST supply and the cap does not apply,
// but it can never be transferred, only earned, cleared or slashed.
func (l *Ledger) IssueServi(c Contribution) error {
	if c.Kind != ContributionService && c.Kind != ContributionReview {
		return fmt.Errorf("%w: kind %d", ErrBadContribution, c.Kind)
	}
	if c.Amount == 0 {
		return fmt.Errorf("issue servi to %s: %w", c.Account, ErrZeroAmount)
	}
	if c.Account == (common.Address{}) {
		return fmt.Errorf("%w: zero address", ErrBadContribution)
	}
	if _, err := l.supply(); err != nil {
		return err
	}
	a, _, err := l.account(c.Account)
	if err != nil {
		return err
	}
	if a.Servi, err = a.Servi.Add(c.Amount); err != nil {
		return fmt.Errorf("issue servi to %s: %w", c.Account, err)
	}
	var w write
	w.put(c.Account, a)
	return l.apply(w)
}

// Servi returns the Servi balance of addr.
func (l *Ledger) Servi(addr common.Address) (Amount, error) {
	a, _, err := l.account(addr)
	return a.Servi, err
}

// ClearServi sets addr's Servi to zero and returns what it was. Consensus
// calls it when addr has produced (validated) a block, so that believable
// validators take turns.
func (l *Ledger) ClearServi(addr common.Address) (Amount, error) {
	a, ok, err := l.account(addr)
	if err != nil || !ok || a.Servi == 0 {
		return 0, err
	}
	had := a.Servi
	a.Servi = 0
	var w write
	w.put(addr, a)
	return had, l.apply(w)
}

// TransferServi always fails with ErrServiNotTransferable. It exists so that
// a wallet or API that offers "transfer" for every balance gets a precise
// refusal instead of a generic one; there is no other path by which Servi
// could move.
func (l *Ledger) TransferServi(from, to common.Address, amount Amount) error {
	return fmt.Errorf("servi %s→%s (%s): %w", from, to, amount, ErrServiNotTransferable)
}
