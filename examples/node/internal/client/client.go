package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/api"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
)

// APIError is a non-2xx answer of the API.
type APIError struct {
	Status int
	Code   string
	Msg    string
}

// Error implements error.
func (e *APIError) Error() string { return fmt.Sprintf("api %d %s: %s", e.Status, e.Code, e.Msg) }

// Client talks to one node.
type Client struct {
	base string
	http *http.Client
}

// New returns a client of the node at base ("http://127.0.0.1:8645").
func New(base string) *Client {
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return &Client{base: strings.TrimRight(base, "/"), http: &http.Client{Timeout: 10 * time.Second}}
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
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		var e api.Error
		_ = json.Unmarshal(b, &e)
		return &APIError{Status: resp.StatusCode, Code: e.Code, Msg: e.Error}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, out)
}

// Submit sends a signed transaction.
func (c *Client) Submit(ctx context.Context, t *txn.Tx) (api.SubmitResponse, error) {
	body, _ := json.Marshal(api.SubmitRequest{Tx: "0x" + hex.EncodeToString(t.Bytes())})
	var out api.SubmitResponse
	return out, c.do(ctx, http.MethodPost, "/tx", body, &out)
}

// SubmitRaw posts a request body as is (for tests of bad input).
func (c *Client) SubmitRaw(ctx context.Context, body []byte) error {
	return c.do(ctx, http.MethodPost, "/tx", body, nil)
}

// Account returns an account's state.
func (c *Client) Account(ctx context.Context, addr common.Address) (api.AccountResponse, error) {
	var out api.AccountResponse
	return out, c.do(ctx, http.MethodGet, "/account/"+addr.Hex(), nil, &out)
}

// Status returns the node's summary.
func (c *Client) Status(ctx context.Context) (node.Status, error) {
	var out node.Status
	return out, c.do(ctx, http.MethodGet, "/status", nil, &out)
}

// Tx returns a transaction's status.
func (c *Client) Tx(ctx context.Context, h common.Hash) (node.TxStatus, error) {
	var out node.TxStatus
	return out, c.do(ctx, http.MethodGet, "/tx/"+h.Hex(), nil, &out)
}

// Block returns a finalized block.
func (c *Client) Block(ctx context.Context, shard uint32, height uint64) (api.BlockResponse, error) {
	var out api.BlockResponse
	return out, c.do(ctx, http.MethodGet, fmt.Sprintf("/blocks/%d/%d", shard, height), nil, &out)
}

// Get fetches any JSON endpoint into out.
func (c *Client) Get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, out)
}
