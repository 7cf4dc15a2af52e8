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

// protocolFactory builds a consensus engine family for the simulator.
type protocolFactory func() (shardsim.Protocol, error)

// protocols lists the engines the simulator can run, by -engine name.
var protocols = map[string]protocolFactory{
	// pob's Machine with its two leagues: a quarter of the shard (at most
	// four, pob's default policy) is believable, the rest the normal league.
	"pob": func() (shardsim.Protocol, error) {
		return engines.New(engines.Options{Name: "pob", New: newPoB, Believable: pobBelievable})
	},
	// pob's Machine with no believable league: its one-league mode, where
	// round-robin proposers fill blocks themselves.
	"pob-1league": func() (shardsim.Protocol, error) {
		return engines.New(engines.Options{Name: "pob-1league", New: newPoB})
	},
	// rrbft: the second engine — round-robin proposers filling blocks, the
	// same Tendermint-style finality and certificates, no leagues.
	"rrbft": func() (shardsim.Protocol, error) {
		return engines.New(engines.Options{Name: "rrbft", New: rrbft.FromPoB})
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

func newProtocol(name string) (shardsim.Protocol, error) {
	f, ok := protocols[name]
	if !ok {
		return nil, fmt.Errorf("unknown engine %q (have: %s)", name, strings.Join(protocolNames(), ", "))
	}
	return f()
}
