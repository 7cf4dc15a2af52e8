// Command sim is iostkit's deterministic discrete-event simulator and the
// runner of the standard experiments whose results live in docs/results.
//
//	go run ./examples/sim -experiment eds-failure      # one experiment → docs/results
//	go run ./examples/sim -experiment all
//	go run ./examples/sim -calibrate -o calibration.json
//
// Without -experiment it runs one configuration given by flags (-engine,
// -shards, -committee, -rate, -cross, -faulty, -behaviour, -host-cores, …)
// and prints its result as JSON; -node-loop (with -host-cores and
// -host-share) simulates the example node's single-process local mode, and
// compare.sh compares it with the real node on this machine. Every run is deterministic for a seed and a
// calibration file. See docs/simulator.md for the model, what runs real code
// and what is modelled, and docs/results for the committed results.
package main
