package api_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/api"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/client"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/iostkit/iostkit/token"
	"github.com/stretchr/testify/require"

	ics23 "github.com/cosmos/ics23/go"
)

const shards = 2

// testNode runs a real two-shard node (memdb, fast ticks) behind an
// httptest server for the duration of the test.
func testNode(t *testing.T) (*node.Node, *httptest.Server) {
	t.Helper()
	cfg := config.Config{
		Shards: shards, Validators: 4, Backend: "memdb", DataDir: t.TempDir(), DemoAccounts: 8,
		Tick: config.Duration(10 * time.Millisecond), Load: config.Load{Rate: -1}, EpochBlocks: 20,
	}
	n, err := node.New(cfg, nil, nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	srv := httptest.NewServer(api.New(n, nil))
	t.Cleanup(func() {
		srv.Close()
		cancel()
		require.NoError(t, <-done)
		require.NoError(t, n.Close())
	})
	return n, srv
}

func signed(t *testing.T, key *ecdsa.PrivateKey, mutate func(*txn.Unsigned)) *txn.Tx {
	t.Helper()
	from := crypto.PubkeyToAddress(key.PublicKey)
	u := txn.Unsigned{ChainID: config.DefaultChainID, Shard: eds.ShardOf(from, shards), To: chain.DemoAddress(1), Amount: 5}
	if u.To == from {
		u.To = chain.DemoAddress(2)
	}
	if mutate != nil {
		mutate(&u)
	}
	tx, err := txn.Sign(u, key)
	require.NoError(t, err)
	return tx
}

func body(raw []byte) string {
	b, _ := json.Marshal(api.SubmitRequest{Tx: "0x" + hex.EncodeToString(raw)})
	return string(b)
}

func post(t *testing.T, srv *httptest.Server, payload string) (int, api.Error) {
	t.Helper()
	resp, err := http.Post(srv.URL+"/tx", "application/json", strings.NewReader(payload))
	require.NoError(t, err)
	defer resp.Body.Close()
	var e api.Error
	b, _ := io.ReadAll(resp.Body)
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e
}

func get(t *testing.T, srv *httptest.Server, path string, out any) int {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(b, out), string(b))
	}
	return resp.StatusCode
}

type wire struct {
	ChainID uint64
	Shard   uint32
	Nonce   uint64
	To      common.Address
	Amount  uint64
	Fee     uint64
	Sig     []byte
}

func reencode(t *testing.T, tx *txn.Tx, sig []byte) []byte {
	b, err := rlp.EncodeToBytes(wire{tx.ChainID, tx.Shard, tx.Nonce, tx.To, tx.Amount, tx.Fee, sig})
	require.NoError(t, err)
	return b
}

// rawSigned signs u without txn.Sign's own checks, to make transactions
// the node must refuse.
func rawSigned(t *testing.T, key *ecdsa.PrivateKey, u txn.Unsigned) []byte {
	sig, err := crypto.Sign(u.SigningHash().Bytes(), key)
	require.NoError(t, err)
	b, err := rlp.EncodeToBytes(wire{u.ChainID, u.Shard, u.Nonce, u.To, u.Amount, u.Fee, sig})
	require.NoError(t, err)
	return b
}

// waitFinal polls until the transaction is final or the deadline passes.
func waitFinal(t *testing.T, c *client.Client, h common.Hash) {
	t.Helper()
	require.Eventually(t, func() bool {
		s, err := c.Tx(context.Background(), h)
		return err == nil && (s.Status == "final" || s.Status == "credited")
	}, 60*time.Second, 20*time.Millisecond)
}

