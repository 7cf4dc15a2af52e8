package calib

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// Costs are per-operation CPU costs on one core.
type Costs struct {
	// Ecrecover is one secp256k1 public-key recovery (go-ethereum crypto).
	Ecrecover time.Duration `json:"ecrecover_ns"`
	// Keccak is Keccak-256 of 200 bytes, about one encoded transfer.
	Keccak time.Duration `json:"keccak256_200b_ns"`
	// Transfer is one token.Ledger.Transfer on a token.MemStore holding the
	// calibration's working set of accounts.
	Transfer time.Duration `json:"token_transfer_ns"`
	// BLSSign is one BLS signature (kyber sign/bdn, signatures on G1).
	BLSSign time.Duration `json:"bls_sign_ns"`
	// BLSVerify is one BLS signature verification (two pairings).
	BLSVerify time.Duration `json:"bls_verify_ns"`
	// BLSAggSig is the cost per signature of aggregating signatures into a
	// certificate.
	BLSAggSig time.Duration `json:"bls_aggregate_per_sig_ns"`
	// BLSAggKey is the cost per signer of aggregating public keys (with bdn's
	// rogue-key coefficients) to verify a certificate.
	BLSAggKey time.Duration `json:"bls_aggregate_per_key_ns"`
	// Node are the costs of the example node's own code paths, for
	// simulating its local mode; absent from older calibrations.
	Node NodeCosts `json:"node,omitzero"`
	// Atomix are the costs of driving atomix (see AtomixCosts); absent
	// from older calibrations.
	Atomix AtomixCosts `json:"atomix,omitzero"`
	// DRP are the costs of a drp beacon round (see DRPCosts); absent from
	// older calibrations.
	DRP DRPCosts `json:"drp,omitzero"`
	// Machine describes where the costs were measured.
	Machine Machine `json:"machine"`
}

// Machine records the environment of a measurement, for the reader of a
// result; the simulator does not use it.
type Machine struct {
	// GoVersion is the Go release that ran the measurement.
	GoVersion string `json:"go"`
	// GOARCH is the target architecture.
	GOARCH string `json:"goarch"`
	// CPUs is runtime.NumCPU at measurement time.
	CPUs int `json:"cpus"`
	// CGO tells whether go-ethereum's libsecp256k1 (cgo) was used.
	CGO bool `json:"cgo"`
	// Note says how the values were obtained.
	Note string `json:"note,omitempty"`
}

// TxVerify is the CPU cost of admitting one signed transfer: hash it and
// recover its signer.
func (c Costs) TxVerify() time.Duration { return c.Keccak + c.Ecrecover }

// TxExecute is the CPU cost of executing one verified transfer.
func (c Costs) TxExecute() time.Duration { return c.Transfer }

// CertVerify is the cost of verifying a certificate signed by signers
// members: aggregate their keys, then one verification.
func (c Costs) CertVerify(signers int) time.Duration {
	return c.BLSVerify + time.Duration(signers)*c.BLSAggKey
}

// CertAggregate is the cost of aggregating signers signatures.
func (c Costs) CertAggregate(signers int) time.Duration {
	return time.Duration(signers) * c.BLSAggSig
}

// Validate reports missing or negative costs.
func (c Costs) Validate() error {
	for name, v := range map[string]time.Duration{
		"ecrecover": c.Ecrecover, "keccak": c.Keccak, "transfer": c.Transfer,
		"bls sign": c.BLSSign, "bls verify": c.BLSVerify,
		"bls aggregate sig": c.BLSAggSig, "bls aggregate key": c.BLSAggKey,
	} {
		if v <= 0 {
			return fmt.Errorf("%w: %s cost %v", ErrInvalid, name, v)
		}
	}
	if n := c.Node; n.TxSign < 0 || n.HTTPSubmit < 0 || n.StateTransfer < 0 || n.StateAccounts < 0 || n.StateBlockTxs < 0 {
		return fmt.Errorf("%w: negative node cost", ErrInvalid)
	}
	if a := c.Atomix; a.Block < 0 || a.Prove < 0 || a.Verify < 0 {
		return fmt.Errorf("%w: negative atomix cost", ErrInvalid)
	}
	if d := c.DRP; d.PartialSign < 0 || d.PartialVerify < 0 || d.Collect < 0 || d.BeaconVerify < 0 {
		return fmt.Errorf("%w: negative drp cost", ErrInvalid)
	}
	return nil
}

// ErrInvalid is returned for a calibration that has a missing or
// non-positive cost.
var ErrInvalid = errors.New("calib: invalid calibration")

// Parse decodes a calibration written by Encode (unknown fields rejected).
func Parse(b []byte) (Costs, error) {
	var c Costs
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Costs{}, fmt.Errorf("calib: parse: %w", err)
	}
	return c, c.Validate()
}

// Encode returns the calibration as indented JSON.
func (c Costs) Encode() []byte {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		panic(err) // plain struct of ints and strings: cannot fail
	}
	return append(b, '\n')
}

// Load reads a calibration file.
func Load(path string) (Costs, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Costs{}, fmt.Errorf("calib: %w", err)
	}
	c, err := Parse(b)
	if err != nil {
		return Costs{}, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Save writes a calibration file.
func (c Costs) Save(path string) error {
	if err := os.WriteFile(path, c.Encode(), 0o644); err != nil {
		return fmt.Errorf("calib: %w", err)
	}
	return nil
}
