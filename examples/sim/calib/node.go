package calib

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"

	"github.com/iostkit/iostkit/microstate"
	"github.com/iostkit/iostkit/token"
)

// NodeCosts are the per-transfer costs of the example node's own code paths
// around consensus, for simulating the node's single-process local mode
// (shardsim.Config.NodeLoop). A zero field is not charged; a calibration
// written before these existed has none.
type NodeCosts struct {
	// TxSign is one secp256k1 signature (go-ethereum crypto.Sign): what the
	// load generator, on the same machine, pays per transfer.
	TxSign time.Duration `json:"tx_sign_ns,omitempty"`
	// HTTPSubmit is the process CPU time of one loopback HTTP/1.1 POST of a
	// JSON-wrapped, hex-encoded transfer and its JSON answer, client and
	// server together (net/http, encoding/json, the kernel's loopback TCP):
	// the shape of the node's POST /tx and of its client, without the
	// signature recovery (Ecrecover) and state read, charged apart.
	HTTPSubmit time.Duration `json:"http_submit_ns,omitempty"`
	// StateTransfer is the process CPU time per transfer of executing
	// blocks of StateBlockTxs transfers with token.Ledger on a write
	// overlay over microstate on pebble, each block committed with
	// ApplyBlock (durably, Micro State Blocks every 100 blocks included).
	StateTransfer time.Duration `json:"state_transfer_ns,omitempty"`
	// StateAccounts is the number of accounts the StateTransfer blocks
	// move funds between (the node's load generator uses its 64 demo
	// accounts).
	StateAccounts int `json:"state_accounts,omitempty"`
	// StateBlockTxs is the transfers per block of the StateTransfer run.
	StateBlockTxs int `json:"state_block_txs,omitempty"`

	// The fields below are measured by the node itself (`node calibrate`,
	// examples/node/calibrate.go) on its real code paths, which this
	// package cannot import; merged into a calibration file they replace
	// the approximations above (see TxAdmit and ExecHeight).

	// Admit is one transfer through the node's real API, client and
	// server (JSON, hex, the signer's recovery, the account read, the
	// mempool), without the client's signature.
	Admit time.Duration `json:"node_admit_ns,omitempty"`
	// ExecHeight and ExecTransfer are the node's runner.execute per
	// executed height (an empty one) and per transfer (blocks of
	// ExecBlockTxs): block hash, executor, block store, state commit,
	// mempool cleanup and the node's bookkeeping.
	ExecHeight   time.Duration `json:"exec_height_ns,omitempty"`
	ExecTransfer time.Duration `json:"exec_transfer_ns,omitempty"`
	ExecBlockTxs int           `json:"exec_block_txs,omitempty"`
	ExecHeights  int           `json:"exec_heights,omitempty"`
	// LoopHeight and LoopTransfer are the node's whole shard loop per
	// empty height and per finalized transfer beyond it (pob's handling
	// of the transfer's bytes — block hashes, validity checks — proposal,
	// execution and commit), with the counts they were measured over.
	LoopHeight       time.Duration  `json:"loop_height_ns,omitempty"`
	LoopTransfer     time.Duration  `json:"loop_transfer_ns,omitempty"`
	LoopEmptyHeights int            `json:"loop_empty_heights,omitempty"`
	LoopFullHeights  int            `json:"loop_full_heights,omitempty"`
	LoopTransfers    int            `json:"loop_transfers,omitempty"`
	LoopFailed       int            `json:"loop_failed,omitempty"`
	LoopFailReasons  map[string]int `json:"loop_failed_reasons,omitempty"`
	// BlockHashTx and OptimisticHashTx are pob.Block.Hash and
	// pob.OptimisticBlock.Hash per real transfer (blocks of HashBlockTxs),
	// for reference: the loop's per-transfer cost holds them.
	BlockHashTx      time.Duration `json:"block_hash_tx_ns,omitempty"`
	OptimisticHashTx time.Duration `json:"optimistic_hash_tx_ns,omitempty"`
	HashBlockTxs     int           `json:"hash_block_txs,omitempty"`
	// TxBytes is a transfer's encoded size; Rounds the rounds the node's
	// medians are taken over.
	TxBytes int `json:"tx_bytes,omitempty"`
	Rounds  int `json:"node_rounds,omitempty"`
}

