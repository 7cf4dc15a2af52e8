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
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

// FuzzSubmit is POST /tx fed arbitrary bodies. The handler never panics and
// never answers 5xx; a refusal is a JSON Error with a code and a reason
// and leaves every pool as it was; an acceptance (202) names the hash of
// the transaction the body carried and adds exactly it to its shard's pool.
func FuzzSubmit(f *testing.F) {
	// Admission control off: at fuzzing speed it would refuse nearly every
	// body before decoding it (TestAdmission covers it).
	off := config.API{Admission: config.Admission{Rate: -1, ClientRate: -1, MaxInFlight: -1}}
	n, err := node.New(config.Config{Shards: shards, Validators: 4, Backend: "memdb", DemoAccounts: 8, Load: config.Load{Rate: -1}, API: off}, nil, nil)
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

type recordingBlocker struct{ calls [][]int }

func (b *recordingBlocker) BlockPeers(ix []int) { b.calls = append(b.calls, ix) }

// FuzzDebugBlockPeers is the test hook's JSON body (POST
// /debug/block-peers, served only with --debug-api). It never panics or
// answers 5xx; it blocks peers only when it answers 200, then exactly the
// non-negative indices the body lists, and a refusal is a JSON Error.
func FuzzDebugBlockPeers(f *testing.F) {
	for _, s := range []string{`{"peers":[2,3]}`, `{"peers":[]}`, `{}`, `{"peers":[-1]}`, `{"peerz":[1]}`, `{"peers":[1]} x`, `null`, ``} {
		f.Add(s)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	f.Fuzz(func(t *testing.T, body string) {
		b := &recordingBlocker{}
		w := httptest.NewRecorder()
		api.Debug(next, b, nil, nil).ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/debug/block-peers", strings.NewReader(body)))
		require.Less(t, w.Code, 500)
		if w.Code != http.StatusOK {
			require.Empty(t, b.calls, "a refused body blocked peers")
			var e api.Error
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
			require.NotEmpty(t, e.Code)
			return
		}
		require.Len(t, b.calls, 1)
		var req api.BlockPeersRequest
		require.NoError(t, json.NewDecoder(strings.NewReader(body)).Decode(&req))
		require.Equal(t, len(req.Peers), len(b.calls[0]))
		for i, p := range b.calls[0] {
			require.GreaterOrEqual(t, p, 0)
			require.Equal(t, req.Peers[i], p)
		}
	})
}

// FuzzDebugDiskFull is the disk-full hook's JSON body (POST
// /debug/disk-full, served only with --debug-api). It never panics or
// answers 5xx; a refusal is a JSON Error and leaves the quota as it was;
// a 200 sets exactly the budget the body names.
func FuzzDebugDiskFull(f *testing.F) {
	for _, s := range []string{`{"bytes":4096}`, `{"bytes":-1}`, `{"bytes":0}`, `{}`, `{"bytes":-2}`, `{"bytes":1e3}`, `{"bytes":"1"}`, `{"bytes":1} x`, `null`, ``} {
		f.Add(s)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	f.Fuzz(func(t *testing.T, body string) {
		q := state.NewQuota()
		before := q.State()
		w := httptest.NewRecorder()
		api.Debug(next, nil, q, nil).ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/debug/disk-full", strings.NewReader(body)))
		require.Less(t, w.Code, 500)
		if w.Code != http.StatusOK {
			require.Equal(t, before, q.State(), "a refused body changed the quota")
			var e api.Error
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
			require.NotEmpty(t, e.Code)
			return
		}
		var req api.DiskFullRequest
		require.NoError(t, json.NewDecoder(strings.NewReader(body)).Decode(&req))
		require.NotNil(t, req.Bytes)
		if *req.Bytes < 0 {
			require.Equal(t, state.QuotaState{}, q.State())
		} else {
			require.Equal(t, state.QuotaState{Limited: true, Left: *req.Bytes}, q.State())
		}
	})
}
