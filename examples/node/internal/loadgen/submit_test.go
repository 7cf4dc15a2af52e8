package loadgen

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/examples/node/internal/api"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/client"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

// TestSubmitOffersTheSameTransactionAgain: a refusal that means "not now"
// (admission control, a full pool) is waited out and the same signed
// transaction offered again; one that means "never" is returned at once.
// Before, every refusal made the generator sign a new transaction at the
// sender's ledger nonce, which the pool then refused as nonce_taken.
func TestSubmitOffersTheSameTransactionAgain(t *testing.T) {
	tx, err := txn.Sign(txn.Unsigned{ChainID: 1, Amount: 1, To: common.Address{1}}, chain.DemoKey(0))
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		answers []string // codes answered before success; "" = accept
		want    string   // code of the returned error; "" = accepted
		counted int
	}{
		{"accepted at once", []string{""}, "", 0},
		{"overloaded twice, then accepted", []string{"overloaded", "overloaded", ""}, "", 2},
		{"rate limited, pool full, then accepted", []string{"rate_limited", "pool_full", ""}, "", 2},
		{"a replay is final", []string{"replay", ""}, "replay", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			var body atomic.Value
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var req struct{ Tx string }
				require.NoError(t, json.NewDecoder(r.Body).Decode(&req))
				if prev, ok := body.Load().(string); ok {
					require.Equal(t, prev, req.Tx, "the same signed bytes every time")
				}
				body.Store(req.Tx)
				code := tc.answers[calls.Add(1)-1]
				if code == "" {
					_, _ = w.Write([]byte(`{"hash":"` + tx.Hash().Hex() + `"}`))
					return
				}
				w.WriteHeader(http.StatusTooManyRequests)
				require.NoError(t, json.NewEncoder(w).Encode(api.Error{Code: code, Error: "not now"}))
			}))
			defer srv.Close()
			counted := 0
			err := submit(context.Background(), context.Background(), client.New(srv.URL), tx, func(string) { counted++ })
			if tc.want == "" {
				require.NoError(t, err)
			} else {
				var ae *client.APIError
				require.ErrorAs(t, err, &ae)
				require.Equal(t, tc.want, ae.Code)
			}
			require.Equal(t, tc.counted, counted)
		})
	}

	// The window's end stops the waiting.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(api.Error{Code: "overloaded", Error: "busy"})
	}))
	defer srv.Close()
	window, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, submit(context.Background(), window, client.New(srv.URL), tx, func(string) {}), context.DeadlineExceeded)
}
