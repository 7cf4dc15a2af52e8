package pobtest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/iostkit/iostkit/internal/pobsim"
	"github.com/iostkit/iostkit/pob"
)

// Factory builds one replica's engine from its configuration.
type Factory func(cfg pob.Config) (pob.Engine, error)

// Options tune the suite.
type Options struct {
	// Runs is the number of seeded simulations per property (0 means 40).
	Runs int
	// Leagues adds believable-league producers (honest, silent,
	// fraudulent, equivocating) to the scenarios, for engines that run
	// Proof-of-Believability's two leagues.
	Leagues bool
	// FirstSeed offsets the seeds (0 means 1).
	FirstSeed uint64
}

// Property is one checked behaviour of the suite.
type Property struct {
	// Name is the subtest name.
	Name string
	// Check runs the property against an engine factory.
	Check func(f Factory, o Options) error
}

// Properties lists the suite, in the order Run checks them.
var Properties = []Property{
	{"SafetyUnderFaultBound", checkSafety},
	{"LivenessAfterHeal", checkLiveness},
	{"RestartWithoutDoubleVote", checkRestart},
}

// ErrNotExercised means a run never reached the situation a property is
// about, so it proved nothing.
var ErrNotExercised = errors.New("pobtest: property not exercised")

// Run executes every property as a subtest against engines built by f.
func Run(t *testing.T, f Factory, o Options) {
	t.Helper()
	for _, p := range Properties {
		t.Run(p.Name, func(t *testing.T) {
			if err := p.Check(f, o); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// Check runs every property and returns the first violation.
func Check(f Factory, o Options) error {
	for _, p := range Properties {
		if err := p.Check(f, o); err != nil {
			return fmt.Errorf("%s: %w", p.Name, err)
		}
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Runs == 0 {
		o.Runs = 40
	}
	if o.FirstSeed == 0 {
		o.FirstSeed = 1
	}
	return o
}

func scenario(f Factory, o Options, seed uint64) pobsim.Options {
	s := pobsim.Scenario(seed, !o.Leagues)
	if !o.Leagues {
		s.Believable = nil
	}
	s.Factory = pobsim.Factory(f)
	return s
}

func checkSafety(f Factory, o Options) error {
	o = o.withDefaults()
	for i := range o.Runs {
		s := scenario(f, o, o.FirstSeed+uint64(i))
		if _, err := pobsim.Run(s); err != nil {
			return err
		}
	}
	return nil
}

func checkLiveness(f Factory, o Options) error {
	o = o.withDefaults()
	for i := range o.Runs {
		s := scenario(f, o, o.FirstSeed+10_000+uint64(i))
		s.Partition, s.DropPerMille, s.LivenessHeights = true, 200, 3
		rep, err := pobsim.Run(s)
		if err != nil {
			return err
		}
		if rep.MinHeight < 4 {
			return fmt.Errorf("seed %d: honest replicas only reached height %d", s.Seed, rep.MinHeight)
		}
	}
	return nil
}

func checkRestart(f Factory, o Options) error {
	o = o.withDefaults()
	restarts := 0
	for i := range o.Runs {
		s := scenario(f, o, o.FirstSeed+20_000+uint64(i))
		s.Crashes = 6
		rep, err := pobsim.Run(s)
		if err != nil {
			return err
		}
		restarts += rep.Restarts
	}
	if restarts == 0 {
		return ErrNotExercised
	}
	return nil
}
