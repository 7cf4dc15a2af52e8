package calib

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestNodeMeasuredCosts: the node's own measurements, when a calibration
// holds them, replace the approximations of admission and execution.
func TestNodeMeasuredCosts(t *testing.T) {
	base := Costs{Keccak: 1, Ecrecover: 10, Node: NodeCosts{TxSign: 100, HTTPSubmit: 1000, StateTransfer: 20}}
	tests := []struct {
		name      string
		node      func(*NodeCosts)
		n         int
		admit     time.Duration
		execution time.Duration
	}{
		{"approximations", func(*NodeCosts) {}, 10, 100 + 1000 + 1 + 10, 10 * (2 + 20)},
		{"node's admission", func(c *NodeCosts) { c.Admit = 500 }, 10, 100 + 500, 10 * (2 + 20)},
		{"node's execution", func(c *NodeCosts) { c.ExecHeight, c.ExecTransfer = 7000, 50 }, 10, 1111, 7000 + 10*50},
		{"loop above execution", func(c *NodeCosts) { c.ExecHeight, c.ExecTransfer, c.LoopTransfer = 7000, 50, 80 }, 10, 1111, 7000 + 10*80},
		{"loop below execution", func(c *NodeCosts) { c.ExecHeight, c.ExecTransfer, c.LoopTransfer = 7000, 50, 30 }, 10, 1111, 7000 + 10*50},
		{"empty height", func(c *NodeCosts) { c.ExecHeight, c.ExecTransfer = 7000, 50 }, 0, 1111, 7000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.node(&c.Node)
			require.Equal(t, tc.admit, c.TxAdmit())
			require.Equal(t, tc.execution, c.ExecHeight(tc.n))
		})
	}
}

// TestParseNodeCalibration: a file merged from the simulator's and the
// node's calibrations (examples/sim/compare.sh) parses.
func TestParseNodeCalibration(t *testing.T) {
	in := `{"ecrecover_ns":1,"keccak256_200b_ns":1,"token_transfer_ns":1,"bls_sign_ns":1,"bls_verify_ns":1,"bls_aggregate_per_sig_ns":1,"bls_aggregate_per_key_ns":1,"machine":{},
"node":{"tx_sign_ns":1,"http_submit_ns":1,"state_transfer_ns":1,"node_admit_ns":2,"block_hash_tx_ns":3,"optimistic_hash_tx_ns":3,"hash_block_txs":256,
"exec_height_ns":4,"exec_transfer_ns":5,"exec_block_txs":256,"exec_heights":12,"loop_height_ns":6,"loop_transfer_ns":7,"loop_empty_heights":1,
"loop_full_heights":2,"loop_transfers":3,"loop_failed":0,"loop_failed_reasons":{"bad_nonce_used":1},"tx_bytes":97,"node_rounds":3}}`
	c, err := Parse([]byte(in))
	require.NoError(t, err)
	require.Equal(t, time.Duration(2), c.Node.Admit)
	require.Equal(t, time.Duration(4+2*7), c.ExecHeight(2))
}