// Complete reports whether every node cost is measured.
func (n NodeCosts) Complete() bool {
	return n.TxSign > 0 && n.HTTPSubmit > 0 && n.StateTransfer > 0
}

// TxAdmit is the CPU time one transfer costs the node's machine before it
// reaches a mempool when the load generator runs on the same machine: the
// client signs it and posts it, the node decodes it, hashes it and recovers
// its signer.
//
// With the node's own measurement (NodeCosts.Admit) it is the client's
// signature and that.
func (c Costs) TxAdmit() time.Duration {
	if c.Node.Admit > 0 {
		return c.Node.TxSign + c.Node.Admit
	}
	return c.Node.TxSign + c.Node.HTTPSubmit + c.Keccak + c.Ecrecover
}

// ExecHeight is the CPU time the node's runner spends executing one
// finalized height of n transfers, for the shard (once, not per member).
// With the node's own measurement it is NodeCosts.ExecHeight + n ×
// max(ExecTransfer, LoopTransfer): the loop's per-transfer cost, when the
// larger, also holds pob's handling of the transfer's bytes, which the
// simulated engines (carrying batch references) do not do. Otherwise it
// is n × (two Keccak-256 + StateTransfer): a receipt hash, the
// decoded-transaction cache and the ledger on microstate.
func (c Costs) ExecHeight(n int) time.Duration {
	if c.Node.ExecHeight > 0 || c.Node.ExecTransfer > 0 {
		return c.Node.ExecHeight + time.Duration(n)*max(c.Node.ExecTransfer, c.Node.LoopTransfer)
	}
	return time.Duration(n) * (2*c.Keccak + c.Node.StateTransfer)
}

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// timeCPU runs op n times per round, rounds times, and returns the median
// process CPU time per call: the right measure for work spread over
// goroutines (HTTP client and server, pebble's background work).
func timeCPU(op func() error, n, rounds int) (time.Duration, error) {
	if err := op(); err != nil {
		return 0, err
	}
	per := make([]time.Duration, 0, rounds)
	for range rounds {
		start := cpuTime()
		for range n {
			if err := op(); err != nil {
				return 0, err
			}
		}
		per = append(per, (cpuTime()-start)/time.Duration(n))
	}
	slices.Sort(per)
	return per[len(per)/2], nil
}

func setupSign() (func() error, int, error) {
	key, err := crypto.ToECDSA(sha256Bytes("iostkit calibration key"))
	if err != nil {
		return nil, 0, err
	}
	h := crypto.Keccak256([]byte("iostkit calibration transfer"))
	return func() error {
		sig, err := crypto.Sign(h, key)
		h[0] ^= sig[0]
		return err
	}, 1, nil
}

// simTx has the fields of a signed transfer (chain, shard, nonce,
// recipient, amount, fee, signature) for an RLP body of the real size.
type simTx struct {
	ChainID, Shard, Nonce uint64
	To                    common.Address
	Amount, Fee           uint64
	Sig                   []byte
}

type submitRequest struct {
	Tx string `json:"tx"`
}

type submitResponse struct {
	Hash    string `json:"hash"`
	Shard   uint32 `json:"shard"`
	ToShard uint32 `json:"to_shard"`
}

// measureHTTP times POST /tx round trips over loopback TCP.
func measureHTTP(n, rounds int) (time.Duration, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tx", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		var req submitRequest
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		raw, err := hex.DecodeString(strings.TrimPrefix(req.Tx, "0x"))
		var t simTx
		if err == nil {
			err = rlp.DecodeBytes(raw, &t)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(submitResponse{Hash: common.BytesToHash(raw[:32]).Hex(), Shard: uint32(t.Shard), ToShard: 1})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	client := &http.Client{Timeout: 10 * time.Second}
	url := "http://" + ln.Addr().String() + "/tx"
	raw, err := rlp.EncodeToBytes(simTx{ChainID: 1, Shard: 2, Nonce: 12345, To: common.Address{7}, Amount: 1_000_000, Fee: 1, Sig: make([]byte, 65)})
	if err != nil {
		return 0, err
	}
	nonce := uint64(0)
	op := func() error {
		nonce++
		raw[len(raw)-1] = byte(nonce)
		body, err := json.Marshal(submitRequest{Tx: "0x" + hex.EncodeToString(raw)})
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("status %d: %s", resp.StatusCode, b)
		}
		var out submitResponse
		return json.Unmarshal(b, &out)
	}
	return timeCPU(op, n, rounds)
}

