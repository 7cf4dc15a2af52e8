package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/iostkit/iostkit/examples/sim/shardsim"
)

// protocolFactory builds a consensus engine family for the simulator.
type protocolFactory func() (shardsim.Protocol, error)

// protocols lists the engines the simulator can run, by -engine name.
var protocols = map[string]protocolFactory{}

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