func TestSubmitRejections(t *testing.T) {
	n, srv := testNode(t)
	c := client.New(srv.URL)
	key := chain.DemoKey(0)
	from := crypto.PubkeyToAddress(key.PublicKey)
	home := eds.ShardOf(from, shards)

	// One real transfer reaches finality first, so that a replay of it can
	// be tested.
	first := signed(t, key, nil)
	resp, err := c.Submit(context.Background(), first)
	require.NoError(t, err)
	require.Equal(t, first.Hash().Hex(), resp.Hash)
	waitFinal(t, c, first.Hash())

	good := signed(t, key, func(u *txn.Unsigned) { u.Nonce = 1 })
	highS := append([]byte(nil), good.Sig[:]...)
	s := new(big.Int).SetBytes(highS[32:64])
	new(big.Int).Sub(crypto.S256().Params().N, s).FillBytes(highS[32:64])
	highS[64] ^= 1
	badV := append([]byte(nil), good.Sig[:]...)
	badV[64] = 9
	stranger, _ := crypto.GenerateKey()

	cases := []struct {
		name    string
		payload string
		status  int
		code    string
	}{
		{"malformed JSON", `{"tx": `, 400, "malformed_json"},
		{"not an object", `[1,2]`, 400, "malformed_json"},
		{"unknown field", `{"tx":"0x00","extra":1}`, 400, "malformed_json"},
		{"trailing JSON", `{"tx":"0x00"} {}`, 400, "malformed_json"},
		{"empty tx", `{"tx":""}`, 400, "bad_hex"},
		{"bad hex", `{"tx":"0xzz"}`, 400, "bad_hex"},
		{"garbage transaction", body([]byte{1, 2, 3}), 400, "malformed_tx"},
		{"bad signature", body(reencode(t, good, badV)), 400, "bad_signature"},
		{"high-S signature", body(reencode(t, good, highS)), 400, "high_s"},
		{"wrong chain id", body(signed(t, key, func(u *txn.Unsigned) { u.ChainID = 1; u.Nonce = 1 }).Bytes()), 400, "wrong_chain"},
		{"wrong shard id", body(signed(t, key, func(u *txn.Unsigned) { u.Shard = 1 - home; u.Nonce = 1 }).Bytes()), 400, "wrong_shard"},
		{"shard out of range", body(signed(t, key, func(u *txn.Unsigned) { u.Shard = 7; u.Nonce = 1 }).Bytes()), 400, "wrong_shard"},
		{"replay of a finalized transfer", body(first.Bytes()), 409, "replay"},
		{"oversize transaction", body(make([]byte, txn.MaxSize+1)), 413, "oversize"},
		{"oversize body", `{"tx":"0x` + strings.Repeat("00", api.MaxBody) + `"}`, 413, "oversize"},
		{"unknown account", body(signed(t, stranger, nil).Bytes()), 404, "unknown_account"},
		{"insufficient funds", body(signed(t, key, func(u *txn.Unsigned) { u.Amount = uint64(chain.DemoBalance) * 2; u.Nonce = 1 }).Bytes()), 422, "insufficient_funds"},
		{"nonce far in the future", body(signed(t, key, func(u *txn.Unsigned) { u.Nonce = 10_000 }).Bytes()), 422, "nonce_gap"},
		{"empty transaction", body(nil), 400, "malformed_tx"},
		{"zero amount", body(rawSigned(t, key, txn.Unsigned{ChainID: config.DefaultChainID, Shard: home, Nonce: 1, To: chain.DemoAddress(5)})), 400, "zero_amount"},
		{"transfer to self", body(rawSigned(t, key, txn.Unsigned{ChainID: config.DefaultChainID, Shard: home, Nonce: 1, To: from, Amount: 1})), 400, "self_transfer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := n.Shards()[home].Pool().Len()
			status, e := post(t, srv, tc.payload)
			require.Equal(t, tc.status, status, e.Error)
			require.Equal(t, tc.code, e.Code)
			require.NotEmpty(t, e.Error, "a refusal gives its reason")
			require.Equal(t, before, n.Shards()[home].Pool().Len(), "nothing stored")
		})
	}

	// Accepted once; the same bytes again are a duplicate, not a new entry.
	pending := signed(t, key, func(u *txn.Unsigned) { u.Nonce = 1 })
	status, _ := post(t, srv, body(pending.Bytes()))
	require.Equal(t, 202, status)
	status, e := post(t, srv, body(pending.Bytes()))
	require.Equal(t, 409, status)
	require.Contains(t, []string{"known", "replay"}, e.Code) // replay if it was already final
}