// overlay is a token.Store caching one block's writes over a microstate
// store, as the node's executor does.
type overlay struct {
	base   *microstate.Store
	writes map[string][]byte
	del    map[string]bool
}

func (o *overlay) Get(k []byte) ([]byte, error) {
	if o.del[string(k)] {
		return nil, nil
	}
	if v, ok := o.writes[string(k)]; ok {
		return bytes.Clone(v), nil
	}
	return o.base.Get(k)
}

func (o *overlay) Set(k, v []byte) error {
	delete(o.del, string(k))
	o.writes[string(k)] = bytes.Clone(v)
	return nil
}

func (o *overlay) Delete(k []byte) error {
	delete(o.writes, string(k))
	o.del[string(k)] = true
	return nil
}

func (o *overlay) list() []microstate.Write {
	ws := make([]microstate.Write, 0, len(o.writes)+len(o.del))
	for k, v := range o.writes {
		ws = append(ws, microstate.Write{Key: []byte(k), Value: v})
	}
	for k := range o.del {
		ws = append(ws, microstate.Write{Key: []byte(k), Delete: true})
	}
	return ws
}

// measureState times transfers executed and committed on microstate over
// pebble in a temporary directory.
func measureState(accounts, blockTxs, blocks, rounds int) (time.Duration, error) {
	dir, err := os.MkdirTemp("", "iostkit-calib-state-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := microstate.Open(ctx, microstate.Config{Dir: dir, Backend: microstate.BackendPebble, ChainID: "calib", Shard: 0})
	if err != nil {
		return 0, err
	}
	defer st.Close()
	users := make([]common.Address, accounts)
	nonces := make([]uint64, accounts)
	height := uint64(0)
	commit := func(o *overlay) error {
		height++
		_, err := st.ApplyBlock(ctx, microstate.BlockInfo{Height: height, Epoch: 1}, o.list())
		return err
	}
	o := &overlay{base: st, writes: map[string][]byte{}, del: map[string]bool{}}
	l, err := token.NewLedger(o, token.Config{})
	if err != nil {
		return 0, err
	}
	sale := common.BytesToAddress(sha256Bytes("sale"))
	if err := l.Genesis(token.DefaultGenesis(sale, common.BytesToAddress(sha256Bytes("foundation")), common.BytesToAddress(sha256Bytes("community")), common.BytesToAddress(sha256Bytes("team")), common.BytesToAddress(sha256Bytes("early")))); err != nil {
		return 0, err
	}
	for i := range users {
		users[i] = common.BytesToAddress(sha256Bytes(fmt.Sprint("user", i)))
		if err := l.Transfer(token.Transfer{From: sale, To: users[i], Amount: token.IOST(1_000_000), Nonce: uint64(i)}, 1); err != nil {
			return 0, err
		}
	}
	if err := commit(o); err != nil {
		return 0, err
	}
	i := 0
	block := func() error {
		o := &overlay{base: st, writes: map[string][]byte{}, del: map[string]bool{}}
		l, err := token.NewLedger(o, token.Config{})
		if err != nil {
			return err
		}
		for range blockTxs {
			from, to := i%accounts, (i*7919+1)%accounts
			if to == from {
				to = (to + 1) % accounts
			}
			i++
			if err := l.Transfer(token.Transfer{From: users[from], To: users[to], Amount: 1, Fee: 1, Nonce: nonces[from]}, height+1); err != nil {
				return err
			}
			nonces[from]++
		}
		return commit(o)
	}
	d, err := timeCPU(block, blocks, rounds)
	if err != nil {
		return 0, err
	}
	return max(d/time.Duration(blockTxs), 1), nil
}

// ErrNoNodeCosts is returned by NodeCheck for a calibration without the
// node costs.
var ErrNoNodeCosts = errors.New("calib: calibration has no node costs (re-run -calibrate)")

// NodeCheck reports whether c can simulate the node's local mode.
func (c Costs) NodeCheck() error {
	if !c.Node.Complete() {
		return ErrNoNodeCosts
	}
	return nil
}
