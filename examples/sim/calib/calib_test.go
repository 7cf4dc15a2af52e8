package calib

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseRejects(t *testing.T) {
	good := `{"ecrecover_ns":1,"keccak256_200b_ns":1,"token_transfer_ns":1,"bls_sign_ns":1,"bls_verify_ns":1,"bls_aggregate_per_sig_ns":1,"bls_aggregate_per_key_ns":1,"machine":{}}`
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"complete", good, true},
		{"missing cost", `{"ecrecover_ns":1}`, false},
		{"negative cost", `{"ecrecover_ns":-1,"keccak256_200b_ns":1,"token_transfer_ns":1,"bls_sign_ns":1,"bls_verify_ns":1,"bls_aggregate_per_sig_ns":1,"bls_aggregate_per_key_ns":1}`, false},
		{"unknown field", `{"ecrecover":1}`, false},
		{"not json", `ecrecover=1`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if tc.ok {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
			}
		})
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	c, err := Load("testdata/calibration.json")
	require.NoError(t, err)
	p := filepath.Join(t.TempDir(), "c.json")
	require.NoError(t, c.Save(p))
	d, err := Load(p)
	require.NoError(t, err)
	require.Equal(t, c, d)
	_, err = Load(filepath.Join(t.TempDir(), "missing.json"))
	require.Error(t, err)
}

func TestDerivedCosts(t *testing.T) {
	c := Costs{Ecrecover: 40, Keccak: 1, Transfer: 5, BLSVerify: 100, BLSAggKey: 10, BLSAggSig: 7}
	require.Equal(t, time.Duration(41), c.TxVerify())
	require.Equal(t, time.Duration(5), c.TxExecute())
	require.Equal(t, time.Duration(140), c.CertVerify(4))
	require.Equal(t, time.Duration(28), c.CertAggregate(4))
}

// TestMeasure runs a quick real calibration: every cost is positive and the
// well-known order holds (a pairing-based verification costs more than a
// secp256k1 recovery, which costs more than a hash).
func TestMeasure(t *testing.T) {
	var ops []string
	c, err := Measure(Options{Budget: 5 * time.Millisecond, Rounds: 1, Accounts: 100, Signers: 4, StateBlocks: 3, HTTPRequests: 20, Progress: func(op string) { ops = append(ops, op) }})
	require.NoError(t, err)
	require.Len(t, ops, 17)
	require.True(t, c.Node.Complete())
	require.True(t, c.Atomix.Complete())
	require.True(t, c.DRP.Complete())
	require.Greater(t, c.BLSVerify, c.Ecrecover)
	require.Greater(t, c.Ecrecover, c.Keccak)
	require.Positive(t, c.Machine.CPUs)
}

func TestCounterReaderDeterministic(t *testing.T) {
	a, b := make([]byte, 100), make([]byte, 100)
	_, _ = bytesReader([]byte("x")).Read(a)
	_, _ = bytesReader([]byte("x")).Read(b)
	require.Equal(t, a, b)
	_, _ = bytesReader([]byte("y")).Read(b)
	require.NotEqual(t, a, b)
}
