package pobtest_test

import (
	"testing"

	"github.com/iostkit/iostkit/pob"
	"github.com/iostkit/iostkit/pob/pobtest"
	"github.com/stretchr/testify/require"
)

func newPoB(cfg pob.Config) (pob.Engine, error) { return pob.New(cfg) }

func TestPoBConforms(t *testing.T) {
	pobtest.Run(t, newPoB, pobtest.Options{Leagues: true, Runs: runs})
}

// An engine that forgets its persisted votes on restart must fail the
// suite; otherwise the suite would prove nothing.
func TestSuiteCatchesAmnesia(t *testing.T) {
	amnesiac := func(cfg pob.Config) (pob.Engine, error) {
		cfg.Restore = nil
		return pob.New(cfg)
	}
	var restart pobtest.Property
	for _, p := range pobtest.Properties {
		if p.Name == "RestartWithoutDoubleVote" {
			restart = p
		}
	}
	err := restart.Check(amnesiac, pobtest.Options{Runs: 2 * runs})
	require.Error(t, err)
	require.Contains(t, err.Error(), "signed two")
}

// An engine whose timeouts never fire cannot leave a round the network
// broke: the suite must report it as not live.
func TestSuiteCatchesStall(t *testing.T) {
	err := pobtest.Check(func(cfg pob.Config) (pob.Engine, error) {
		cfg.TimeoutPropose = 1 << 40 // never leaves a round it cannot finish
		cfg.TimeoutPrevote = 1 << 40
		cfg.TimeoutPrecommit = 1 << 40
		return pob.New(cfg)
	}, pobtest.Options{Runs: 3})
	require.Error(t, err)
	require.Contains(t, err.Error(), "liveness")
}
