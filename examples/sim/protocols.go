package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/iostkit/iostkit/examples/sim/engines"
	"github.com/iostkit/iostkit/examples/sim/shardsim"
	"github.com/iostkit/iostkit/pob"
	"github.com/iostkit/iostkit/pob/rrbft"
)

// protocolFactory builds a consensus engine family for the simulator;
// tune, if not nil, adjusts every engine's configuration.
type protocolFactory func(tune func(*pob.Config)) (shardsim.Protocol, error)

// protocols lists the engines the simulator can run, by -engine name.
var protocols = map[string]protocolFactory{
	// pob's Machine with its two leagues: a quarter of the shard (at most
	// four, pob's default policy) is believable, the rest the normal league.
	"pob": func(tune func(*pob.Config)) (shardsim.Protocol, error) {
		return engines.New(engines.Options{Name: "pob", New: newPoB, Believable: pobBelievable, Tune: tune})
	},
	// pob's Machine with no believable league: its one-league mode, where
	// round-robin proposers fill blocks themselves.
	"pob-1league": func(tune func(*pob.Config)) (shardsim.Protocol, error) {
		return engines.New(engines.Options{Name: "pob-1league", New: newPoB, Tune: tune})
	},
	// rrbft: the second engine — round-robin proposers filling blocks, the
	// same Tendermint-style finality and certificates, no leagues.
	"rrbft": func(tune func(*pob.Config)) (shardsim.Protocol, error) {
		return engines.New(engines.Options{Name: "rrbft", New: rrbft.FromPoB, Tune: tune})
	},
}

func newPoB(cfg pob.Config) (pob.Engine, error) { return pob.New(cfg) }

func pobBelievable(n int) int { return min(4, max(1, n/4)) }

func protocolNames() []string {
	var names []string
	for n := range protocols {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func newProtocol(name string) (shardsim.Protocol, error) { return newTunedProtocol(name, nil) }

func newTunedProtocol(name string, tune func(*pob.Config)) (shardsim.Protocol, error) {
	f, ok := protocols[name]
	if !ok {
		return nil, fmt.Errorf("unknown engine %q (have: %s)", name, strings.Join(protocolNames(), ", "))
	}
	return f(tune)
}
