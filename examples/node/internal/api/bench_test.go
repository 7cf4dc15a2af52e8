package api

import (
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

// BenchmarkRefusal is what one refused POST /tx costs the node's handler
// (without the HTTP server's own parsing, the same for both): refused by
// admission control before the body is read (rate_limited), and refused by
// the pool after JSON and hex decoding, a hash and the pool's lock
// (pool_full, the refusal of a flood before admission control).
func BenchmarkRefusal(b *testing.B) {
	n, err := node.New(config.Config{Shards: 2, Validators: 4, Backend: "memdb", DemoAccounts: 8, Load: config.Load{Rate: -1},
		Mempool: config.Mempool{Capacity: 1, PerSender: 1}}, nil, nil)
	require.NoError(b, err)
	b.Cleanup(func() { _ = n.Close() })
	key := chain.DemoKey(0)
	from := crypto.PubkeyToAddress(key.PublicKey)
	sign := func(nonce uint64) *txn.Tx {
		tx, err := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: eds.ShardOf(from, 2), Nonce: nonce, To: chain.DemoAddress(3), Amount: 5}, key)
		require.NoError(b, err)
		return tx
	}
	require.NoError(b, n.Submit(sign(0))) // the pool of capacity 1 is full
	payload := `{"tx":"0x` + hex.EncodeToString(sign(1).Bytes()) + `"}`
	s := &server{n: n}
	for _, bc := range []struct {
		name string
		cfg  config.Admission
		code int
	}{
		{"rate_limited", config.Admission{Rate: 1, ClientRate: -1, MaxInFlight: -1, MinRate: 1, DrainFactor: -1}, http.StatusTooManyRequests},
		{"pool_full", config.Admission{Rate: -1, ClientRate: -1, MaxInFlight: -1, MinRate: 1, DrainFactor: -1}, http.StatusTooManyRequests},
	} {
		b.Run(bc.name, func(b *testing.B) {
			a := newAdmission(bc.cfg, nil, newClock().now) // a stopped clock: the bucket never refills
			if bc.cfg.Rate > 0 {
				require.NoError(b, a.admit("192.0.2.1"))
			}
			h := a.guard(s.submit)
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/tx", strings.NewReader(payload))
				w := httptest.NewRecorder()
				h(w, req)
				if w.Code != bc.code {
					b.Fatalf("answer %d: %s", w.Code, w.Body.String())
				}
			}
		})
	}
}
