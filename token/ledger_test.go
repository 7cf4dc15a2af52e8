package token

import (
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
)

func TestAmountArithmetic(t *testing.T) {
	_, err := Amount(^uint64(0)).Add(1)
	require.ErrorIs(t, err, ErrOverflow)
	_, err = Amount(1).Sub(2)
	require.ErrorIs(t, err, ErrInsufficientFunds)
	v, err := Cap.MulDiv(4000, 10_000)
	require.NoError(t, err)
	require.Equal(t, IOST(8_400_000_000), v)
	_, err = Amount(^uint64(0)).MulDiv(3, 1)
	require.ErrorIs(t, err, ErrOverflow)
	_, err = Amount(1).MulDiv(1, 0)
	require.ErrorIs(t, err, ErrOverflow)
	require.Panics(t, func() { IOST(^uint64(0)) })
}

func TestParseAndFormatAmount(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Amount
		err  error
	}{
		{"0", 0, nil},
		{"12", IOST(12), nil},
		{"0.5", Unit / 2, nil},
		{"1.00000001", Unit + 1, nil},
		{"21000000000", Cap, nil},
		{"184467440738", 0, ErrOverflow},
		{"1.000000001", 0, ErrBadAmount},
		{"-1", 0, ErrBadAmount},
		{"1e3", 0, ErrBadAmount},
		{"", 0, ErrBadAmount},
		{".5", 0, ErrBadAmount},
		{"5.", 0, ErrBadAmount},
		{"99999999999999999999", 0, ErrOverflow},
	} {
		got, err := ParseAmount(tc.in)
		if tc.err != nil {
			require.ErrorIs(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
		require.Equal(t, tc.in, got.String())
	}
}

func TestDefaultGenesisSplit(t *testing.T) {
	g := DefaultGenesis(sale, foundation, community, team, early)
	require.NoError(t, g.Validate())
	want := map[string]Amount{
		"sale": IOST(8_400_000_000), "foundation": IOST(7_350_000_000), "community": IOST(2_625_000_000),
		"team": IOST(2_100_000_000), "early-investors-advisors": IOST(525_000_000),
	}
	for _, a := range g.Allocations {
		require.Equal(t, want[a.Name], a.Amount, a.Name)
	}
	l, err := NewLedger(NewMemStore(), Config{})
	require.NoError(t, err)
	require.NoError(t, l.Genesis(g))
	s, err := l.Supply()
	require.NoError(t, err)
	require.Equal(t, Cap, s.Genesis)
	require.Equal(t, Cap, s.Expected())
	require.NoError(t, l.Audit([]common.Address{sale, foundation, community, team, early}))
	require.ErrorIs(t, l.Genesis(g), ErrGenesisDone)
}

func TestBadGenesisRejected(t *testing.T) {
	base := func() GenesisConfig { return DefaultGenesis(sale, foundation, community, team, early) }
	for name, mutate := range map[string]func(*GenesisConfig){
		"empty":       func(g *GenesisConfig) { g.Allocations = nil },
		"short by 1":  func(g *GenesisConfig) { g.Allocations[0].Amount-- },
		"over by 1":   func(g *GenesisConfig) { g.Allocations[0].Amount++ },
		"zero addr":   func(g *GenesisConfig) { g.Allocations[1].Address = common.Address{} },
		"duplicate":   func(g *GenesisConfig) { g.Allocations[1].Address = sale },
		"zero amount": func(g *GenesisConfig) { g.Allocations = append(g.Allocations, Allocation{Name: "z", Address: bob}) },
		"vest > amt":  func(g *GenesisConfig) { g.Allocations[3].Vesting.Total = g.Allocations[3].Amount + 1 },
		"cliff > dur": func(g *GenesisConfig) { g.Allocations[3].Vesting.Cliff = g.Allocations[3].Vesting.Duration + 1 },
		"height overflow": func(g *GenesisConfig) {
			g.Allocations[3].Vesting.Start = ^uint64(0) - 5
		},
		"sum overflow": func(g *GenesisConfig) {
			g.Allocations = append(g.Allocations, Allocation{Name: "huge", Address: bob, Amount: Amount(^uint64(0))})
		},
	} {
		t.Run(name, func(t *testing.T) {
			g := base()
			mutate(&g)
			st := NewMemStore()
			l, err := NewLedger(st, Config{})
			require.NoError(t, err)
			require.ErrorIs(t, l.Genesis(g), ErrBadGenesis)
			require.Zero(t, st.Len(), "rejected genesis wrote state")
			require.ErrorIs(t, l.GenesisPartial(g, func(common.Address) bool { return true }), ErrBadGenesis)
		})
	}
}

func TestNewLedgerNeedsStore(t *testing.T) {
	_, err := NewLedger(nil, Config{})
	require.ErrorIs(t, err, ErrBadConfig)
}

func TestOperationsBeforeGenesis(t *testing.T) {
	l, err := NewLedger(NewMemStore(), Config{})
	require.NoError(t, err)
	require.ErrorIs(t, l.Transfer(Transfer{From: alice, To: bob, Amount: 1}, 0), ErrNoGenesis)
	_, err = l.Supply()
	require.ErrorIs(t, err, ErrNoGenesis)
	require.ErrorIs(t, l.IssueServi(Contribution{Account: alice, Kind: ContributionReview, Amount: 1}), ErrNoGenesis)
	require.ErrorIs(t, l.Export(alice, 1, 0, 0, 0), ErrNoGenesis)
	require.ErrorIs(t, l.Import(alice, 1), ErrNoGenesis)
	require.ErrorIs(t, l.Refund(alice, 1), ErrNoGenesis)
}

func TestTransfer(t *testing.T) {
	l, st := newChain(t)
	require.NoError(t, l.Transfer(Transfer{From: alice, To: bob, Amount: IOST(10), Fee: IOST(1), Nonce: 0}, 1))
	b, err := l.Balance(bob)
	require.NoError(t, err)
	require.Equal(t, IOST(10), b)
	a, err := l.Balance(alice)
	require.NoError(t, err)
	require.Equal(t, IOST(989), a)
	n, err := l.Nonce(alice)
	require.NoError(t, err)
	require.Equal(t, uint64(1), n)
	fp, err := l.FeePool()
	require.NoError(t, err)
	require.Equal(t, IOST(1), fp)

	for _, tc := range []struct {
		name string
		tr   Transfer
		want error
	}{
		{"replayed nonce", Transfer{From: alice, To: bob, Amount: 1, Nonce: 0}, ErrBadNonce},
		{"future nonce", Transfer{From: alice, To: bob, Amount: 1, Nonce: 5}, ErrBadNonce},
		{"zero amount", Transfer{From: alice, To: bob, Nonce: 1}, ErrZeroAmount},
		{"self", Transfer{From: alice, To: alice, Amount: 1, Nonce: 1}, ErrSelfTransfer},
		{"unknown sender", Transfer{From: carol, To: bob, Amount: 1}, ErrUnknownAccount},
		{"too much", Transfer{From: alice, To: bob, Amount: IOST(990), Nonce: 1}, ErrInsufficientFunds},
		{"fee tips it over", Transfer{From: alice, To: bob, Amount: IOST(988), Fee: IOST(2), Nonce: 1}, ErrInsufficientFunds},
		{"amount+fee overflow", Transfer{From: alice, To: bob, Amount: Amount(^uint64(0)), Fee: 1, Nonce: 1}, ErrOverflow},
	} {
		t.Run(tc.name, func(t *testing.T) {
			unchanged(t, st, tc.want, func() error { return l.Transfer(tc.tr, 1) })
		})
	}
	_, err = l.Account(carol)
	require.ErrorIs(t, err, ErrUnknownAccount)
}

func TestVestingLocksFunds(t *testing.T) {
	l, st := newChain(t)
	// The team share is under a one-year cliff: nothing moves before it.
	unchanged(t, st, ErrInsufficientFunds, func() error {
		return l.Transfer(Transfer{From: team, To: bob, Amount: 1}, DefaultTeamCliff-1)
	})
	unchanged(t, st, ErrInsufficientFunds, func() error { return l.Bond(team, 1, 0) })
	acct, err := l.Account(team)
	require.NoError(t, err)
	require.Zero(t, acct.Spendable(DefaultTeamCliff-1))
	// At the cliff a quarter has vested (1 of 4 years).
	require.Equal(t, IOST(2_100_000_000)/4, acct.Spendable(DefaultTeamCliff))
	require.NoError(t, l.Transfer(Transfer{From: team, To: bob, Amount: IOST(2_100_000_000) / 4}, DefaultTeamCliff))
	unchanged(t, st, ErrInsufficientFunds, func() error {
		return l.Transfer(Transfer{From: team, To: bob, Amount: 1, Nonce: 1}, DefaultTeamCliff)
	})
	acct, err = l.Account(team)
	require.NoError(t, err)
	require.Equal(t, acct.Balance, acct.Spendable(DefaultTeamDuration))
}

func TestVestingSchedule(t *testing.T) {
	for _, tc := range []struct {
		v    Vesting
		h    uint64
		want Amount
	}{
		{Vesting{}, 0, 0},
		{Vesting{Total: 100, Start: 10, Duration: 100}, 5, 100},
		{Vesting{Total: 100, Start: 10, Duration: 100}, 10, 100},
		{Vesting{Total: 100, Start: 10, Duration: 100}, 60, 50},
		{Vesting{Total: 100, Start: 10, Duration: 100}, 110, 0},
		{Vesting{Total: 100, Start: 10, Cliff: 20, Duration: 100}, 29, 100},
		{Vesting{Total: 100, Start: 10, Cliff: 20, Duration: 100}, 30, 80},
		{Vesting{Total: 100, Start: 0, Cliff: 7}, 6, 100},
		{Vesting{Total: 100, Start: 0, Cliff: 7}, 7, 0},
		{Vesting{Total: Cap, Duration: ^uint64(0)}, ^uint64(0) - 1, 1},
	} {
		require.Equal(t, tc.want, tc.v.Locked(tc.h), "%+v at %d", tc.v, tc.h)
	}
}

func TestStakingLifecycle(t *testing.T) {
	l, st := newChain(t)
	require.NoError(t, l.Bond(alice, IOST(100), 1))
	unchanged(t, st, ErrInsufficientFunds, func() error { return l.Bond(alice, IOST(901), 1) })
	unchanged(t, st, ErrZeroAmount, func() error { return l.Bond(alice, 0, 1) })
	unchanged(t, st, ErrUnknownAccount, func() error { return l.Bond(carol, 1, 1) })
	unchanged(t, st, ErrInsufficientStake, func() error { return l.Unbond(alice, IOST(101), 2) })
	unchanged(t, st, ErrZeroAmount, func() error { return l.Unbond(alice, 0, 2) })
	unchanged(t, st, ErrUnknownAccount, func() error { return l.Unbond(carol, 1, 2) })
	unchanged(t, st, ErrOverflow, func() error { return l.Unbond(alice, 1, ^uint64(0)-3) })
	require.NoError(t, l.Unbond(alice, IOST(40), 2))
	require.NoError(t, l.Unbond(alice, IOST(10), 5))
	unchanged(t, st, ErrNothingToWithdraw, func() error { _, err := l.Withdraw(alice, 11); return err })
	got, err := l.Withdraw(alice, 12)
	require.NoError(t, err)
	require.Equal(t, IOST(40), got)
	got, err = l.Withdraw(alice, 100)
	require.NoError(t, err)
	require.Equal(t, IOST(10), got)
	a, err := l.Account(alice)
	require.NoError(t, err)
	require.Equal(t, IOST(950), a.Balance)
	require.Equal(t, IOST(50), a.Bonded)
	require.Empty(t, a.Unbonding)
	_, err = l.Withdraw(carol, 1)
	require.ErrorIs(t, err, ErrUnknownAccount)
}

func TestSlashSeizesStakeAndServiAndCompensates(t *testing.T) {
	l, _ := newChain(t)
	require.NoError(t, l.Bond(alice, IOST(100), 1))
	require.NoError(t, l.Unbond(alice, IOST(30), 1))
	require.NoError(t, l.IssueServi(Contribution{Account: alice, Kind: ContributionService, Amount: 77}))
	before, err := l.Supply()
	require.NoError(t, err)

	res, err := l.Slash(alice, []Payout{{To: bob, Amount: IOST(60)}, {To: alice, Amount: 5}, {To: carol, Amount: IOST(60)}, {To: addr(99), Amount: IOST(1)}})
	require.NoError(t, err)
	require.Equal(t, IOST(100), res.Seized)
	require.Equal(t, []Payout{{To: bob, Amount: IOST(60)}, {To: carol, Amount: IOST(40)}}, res.Paid)
	require.Zero(t, res.Burned)
	require.Equal(t, Amount(77), res.Servi)
	a, err := l.Account(alice)
	require.NoError(t, err)
	require.Zero(t, a.Bonded)
	require.Empty(t, a.Unbonding)
	require.Zero(t, a.Servi)
	require.Equal(t, IOST(900), a.Balance, "liquid balance is not stake")
	after, err := l.Supply()
	require.NoError(t, err)
	require.Equal(t, before.Expected(), after.Expected())

	// Without compensations everything seized is burned.
	require.NoError(t, l.Bond(bob, IOST(50), 2))
	res, err = l.Slash(bob, nil)
	require.NoError(t, err)
	require.Equal(t, IOST(50), res.Burned)
	after2, err := l.Supply()
	require.NoError(t, err)
	require.Equal(t, IOST(50), after2.Burned)
	require.NoError(t, l.Audit([]common.Address{sale, foundation, community, team, early, alice, bob, carol}))

	_, err = l.Slash(addr(500), nil)
	require.ErrorIs(t, err, ErrUnknownAccount)
}

func TestServi(t *testing.T) {
	l, st := newChain(t)
	require.NoError(t, l.IssueServi(Contribution{Account: bob, Kind: ContributionReview, Amount: 5}))
	require.NoError(t, l.IssueServi(Contribution{Account: bob, Kind: ContributionService, Amount: 7}))
	s, err := l.Servi(bob)
	require.NoError(t, err)
	require.Equal(t, Amount(12), s)
	unchanged(t, st, ErrServiNotTransferable, func() error { return l.TransferServi(bob, carol, 1) })
	unchanged(t, st, ErrBadContribution, func() error {
		return l.IssueServi(Contribution{Account: bob, Kind: 9, Amount: 1})
	})
	unchanged(t, st, ErrBadContribution, func() error {
		return l.IssueServi(Contribution{Kind: ContributionReview, Amount: 1})
	})
	unchanged(t, st, ErrZeroAmount, func() error {
		return l.IssueServi(Contribution{Account: bob, Kind: ContributionReview})
	})
	unchanged(t, st, ErrOverflow, func() error {
		return l.IssueServi(Contribution{Account: bob, Kind: ContributionReview, Amount: Amount(^uint64(0))})
	})
	had, err := l.ClearServi(bob)
	require.NoError(t, err)
	require.Equal(t, Amount(12), had)
	had, err = l.ClearServi(bob)
	require.NoError(t, err)
	require.Zero(t, had)
	had, err = l.ClearServi(addr(404))
	require.NoError(t, err)
	require.Zero(t, had)
	require.Equal(t, "service", ContributionService.String())
	require.Equal(t, "review", ContributionReview.String())
	require.Equal(t, "contribution(9)", ContributionKind(9).String())
}

func TestFeeDistribution(t *testing.T) {
	l, st := newChain(t)
	require.NoError(t, l.Transfer(Transfer{From: alice, To: bob, Amount: 1, Fee: 10, Nonce: 0}, 1))
	share, err := l.DistributeFees([]common.Address{bob, carol, addr(50)})
	require.NoError(t, err)
	require.Equal(t, Amount(3), share)
	fp, err := l.FeePool()
	require.NoError(t, err)
	require.Equal(t, Amount(1), fp, "remainder stays in the pool")
	c, err := l.Balance(carol)
	require.NoError(t, err)
	require.Equal(t, Amount(3), c)
	share, err = l.DistributeFees([]common.Address{bob, carol})
	require.NoError(t, err)
	require.Zero(t, share)
	unchanged(t, st, ErrBadConfig, func() error { _, err := l.DistributeFees(nil); return err })
	require.NoError(t, l.Transfer(Transfer{From: alice, To: bob, Amount: 1, Fee: 10, Nonce: 1}, 1))
	unchanged(t, st, ErrBadConfig, func() error { _, err := l.DistributeFees([]common.Address{bob, bob}); return err })
}

func TestCrossShardExportImportRefund(t *testing.T) {
	src, srcStore := newChain(t)
	dst, err := NewLedger(NewMemStore(), Config{})
	require.NoError(t, err)
	g := DefaultGenesis(sale, foundation, community, team, early)
	require.NoError(t, dst.GenesisPartial(g, func(a common.Address) bool { return a == foundation }))
	ds, err := dst.Supply()
	require.NoError(t, err)
	require.Equal(t, IOST(7_350_000_000), ds.Genesis)

	require.NoError(t, src.Export(alice, IOST(10), 1, 0, 1))
	require.NoError(t, dst.Import(bob, IOST(10)))
	ss, err := src.Supply()
	require.NoError(t, err)
	ds, err = dst.Supply()
	require.NoError(t, err)
	require.Equal(t, ss.Exported, ds.Imported)
	require.NoError(t, src.Audit([]common.Address{sale, foundation, community, team, early, alice}))
	require.NoError(t, dst.Audit([]common.Address{foundation, bob}))

	// An aborted transfer is refunded; the nonce stays spent.
	require.NoError(t, src.Export(alice, IOST(5), 0, 1, 1))
	require.NoError(t, src.Refund(alice, IOST(5)))
	n, err := src.Nonce(alice)
	require.NoError(t, err)
	require.Equal(t, uint64(2), n)
	require.NoError(t, src.Audit([]common.Address{sale, foundation, community, team, early, alice}))

	unchanged(t, srcStore, ErrInsufficientFunds, func() error { return src.Refund(alice, IOST(11)) })
	unchanged(t, srcStore, ErrZeroAmount, func() error { return src.Refund(alice, 0) })
	unchanged(t, srcStore, ErrZeroAmount, func() error { return src.Export(alice, 0, 0, 2, 1) })
	unchanged(t, srcStore, ErrBadNonce, func() error { return src.Export(alice, 1, 0, 0, 1) })
	unchanged(t, srcStore, ErrZeroAmount, func() error { return src.Import(bob, 0) })
	unchanged(t, srcStore, ErrOverflow, func() error { return src.Import(sale, Amount(^uint64(0))) })
}

func TestAuditDetectsCorruption(t *testing.T) {
	l, st := newChain(t)
	all := []common.Address{sale, foundation, community, team, early, alice}
	require.NoError(t, l.Audit(all))
	a, err := l.Account(alice)
	require.NoError(t, err)
	a.Balance++
	require.NoError(t, st.Set(AccountKey(alice), EncodeAccount(a)))
	require.ErrorIs(t, l.Audit(all), ErrCorruptRecord)

	require.NoError(t, st.Set(AccountKey(alice), []byte{0xff, 0x01}))
	_, err = l.Balance(alice)
	require.ErrorIs(t, err, ErrCorruptRecord)
	require.NoError(t, st.Set(keySupply, []byte{0xc1}))
	_, err = l.Supply()
	require.ErrorIs(t, err, ErrCorruptRecord)
	require.NoError(t, st.Set(keyFeePool, []byte{0xc1}))
	_, err = l.FeePool()
	require.ErrorIs(t, err, ErrCorruptRecord)
}

// failingStore fails every read, to show errors from the Store surface.
type failingStore struct{}

var errDisk = errors.New("disk on fire")

func (failingStore) Get([]byte) ([]byte, error) { return nil, errDisk }
func (failingStore) Set(_, _ []byte) error      { return errDisk }
func (failingStore) Delete([]byte) error        { return errDisk }

func TestStoreErrorsPropagate(t *testing.T) {
	l, err := NewLedger(failingStore{}, Config{})
	require.NoError(t, err)
	require.ErrorIs(t, l.Genesis(DefaultGenesis(sale, foundation, community, team, early)), errDisk)
	_, err = l.Balance(alice)
	require.ErrorIs(t, err, errDisk)
	_, err = l.FeePool()
	require.ErrorIs(t, err, errDisk)
	require.ErrorIs(t, l.Transfer(Transfer{From: alice, To: bob, Amount: 1}, 0), errDisk)
}
