package api

import (
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/mempool"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/token"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MaxBody bounds a request body: a hex transaction in a small JSON object.
const MaxBody = 2*txn.MaxSize + 256

// SubmitRequest is the body of POST /tx.
type SubmitRequest struct {
	// Tx is the transaction's canonical encoding in hex (0x-prefixed).
	Tx string `json:"tx"`
}

// SubmitResponse is the answer to an accepted transaction.
type SubmitResponse struct {
	Hash    string `json:"hash"`
	Shard   uint32 `json:"shard"`
	ToShard uint32 `json:"to_shard"`
}

// Error is the body of every 4xx and 5xx response.
type Error struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// AccountResponse is the body of GET /account/{address}.
type AccountResponse struct {
	Address string `json:"address"`
	Shard   uint32 `json:"shard"`
	Balance string `json:"balance"`
	// BalanceBase is the balance in base units (10^-8 IOST).
	BalanceBase uint64       `json:"balance_base"`
	Nonce       uint64       `json:"nonce"`
	Bonded      string       `json:"bonded"`
	Servi       string       `json:"servi"`
	Height      uint64       `json:"height"`
	Proof       *state.Proof `json:"proof,omitempty"`
}

// New returns the node's HTTP handler.
func New(n *node.Node, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &server{n: n, log: log}
	adm := newAdmission(n.Config().API.Admission, nodePressure(n), time.Now)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /tx", adm.guard(s.submit))
	mux.HandleFunc("GET /tx/{hash}", s.tx)
	mux.HandleFunc("GET /account/{address}", s.account)
	mux.HandleFunc("GET /shard/{address}", s.shardOf)
	mux.HandleFunc("GET /blocks/{shard}/{height}", s.block)
	mux.HandleFunc("GET /blocks/recent", s.recent)
	mux.HandleFunc("GET /validators", s.validators)
	mux.HandleFunc("GET /epoch", s.epoch)
	mux.HandleFunc("GET /status", s.status)
	mux.Handle("GET /metrics", promhttp.HandlerFor(n.Metrics.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, webFS, "web/index.html")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pattern := mux.Handler(r); pattern == "" {
			// No route: answer in JSON like every other refusal — 405 with
			// an Allow header when the path exists for another method.
			var allow []string
			for _, m := range []string{http.MethodGet, http.MethodPost} {
				other := r.Clone(r.Context())
				other.Method = m
				if _, p := mux.Handler(other); p != "" {
					allow = append(allow, m)
				}
			}
			if len(allow) > 0 {
				w.Header().Set("Allow", strings.Join(allow, ", "))
				writeErr(w, http.StatusMethodNotAllowed, "method_not_allowed", fmt.Errorf("api: %s not allowed on %s", r.Method, r.URL.Path))
				return
			}
			writeErr(w, http.StatusNotFound, "not_found", fmt.Errorf("api: no route %s %s", r.Method, r.URL.Path))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// nodePressure reads the node's finalized transactions and whether one of
// its shard pools is at least 70% full: just below the point (75%) where a
// pool keeps its last quarter for transfers that can run, so requests are
// limited before each one costs a signature recovery only to be refused.
func nodePressure(n *node.Node) Pressure {
	capacity := n.Config().Mempool.Capacity
	if capacity <= 0 {
		capacity = mempool.DefaultCapacity
	}
	return func() (uint64, bool) {
		saturated := false
		for _, sh := range n.Shards() {
			if sh.Pool().Len()*10 >= capacity*7 {
				saturated = true
			}
		}
		return n.Status().FinalTxs, saturated
	}
}

//go:embed web/index.html
var webFS embed.FS

type server struct {
	n   *node.Node
	log *slog.Logger
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, code int, short string, err error) {
	writeJSON(w, code, Error{Error: err.Error(), Code: short})
}

// classify maps a submission error to its status and code.
func classify(err error) (int, string) {
	for _, c := range []struct {
		err    error
		status int
		code   string
	}{
		{txn.ErrOversize, http.StatusRequestEntityTooLarge, "oversize"},
		{txn.ErrMalformed, http.StatusBadRequest, "malformed_tx"},
		{txn.ErrNonCanonical, http.StatusBadRequest, "non_canonical"},
		{txn.ErrHighS, http.StatusBadRequest, "high_s"},
		{txn.ErrBadSignature, http.StatusBadRequest, "bad_signature"},
		{txn.ErrZeroAmount, http.StatusBadRequest, "zero_amount"},
		{txn.ErrSelfTransfer, http.StatusBadRequest, "self_transfer"},
		{chain.ErrWrongChain, http.StatusBadRequest, "wrong_chain"},
		{chain.ErrWrongShard, http.StatusBadRequest, "wrong_shard"},
		{chain.ErrUnknownAccount, http.StatusNotFound, "unknown_account"},
		{mempool.ErrNonceUsed, http.StatusConflict, "replay"},
		{mempool.ErrKnown, http.StatusConflict, "known"},
		{mempool.ErrNonceTaken, http.StatusConflict, "nonce_taken"},
		{token.ErrInsufficientFunds, http.StatusUnprocessableEntity, "insufficient_funds"},
		{mempool.ErrNonceGap, http.StatusUnprocessableEntity, "nonce_gap"},
		{mempool.ErrFull, http.StatusTooManyRequests, "pool_full"},
		{mempool.ErrSenderLimit, http.StatusTooManyRequests, "sender_limit"},
	} {
		if errors.Is(err, c.err) {
			return c.status, c.code
		}
	}
	return http.StatusInternalServerError, "internal"
}

func (s *server) submit(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	var req SubmitRequest
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeErr(w, http.StatusRequestEntityTooLarge, "oversize", fmt.Errorf("api: request body above %d bytes", MaxBody))
			return
		}
		writeErr(w, http.StatusBadRequest, "malformed_json", fmt.Errorf("api: malformed JSON: %v", err))
		return
	}
	if dec.More() {
		writeErr(w, http.StatusBadRequest, "malformed_json", errors.New("api: trailing data after JSON object"))
		return
	}
	raw, err := hex.DecodeString(strings.TrimPrefix(req.Tx, "0x"))
	if err != nil || req.Tx == "" {
		writeErr(w, http.StatusBadRequest, "bad_hex", fmt.Errorf("api: field tx must be 0x-prefixed hex of the transaction"))
		return
	}
	var t *txn.Tx
	err = s.n.Precheck(raw) // known or pool full: refused before signature recovery
	if err == nil {
		t, err = txn.Decode(raw)
	}
	if err == nil {
		err = s.n.Submit(t)
	}
	if err != nil {
		code, short := classify(err)
		if code >= 500 {
			s.log.Error("submit", "err", err)
		}
		writeErr(w, code, short, err)
		return
	}
	writeJSON(w, http.StatusAccepted, SubmitResponse{Hash: t.Hash().Hex(), Shard: t.Shard, ToShard: s.n.ShardOf(t.To)})
}

func parseHash(s string) (common.Hash, error) {
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil || len(b) != common.HashLength {
		return common.Hash{}, fmt.Errorf("api: %q is not a 32-byte hex hash", s)
	}
	return common.BytesToHash(b), nil
}

func parseAddress(s string) (common.Address, error) {
	if !common.IsHexAddress(s) {
		return common.Address{}, fmt.Errorf("api: %q is not a 20-byte hex address", s)
	}
	return common.HexToAddress(s), nil
}

func (s *server) tx(w http.ResponseWriter, r *http.Request) {
	h, err := parseHash(r.PathValue("hash"))
	if err != nil {
		writeErr(w, http.StatusBadRequest, "bad_hash", err)
		return
	}
	st, err := s.n.Tx(h)
	if err != nil {
		writeErr(w, http.StatusNotFound, "unknown_tx", err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *server) account(w http.ResponseWriter, r *http.Request) {
	addr, err := parseAddress(r.PathValue("address"))
	if err != nil {
		writeErr(w, http.StatusBadRequest, "bad_address", err)
		return
	}
	shard := s.n.ShardOf(addr)
	sh := s.n.Shards()[shard]
	acct, err := sh.Account(addr)
	if errors.Is(err, token.ErrUnknownAccount) {
		writeErr(w, http.StatusNotFound, "unknown_account", fmt.Errorf("api: unknown account %s on shard %d", addr.Hex(), shard))
		return
	} else if err != nil {
		writeErr(w, http.StatusInternalServerError, "internal", err)
		return
	}
	resp := AccountResponse{
		Address: addr.Hex(), Shard: shard, Balance: acct.Balance.String(), BalanceBase: uint64(acct.Balance),
		Nonce: acct.Nonce, Bonded: acct.Bonded.String(), Servi: acct.Servi.String(), Height: sh.Height(),
	}
	if p, ok := sh.State().(state.Prover); ok {
		if proof, err := p.Prove(token.AccountKey(addr)); err == nil {
			resp.Proof = &proof
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *server) shardOf(w http.ResponseWriter, r *http.Request) {
	addr, err := parseAddress(r.PathValue("address"))
	if err != nil {
		writeErr(w, http.StatusBadRequest, "bad_address", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"address": addr.Hex(), "shard": s.n.ShardOf(addr), "shards": s.n.Config().Shards})
}

func (s *server) block(w http.ResponseWriter, r *http.Request) {
	shard, err := strconv.ParseUint(r.PathValue("shard"), 10, 32)
	if err != nil || shard >= uint64(len(s.n.Shards())) {
		writeErr(w, http.StatusBadRequest, "bad_shard", fmt.Errorf("api: shard %q is not in 0..%d", r.PathValue("shard"), len(s.n.Shards())-1))
		return
	}
	height, err := strconv.ParseUint(r.PathValue("height"), 10, 64)
	if err != nil {
		writeErr(w, http.StatusBadRequest, "bad_height", fmt.Errorf("api: height %q is not a number", r.PathValue("height")))
		return
	}
	b, ok := s.n.Shards()[shard].Block(height)
	if !ok {
		writeErr(w, http.StatusNotFound, "unknown_block", fmt.Errorf("api: shard %d has no finalized block %d", shard, height))
		return
	}
	writeJSON(w, http.StatusOK, blockJSON(b, uint32(shard)))
}

// BlockResponse is the body of GET /blocks/{shard}/{height}.
type BlockResponse struct {
	Hash   string      `json:"hash"`
	Shard  uint32      `json:"shard"`
	Height uint64      `json:"height"`
	Epoch  uint64      `json:"epoch"`
	Parent string      `json:"parent"`
	TimeMs uint64      `json:"time_ms"`
	Txs    []TxReceipt `json:"txs"`
	// Commit is the engine's encoding of the block and its finality
	// certificate (hex), which anyone holding the committee's keys verifies.
	Commit string `json:"commit"`
}

// TxReceipt is one transaction of a block and its outcome.
type TxReceipt struct {
	Hash string `json:"hash"`
	// Kind is transfer (a user's transaction), credit (an atomix message
	// that committed a cross-shard transfer into this shard, with Credit)
	// or atomix (any other atomix protocol message: proofs,
	// acknowledgements, retransmissions).
	Kind   string        `json:"kind"`
	OK     bool          `json:"ok"`
	Error  string        `json:"error,omitempty"`
	Credit *chain.Credit `json:"credit,omitempty"`
}

func blockJSON(b *chain.Block, shard uint32) BlockResponse {
	out := BlockResponse{
		Hash: b.Hash.Hex(), Shard: shard, Height: b.Height, Epoch: b.Epoch, Parent: b.Parent.Hex(),
		TimeMs: b.TimeMs, Txs: []TxReceipt{}, Commit: "0x" + hex.EncodeToString(b.Raw),
	}
	for i, r := range b.Receipts {
		kind := "transfer"
		switch {
		case r.Credit != nil:
			kind = "credit"
		case chain.IsAtomix(b.Txs[i]):
			kind = "atomix"
		}
		out.Txs = append(out.Txs, TxReceipt{Hash: r.Hash.Hex(), Kind: kind, OK: r.OK, Error: r.Err, Credit: r.Credit})
	}
	return out
}

func (s *server) recent(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.n.Recent())
}

func (s *server) validators(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.n.Validators())
}

func (s *server) epoch(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.n.EpochInfo())
}

func (s *server) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.n.Status())
}
