package harness

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/ethereum/go-ethereum/common"
)

// ShardStatus is one shard's entry of the node's GET /status.
type ShardStatus struct {
	Shard     uint32 `json:"shard"`
	Height    uint64 `json:"height"`
	Epoch     uint64 `json:"epoch"`
	Mempool   int    `json:"mempool"`
	StateRoot string `json:"state_root"`
}

// Status is the part of the node's GET /status the harness reads.
type Status struct {
	ChainID      uint64        `json:"chain_id"`
	Validator    string        `json:"validator"`
	Shards       []ShardStatus `json:"shards"`
	FinalTxs     uint64        `json:"final_txs"`
	CrossBacklog int           `json:"cross_shard_in_flight"`
	Convictions  uint64        `json:"convictions"`
}

// Credit is a cross-shard credit as a block receipt shows it.
type Credit struct {
	FromShard  uint32
	FromHeight uint64
	TxHash     common.Hash
	To         common.Address
	Amount     uint64
}

// Receipt is one transaction of a finalized block and its outcome.
type Receipt struct {
	Hash   common.Hash `json:"hash"`
	Kind   string      `json:"kind"`
	OK     bool        `json:"ok"`
	Error  string      `json:"error"`
	Credit *Credit     `json:"credit"`
}

// Block is a finalized block as GET /blocks/{shard}/{height} serves it.
type Block struct {
	Hash   common.Hash `json:"hash"`
	Shard  uint32      `json:"shard"`
	Height uint64      `json:"height"`
	Parent common.Hash `json:"parent"`
	Txs    []Receipt   `json:"txs"`
}

// Account is the part of GET /account/{address} the harness reads.
type Account struct {
	Shard       uint32 `json:"shard"`
	BalanceBase uint64 `json:"balance_base"`
	Nonce       uint64 `json:"nonce"`
	Height      uint64 `json:"height"`
	// Proof is the account's proof against the state root of a committed
	// version (for microstate, the latest Micro State Block); Root and
	// Version come from one read, so they belong together.
	Proof *struct {
		Root    []byte
		Version int64
	} `json:"proof"`
}

// APIError is a refusal from the node: HTTP status and the API's code.
type APIError struct {
	Status int
	Code   string
	Msg    string
}

func (e *APIError) Error() string { return fmt.Sprintf("api %d %s: %s", e.Status, e.Code, e.Msg) }

// Client speaks one node's HTTP API.
type Client struct {
	base string
	http *http.Client
}

// NewClient returns a client of the API at addr ("127.0.0.1:8645").
func NewClient(addr string, timeout time.Duration) *Client {
	return &Client{base: "http://" + addr, http: &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}}
}

func (c *Client) do(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
			Code  string `json:"code"`
		}
		_ = json.Unmarshal(b, &e)
		return &APIError{Status: resp.StatusCode, Code: e.Code, Msg: e.Error}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// Status returns GET /status.
func (c *Client) Status(ctx context.Context) (Status, error) {
	var s Status
	return s, c.do(ctx, http.MethodGet, "/status", nil, &s)
}

// Block returns the finalized block of shard at height.
func (c *Client) Block(ctx context.Context, shard uint32, height uint64) (Block, error) {
	var b Block
	return b, c.do(ctx, http.MethodGet, fmt.Sprintf("/blocks/%d/%d", shard, height), nil, &b)
}

// Account returns an account's committed state.
func (c *Client) Account(ctx context.Context, a common.Address) (Account, error) {
	var out Account
	return out, c.do(ctx, http.MethodGet, "/account/"+a.Hex(), nil, &out)
}

// Submit posts a signed transaction.
func (c *Client) Submit(ctx context.Context, raw []byte) error {
	body, _ := json.Marshal(map[string]string{"tx": "0x" + hex.EncodeToString(raw)})
	return c.do(ctx, http.MethodPost, "/tx", body, nil)
}

// TxStatus returns the node's status of a transaction it has accepted
// (pending, optimistic, final, credited); an APIError 404 when it never
// accepted it.
func (c *Client) TxStatus(ctx context.Context, h common.Hash) (string, error) {
	var out struct {
		Status string `json:"status"`
	}
	err := c.do(ctx, http.MethodGet, "/tx/"+h.Hex(), nil, &out)
	return out.Status, err
}

// DiskFull asks the node (started with --debug-api) to fail its store
// writes once bytes more were written; -1 gives the space back.
func (c *Client) DiskFull(ctx context.Context, bytes int64) error {
	body, _ := json.Marshal(map[string]int64{"bytes": bytes})
	return c.do(ctx, http.MethodPost, "/debug/disk-full", body, nil)
}

// BlockPeers asks the node (started with --debug-api) to refuse the
// validators at the given indices; nil heals.
func (c *Client) BlockPeers(ctx context.Context, indices []int) error {
	if indices == nil {
		indices = []int{}
	}
	body, _ := json.Marshal(map[string][]int{"peers": indices})
	return c.do(ctx, http.MethodPost, "/debug/block-peers", body, nil)
}
