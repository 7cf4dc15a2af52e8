// Command testnet runs perturbation testnets of iostkit's example node on
// loopback: N node processes (one validator each, over libp2p), signed
// transfers through their HTTP API, and faults on a seeded schedule, then
// an audit of what the nodes finalized. See docs/reliability.md.
//
//	go run ./examples/testnet                          # 4 nodes, 12 mixed perturbations
//	go run ./examples/testnet -manifest net.toml       # network, load and schedule from TOML
//	go run ./examples/testnet -scenario crash -kills 100
//	go run ./examples/testnet -scenario overload -overload-for 60s
//
// It exits with status 1 when a property is broken.
package main
