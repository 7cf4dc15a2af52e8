package token

import (
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/stretchr/testify/require"
)

// TestLedgerInvariantsUnderRandomOps drives the ledger with thousands of
// seeded random operations — valid and invalid — and checks after every one
// that supply, conservation, non-negativity, Servi and vesting invariants
// hold, and that every failed operation left the store byte-identical.
func TestLedgerInvariantsUnderRandomOps(t *testing.T) {
	seeds := 20
	ops := 1500
	if testing.Short() {
		seeds = 3
	}
	for seed := range uint64(seeds) {
		runRandomOps(t, seed, ops)
	}
}

func runRandomOps(t *testing.T, seed uint64, ops int) {
	rng := rand.New(rand.NewPCG(seed, 7))
	st := NewMemStore()
	l, err := NewLedger(st, Config{UnbondingPeriod: 5})
	require.NoError(t, err)
	// Accounts: the five genesis buckets plus eight users. The team bucket
	// vests over 100 blocks after a 20-block cliff.
	g := DefaultGenesis(sale, foundation, community, team, early)
	g.Allocations[3].Vesting = Vesting{Total: g.Allocations[3].Amount, Cliff: 20, Duration: 100}
	require.NoError(t, l.Genesis(g))
	accts := []common.Address{sale, foundation, community, team, early}
	for i := range 8 {
		accts = append(accts, addr(100+i))
	}
	pick := func() common.Address { return accts[rng.IntN(len(accts))] }
	amount := func() Amount {
		switch rng.IntN(4) {
		case 0:
			return Amount(rng.Uint64N(10))
		case 1:
			return Amount(rng.Uint64N(uint64(IOST(1000))))
		case 2:
			return Amount(rng.Uint64N(uint64(IOST(5_000_000_000))))
		}
		return Amount(rng.Uint64())
	}
	serviBefore := map[common.Address]Amount{}
	var burnedTotal Amount
	for i := range ops {
		h := uint64(i / 10)
		before := st.Snapshot()
		supBefore, err := l.Supply()
		require.NoError(t, err)
		for _, a := range accts {
			s, err := l.Servi(a)
			require.NoError(t, err)
			serviBefore[a] = s
		}

		var opErr error
		kind := rng.IntN(10)
		var servied, cleared, slashed common.Address
		switch kind {
		case 0, 1, 2, 3:
			from := pick()
			nonce, _ := l.Nonce(from)
			if rng.IntN(5) == 0 {
				nonce += uint64(rng.IntN(3)) - 1 // sometimes a bad nonce
			}
			opErr = l.Transfer(Transfer{From: from, To: pick(), Amount: amount(), Fee: Amount(rng.Uint64N(3)), Nonce: nonce}, h)
		case 4:
			opErr = l.Bond(pick(), amount(), h)
		case 5:
			opErr = l.Unbond(pick(), amount(), h)
		case 6:
			_, opErr = l.Withdraw(pick(), h)
		case 7:
			servied = pick()
			opErr = l.IssueServi(Contribution{Account: servied, Kind: ContributionKind(rng.IntN(3)), Amount: amount()})
		case 8:
			if rng.IntN(2) == 0 {
				cleared = pick()
				_, opErr = l.ClearServi(cleared)
			} else {
				opErr = l.TransferServi(pick(), pick(), amount())
				require.ErrorIs(t, opErr, ErrServiNotTransferable)
			}
		case 9:
			if rng.IntN(3) == 0 {
				slashed = pick()
				var res SlashResult
				res, opErr = l.Slash(slashed, []Payout{{To: pick(), Amount: amount()}})
				if opErr == nil {
					burnedTotal += res.Burned
				}
			} else {
				_, opErr = l.DistributeFees([]common.Address{pick(), pick()})
			}
		}
		if opErr != nil {
			require.Equal(t, before, st.Snapshot(), "seed %d op %d (kind %d) failed with %v but changed state", seed, i, kind, opErr)
		}

		// Supply never exceeds the cap and equals genesis minus burns.
		sup, err := l.Supply()
		require.NoError(t, err)
		require.Equal(t, Cap, sup.Genesis)
		require.Equal(t, burnedTotal, sup.Burned)
		require.LessOrEqual(t, sup.Expected(), Cap)
		// Conservation: the records add up to the supply (Audit sums with
		// overflow checks, so a wrapped, "negative" balance would fail here).
		require.NoError(t, l.Audit(accts), "seed %d op %d kind %d", seed, i, kind)
		require.LessOrEqual(t, sup.Expected(), supBefore.Expected(), "supply grew")
		// Servi never moves: only the issued account gains, only a cleared or
		// slashed account loses (to zero), nobody else changes.
		for _, a := range accts {
			s, err := l.Servi(a)
			require.NoError(t, err)
			switch {
			case a == servied && opErr == nil:
				require.GreaterOrEqual(t, s, serviBefore[a])
			case (a == cleared || a == slashed) && opErr == nil:
				require.Zero(t, s)
			default:
				require.Equal(t, serviBefore[a], s, "servi of %s moved (op kind %d)", a, kind)
			}
		}
		// Vesting-locked funds never leave early: the team account never
		// holds less liquid + bonded + unbonding IOST than is still locked.
		ta, _, err := l.account(team)
		require.NoError(t, err)
		locked := ta.Vesting.Locked(h)
		require.GreaterOrEqual(t, ta.Balance, locked, "seed %d op %d: locked funds left early", seed, i)
	}
}
