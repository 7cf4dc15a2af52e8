package api_test

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/api"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

// FuzzSubmit is POST /tx fed arbitrary bodies. The handler never panics and
// never answers 5xx; a refusal is a JSON Error with a code and a reason
// and leaves every pool as it was; an acceptance (202) names the hash of
// the transaction the body carried and adds exactly it to its shard's pool.
func FuzzSubmit(f *testing.F) {
	n, err := node.New(config.Config{Shards: shards, Validators: 4, Backend: "memdb", DemoAccounts: 8, Load: config.Load{Rate: -1}}, nil, nil)
	require.NoError(f, err)
	f.Cleanup(func() { _ = n.Close() })
	h := api.New(n, nil)

	key := chain.DemoKey(0)
	from := crypto.PubkeyToAddress(key.PublicKey)
	for nonce := range uint64(3) {
		tx, err := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: eds.ShardOf(from, shards), Nonce: nonce, To: chain.DemoAddress(3), Amount: 5}, key)
		require.NoError(f, err)
		f.Add(`{"tx":"0x` + hex.EncodeToString(tx.Bytes()) + `"}`)
	}
	for _, s := range []string{`{"tx": `, `[1,2]`, `{"tx":"0x00","extra":1}`, `{"tx":"0x00"} {}`, `{"tx":""}`, `{"tx":"0xzz"}`, `{"tx":"0x010203"}`, `null`, ``} {
		f.Add(s)
	}
	pools := func() []int {
		out := make([]int, shards)
		for i, sh := range n.Shards() {
			out[i] = sh.Pool().Len()
		}
		return out
	}
	f.Fuzz(func(t *testing.T, body string) {
		before := pools()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/tx", strings.NewReader(body)))
		require.Less(t, w.Code, 500, w.Body.String())
		require.Equal(t, "application/json", w.Header().Get("Content-Type"))
		after := pools()
		if w.Code != http.StatusAccepted {
			var e api.Error
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
			require.NotEmpty(t, e.Code)
			require.NotEmpty(t, e.Error)
			require.Equal(t, before, after, "a refused body changed a pool")
			return
		}
		var req api.SubmitRequest
		require.NoError(t, json.Unmarshal([]byte(body), &req))
		raw, err := hex.DecodeString(strings.TrimPrefix(req.Tx, "0x"))
		require.NoError(t, err)
		tx, err := txn.Decode(raw)
		require.NoError(t, err)
		var resp api.SubmitResponse
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
		require.Equal(t, tx.Hash().Hex(), resp.Hash)
		require.Equal(t, tx.Shard, resp.Shard)
		before[tx.Shard]++
		require.Equal(t, before, after)
	})
}