func TestQueries(t *testing.T) {
	_, srv := testNode(t)
	c := client.New(srv.URL)
	key := chain.DemoKey(3)
	from := crypto.PubkeyToAddress(key.PublicKey)

	// A cross-shard transfer: find a recipient on the other shard.
	var to common.Address
	for i := 0; ; i++ {
		if a := chain.DemoAddress(i); eds.ShardOf(a, shards) != eds.ShardOf(from, shards) {
			to = a
			break
		}
	}
	before, err := c.Account(context.Background(), to)
	require.NoError(t, err)
	tx := signed(t, key, func(u *txn.Unsigned) { u.To = to; u.Amount = 1234 })
	_, err = c.Submit(context.Background(), tx)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		s, err := c.Tx(context.Background(), tx.Hash())
		return err == nil && s.Status == "credited"
	}, 60*time.Second, 20*time.Millisecond, "the cross-shard transfer is committed on the recipient's shard")
	after, err := c.Account(context.Background(), to)
	require.NoError(t, err)
	require.Equal(t, before.BalanceBase+1234, after.BalanceBase)

	st, err := c.Tx(context.Background(), tx.Hash())
	require.NoError(t, err)
	require.True(t, st.OK)
	require.NotZero(t, st.Height)
	require.False(t, st.Optimistic.After(st.Final))

	blk, err := c.Block(context.Background(), st.Shard, st.Height)
	require.NoError(t, err)
	found := false
	for _, r := range blk.Txs {
		found = found || (r.Hash == tx.Hash().Hex() && r.OK)
	}
	require.True(t, found, "the block lists the transfer")
	require.NotEmpty(t, blk.Commit)

	var shard map[string]any
	require.Equal(t, 200, get(t, srv, "/shard/"+to.Hex(), &shard))
	require.EqualValues(t, eds.ShardOf(to, shards), shard["shard"])

	var vals []node.ValidatorInfo
	require.Equal(t, 200, get(t, srv, "/validators", &vals))
	leagues := map[string]int{}
	for _, v := range vals {
		leagues[v.League]++
		require.NotZero(t, v.Score)
	}
	require.Equal(t, shards, leagues["believable"])
	require.Equal(t, 3*shards, leagues["normal"])

	var ep node.EpochInfo
	require.Equal(t, 200, get(t, srv, "/epoch", &ep))
	require.NotEmpty(t, ep.Randomness)

	var status node.Status
	require.Equal(t, 200, get(t, srv, "/status", &status))
	require.Len(t, status.Shards, shards)
	require.GreaterOrEqual(t, status.CrossCredited, uint64(1))

	var recent []node.BlockInfo
	require.Equal(t, 200, get(t, srv, "/blocks/recent", &recent))
	require.NotEmpty(t, recent)

	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	m, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(m), "iostkit_finalized_height")
	require.Contains(t, string(m), "iostkit_tx_latency_seconds")

	resp, err = http.Get(srv.URL + "/")
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	require.Contains(t, string(page), "<title>iostkit node</title>")
}

// TestAccountProof checks the balance proof against the latest Micro State
// Block with the stock ICS-23 verifier.
func TestAccountProof(t *testing.T) {
	_, srv := testNode(t)
	c := client.New(srv.URL)
	addr := chain.DemoAddress(0)
	var acct api.AccountResponse
	require.Eventually(t, func() bool {
		var err error
		acct, err = c.Account(context.Background(), addr)
		return err == nil && acct.Proof != nil
	}, 90*time.Second, 50*time.Millisecond, "a Micro State Block is built at the first epoch's end")
	p := acct.Proof
	require.Equal(t, token.AccountKey(addr), p.Key)
	var proof ics23.CommitmentProof
	require.NoError(t, proof.Unmarshal(p.Encoded))
	require.True(t, ics23.VerifyMembership(ics23.IavlSpec, p.Root, &proof, p.Key, p.Value), "the stock ICS-23 verifier accepts the proof")
	rec, err := token.DecodeAccount(p.Value)
	require.NoError(t, err)
	require.Equal(t, chain.DemoBalance, rec.Balance)
	require.False(t, ics23.VerifyMembership(ics23.IavlSpec, p.Root, &proof, p.Key, append([]byte{1}, p.Value...)), "and refuses another value")
}

func TestQueryRejections(t *testing.T) {
	_, srv := testNode(t)
	cases := []struct {
		path   string
		status int
		code   string
	}{
		{"/account/0x1234", 400, "bad_address"},
		{"/account/" + common.Address{0x42}.Hex(), 404, "unknown_account"},
		{"/shard/nothex", 400, "bad_address"},
		{"/tx/0x12", 400, "bad_hash"},
		{"/tx/" + common.Hash{1}.Hex(), 404, "unknown_tx"},
		{"/blocks/x/1", 400, "bad_shard"},
		{"/blocks/9/1", 400, "bad_shard"},
		{"/blocks/0/abc", 400, "bad_height"},
		{"/blocks/0/0", 404, "unknown_block"},
		{"/blocks/0/999999999", 404, "unknown_block"},
		{"/no/such/route", 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			var e api.Error
			require.Equal(t, tc.status, get(t, srv, tc.path, &e))
			require.Equal(t, tc.code, e.Code)
			require.NotEmpty(t, e.Error)
		})
	}
	resp, err := http.Get(srv.URL + "/tx") // GET on a POST route
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	require.Equal(t, "POST", resp.Header.Get("Allow"))
}
