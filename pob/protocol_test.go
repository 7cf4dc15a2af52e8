package pob_test

import (
	"testing"

	"github.com/iostkit/iostkit/internal/pobsim"
	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

func convicted(rep *pobsim.Report, league pob.League, index uint32, reason string) bool {
	for _, c := range rep.Convictions {
		if c.Culprit == (pob.Culprit{League: league, Index: index}) && c.Reason == reason {
			return true
		}
	}
	return false
}

// A believable validator that slips an invalid transaction into each of its
// blocks is caught by sampling, slashed through the Slasher, and — with
// certain sampling — its invalid transactions never reach a finalized block.
func TestFraudCaughtSlashedNeverFinalized(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rep, err := pobsim.Run(pobsim.Options{
			Seed:       seed,
			Normal:     []pobsim.Behaviour{pobsim.Honest, pobsim.Honest, pobsim.Honest, pobsim.Honest},
			Believable: []pobsim.Behaviour{pobsim.FraudProducer, pobsim.Honest},
			SamplePPM:  pob.PPM,
			TxsPer:     2,
			ChaosTicks: 40,
		})
		require.NoError(t, err)
		require.Zero(t, rep.InvalidFinalized, "seed %d", seed)
		require.True(t, convicted(rep, pob.Believable, 0, "fraud"), "seed %d: %+v", seed, rep.Convictions)
		require.Equal(t, 1, rep.Slashes.Count[pobsim.KeyOf(4).Address], "seed %d: slashed once", seed)
		require.Zero(t, rep.Slashes.Count[pobsim.KeyOf(5).Address], "the honest producer is not slashed")
		require.Positive(t, rep.Slashes.Servi[pobsim.KeyOf(5).Address], "the honest producer's Servi is cleared as its blocks finalize")
	}
}

// With sparse sampling some invalid transactions are finalized before one is
// sampled; the conviction then re-checks the culprit's finalized blocks and
// compensates the users of the invalid transactions found there.
func TestFraudRecheckCompensates(t *testing.T) {
	compensated := 0
	for seed := uint64(1); seed <= 6; seed++ {
		rep, err := pobsim.Run(pobsim.Options{
			Seed:       seed,
			Normal:     []pobsim.Behaviour{pobsim.Honest, pobsim.Honest, pobsim.Honest, pobsim.Honest},
			Believable: []pobsim.Behaviour{pobsim.FraudProducer},
			SamplePPM:  20_000,
			TxsPer:     2,
			ChaosTicks: 120,
		})
		require.NoError(t, err)
		if !convicted(rep, pob.Believable, 0, "fraud") {
			continue
		}
		paid := uint64(0)
		for _, v := range rep.Slashes.Paid {
			paid += v
		}
		var promised int
		for _, c := range rep.Convictions {
			promised += len(c.Compensate)
		}
		require.Equal(t, uint64(promised), paid, "seed %d: every compensation went through the Slasher", seed)
		if rep.InvalidFinalized > 0 {
			require.Positive(t, paid, "seed %d: %d invalid transactions finalized, none compensated", seed, rep.InvalidFinalized)
			compensated++
		}
	}
	require.Positive(t, compensated, "no seed exercised re-check and compensation")
}

// Equivocation — a voter's two votes for one slot, a producer's two blocks
// for one sequence number — is evidence that slashes.
func TestEquivocationSlashes(t *testing.T) {
	rep, err := pobsim.Run(pobsim.Options{
		Seed:       3,
		Normal:     []pobsim.Behaviour{pobsim.EquivocateVotes, pobsim.Honest, pobsim.Honest, pobsim.Honest},
		Believable: []pobsim.Behaviour{pobsim.EquivocateProducer, pobsim.Honest},
		SamplePPM:  pob.PPM,
		TxsPer:     1,
		ChaosTicks: 40,
	})
	require.NoError(t, err)
	require.True(t, convicted(rep, pob.Normal, 0, "equivocation"), "%+v", rep.Convictions)
	require.True(t, convicted(rep, pob.Believable, 0, "equivocation"), "%+v", rep.Convictions)
	require.Positive(t, rep.Slashes.Count[pobsim.KeyOf(0).Address])
	require.Positive(t, rep.Slashes.Count[pobsim.KeyOf(4).Address])
	require.Zero(t, rep.Slashes.Count[pobsim.KeyOf(1).Address])
}

// Twins — two replicas sharing a key — are caught equivocating and cannot
// break safety.
func TestTwinsSlashed(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		rep, err := pobsim.Run(pobsim.Options{
			Seed:       seed,
			Normal:     []pobsim.Behaviour{pobsim.Twin, pobsim.Honest, pobsim.Honest, pobsim.Honest},
			ChaosTicks: 60,
		})
		require.NoError(t, err)
		require.Positive(t, rep.Blocks)
	}
}

// Without enough active believable validators the shard runs one league
// (the normal proposer fills blocks itself); when producers return, it
// goes back to two leagues.
func TestFallbackAndReturn(t *testing.T) {
	rep, err := pobsim.Run(pobsim.Options{
		Seed:                 1,
		Normal:               []pobsim.Behaviour{pobsim.Honest, pobsim.Honest, pobsim.Honest, pobsim.Honest},
		Believable:           []pobsim.Behaviour{pobsim.Honest, pobsim.Honest},
		TxsPer:               1,
		ProducersSilentUntil: 12,
		ChaosTicks:           120,
		Tune:                 func(c *pob.Config) { c.AbsentAfter = 3 },
	})
	require.NoError(t, err)
	require.True(t, rep.Fallback, "never fell back")
	require.True(t, rep.Returned, "never returned to two leagues")
}

// One league from the start: no believable validators at all.
func TestOneLeague(t *testing.T) {
	rep, err := pobsim.Run(pobsim.Options{
		Seed:         9,
		Normal:       []pobsim.Behaviour{pobsim.Honest, pobsim.Honest, pobsim.Honest, pobsim.WithholdVotes, pobsim.Honest},
		TxsPer:       3,
		DropPerMille: 100,
		Crashes:      2,
	})
	require.NoError(t, err)
	require.True(t, rep.Fallback)
	require.Positive(t, rep.Restarts)
}
