package calib_test

import (
	"fmt"

	"github.com/iostkit/iostkit/examples/sim/calib"
)

// A calibration file pins the costs of a run, so the same seed gives the same
// result on any machine.
func ExampleParse() {
	c, err := calib.Parse([]byte(`{
  "ecrecover_ns": 40000, "keccak256_200b_ns": 1000, "token_transfer_ns": 5000,
  "bls_sign_ns": 300000, "bls_verify_ns": 1500000,
  "bls_aggregate_per_sig_ns": 200000, "bls_aggregate_per_key_ns": 200000,
  "machine": {"go": "go1.26", "goarch": "amd64", "cpus": 2, "cgo": true}
}`))
	if err != nil {
		panic(err)
	}
	fmt.Println("verify a transfer:", c.TxVerify())
	fmt.Println("execute it:", c.TxExecute())
	fmt.Println("verify a 16-signer certificate:", c.CertVerify(16))
	// Output:
	// verify a transfer: 41µs
	// execute it: 5µs
	// verify a 16-signer certificate: 4.7ms
}
