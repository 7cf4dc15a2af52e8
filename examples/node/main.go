// Command node is iostkit's example node: a sharded IOST-style chain
// assembled from the library's packages.
//
//	go run ./examples/node                 # local 4-shard network in one process
//	go run ./examples/node run --help      # all flags (network mode, engine, data dir, ...)
//	go run ./examples/node keys new        # a new secp256k1 account key
//	go run ./examples/node transfer ...    # sign and send a transfer through the API
//	go run ./examples/node balance ADDR    # balance (with proof when the store proves)
//	go run ./examples/node status          # the node's summary
//	go run ./examples/node loadgen ...     # load generator with progress
//	go run ./examples/node config          # the default config as TOML
//	go run ./examples/node calibrate       # costs of the node's paths for examples/sim
//
// See docs/node.md.
package main

import (
	"fmt"
	"os"
)

func main() {
	args := os.Args[1:]
	cmd := "run"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "run":
		err = runCmd(args)
	case "keys":
		err = keysCmd(args)
	case "transfer":
		err = transferCmd(args)
	case "balance":
		err = balanceCmd(args)
	case "status":
		err = statusCmd(args)
	case "loadgen":
		err = loadgenCmd(args)
	case "config":
		err = configCmd(args)
	case "peer-id":
		err = peerIDCmd(args)
	case "calibrate":
		err = calibrateCmd(args)
	case "help", "-h", "--help":
		fmt.Println(usage)
		return
	default:
		err = fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "node:", err)
		os.Exit(1)
	}
}

const usage = `usage: node [command] [flags]

commands:
  run        run the node (default; no flags: a local 4-shard network in one process)
  keys new   create a secp256k1 account key
  transfer   sign and send a transfer through a node's API
  balance    show an account's balance
  status     show a node's summary
  loadgen    sign and send transfers, measure throughput and latency
  config     print the default configuration (TOML)
  peer-id N  print validator N's libp2p peer id (to build --peers lists)
  calibrate  measure the node's own code paths for the simulator (-o file.json)`
