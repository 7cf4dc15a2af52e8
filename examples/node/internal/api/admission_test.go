package api

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/iostkit/iostkit/eds"
	"github.com/iostkit/iostkit/examples/node/internal/chain"
	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/examples/node/internal/node"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

// clock is a manual clock: tests never depend on the machine's speed.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newClock() *clock { return &clock{t: time.Date(2026, 11, 24, 19, 0, 0, 0, time.UTC)} }

// TestAdmissionBuckets drives the token buckets with a manual clock: each
// step is a request from a client at a time, and whether it is admitted.
func TestAdmissionBuckets(t *testing.T) {
	type step struct {
		after  time.Duration // advance the clock first
		client string
		n      int  // requests
		admit  int  // how many of them are admitted
		sat    bool // the pools' pressure from this step on
		final  uint64
	}
	cases := []struct {
		name  string
		cfg   config.Admission
		steps []step
	}{
		{"node-wide bucket holds one second, refills", config.Admission{Rate: 3, ClientRate: -1, DrainFactor: -1, MinRate: 1},
			[]step{{client: "a", n: 5, admit: 3}, {after: 500 * time.Millisecond, client: "b", n: 3, admit: 1}, {after: 10 * time.Second, client: "a", n: 4, admit: 3}}},
		{"per-client buckets are separate", config.Admission{Rate: -1, ClientRate: 2, DrainFactor: -1, MinRate: 1},
			[]step{{client: "a", n: 3, admit: 2}, {client: "b", n: 3, admit: 2}, {after: time.Second, client: "a", n: 3, admit: 2}}},
		{"a node-wide refusal leaves the client its token", config.Admission{Rate: 4, ClientRate: 2, DrainFactor: -1, MinRate: 1},
			// b and c empty the node-wide bucket; a is refused twice and
			// keeps both tokens, so a quarter second later (one node-wide
			// token, half a token for a's bucket) a is admitted
			[]step{{client: "b", n: 2, admit: 2}, {client: "c", n: 2, admit: 2}, {client: "a", n: 2, admit: 0}, {after: 250 * time.Millisecond, client: "a", n: 1, admit: 1}}},
		{"disabled: no limit", config.Admission{Rate: -1, ClientRate: -1, DrainFactor: -1, MinRate: 1},
			[]step{{client: "a", n: 10_000, admit: 10_000}}},
		{"saturated pools: twice the drain rate", config.Admission{Rate: 1000, ClientRate: -1, DrainFactor: 2, MinRate: 5},
			// the first sample, 100 finalized per second for two seconds
			// (drain smoothed to 75/s), then a saturated pool: 150/s
			[]step{{client: "a", n: 1, admit: 1}, {after: time.Second, final: 100, client: "a", n: 1, admit: 1}, {after: time.Second, final: 200, sat: true, client: "a", n: 1, admit: 1},
				{after: 10 * time.Millisecond, final: 200, sat: true, client: "a", n: 200, admit: 150}}},
		{"saturated and nothing finalized: the floor", config.Admission{Rate: 1000, ClientRate: -1, DrainFactor: 2, MinRate: 5},
			[]step{{sat: true, client: "a", n: 1, admit: 1}, {after: time.Second, sat: true, client: "a", n: 1, admit: 1}, {after: time.Second, sat: true, client: "a", n: 20, admit: 5}}},
		{"room in the pools again: the full rate", config.Admission{Rate: 50, ClientRate: -1, DrainFactor: 2, MinRate: 5},
			[]step{{sat: true, client: "a", n: 1, admit: 1}, {after: time.Second, sat: true, client: "a", n: 20, admit: 5}, {after: time.Second, client: "a", n: 60, admit: 50}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			var final uint64
			var sat bool
			a := newAdmission(tc.cfg, func() (uint64, bool) { return final, sat }, c.now)
			for i, s := range tc.steps {
				c.advance(s.after)
				final, sat = s.final, s.sat
				admitted := 0
				for range s.n {
					err := a.admit(s.client)
					if err == nil {
						admitted++
					} else {
						require.ErrorIs(t, err, ErrRateLimited)
					}
				}
				require.Equal(t, s.admit, admitted, "step %d", i)
			}
		})
	}
}

func TestAdmissionInFlight(t *testing.T) {
	a := newAdmission(config.Admission{Rate: -1, ClientRate: -1, MaxInFlight: 2, MinRate: 1}, nil, time.Now)
	require.NoError(t, a.enter())
	require.NoError(t, a.enter())
	require.ErrorIs(t, a.enter(), ErrOverloaded)
	a.leave()
	require.NoError(t, a.enter())
	unbounded := newAdmission(config.Admission{Rate: -1, ClientRate: -1, MaxInFlight: -1, MinRate: 1}, nil, time.Now)
	for range 1000 {
		require.NoError(t, unbounded.enter())
	}
}

func TestAdmissionClientsBounded(t *testing.T) {
	c := newClock()
	a := newAdmission(config.Admission{Rate: -1, ClientRate: 1, MinRate: 1, DrainFactor: -1}, nil, c.now)
	for i := range maxClients {
		require.NoError(t, a.admit(string(rune('a'+i%26))+strings.Repeat("x", i/26)))
	}
	require.NoError(t, a.admit("late1"))
	require.ErrorIs(t, a.admit("late2"), ErrRateLimited, "busy clients beyond the bound share one bucket")
	require.Len(t, a.clients, maxClients+1)
	c.advance(2 * time.Second) // every bucket full again: idle
	require.NoError(t, a.admit("newcomer"))
	require.Len(t, a.clients, 1, "idle buckets are dropped when the bound is reached")
}

// readTracker records whether a request's body was read.
type readTracker struct {
	r    io.Reader
	read bool
}

func (b *readTracker) Read(p []byte) (int, error) { b.read = true; return b.r.Read(p) }

// TestAdmissionRefusesBeforeReading posts a valid transaction through the
// guarded handler of a real node: over a limit it is refused with its code,
// its body unread and every pool as it was; within the limits it enters
// its pool.
func TestAdmissionRefusesBeforeReading(t *testing.T) {
	n, err := node.New(config.Config{Shards: 2, Validators: 4, Backend: "memdb", DemoAccounts: 8, Load: config.Load{Rate: -1}}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = n.Close() })
	s := &server{n: n}
	key := chain.DemoKey(0)
	from := crypto.PubkeyToAddress(key.PublicKey)
	tx, err := txn.Sign(txn.Unsigned{ChainID: config.DefaultChainID, Shard: eds.ShardOf(from, 2), To: chain.DemoAddress(3), Amount: 5}, key)
	require.NoError(t, err)
	payload := `{"tx":"0x` + hex.EncodeToString(tx.Bytes()) + `"}`
	pools := func() []int {
		var out []int
		for _, sh := range n.Shards() {
			out = append(out, sh.Pool().Len())
		}
		return out
	}

	cases := []struct {
		name   string
		cfg    config.Admission
		fill   int // handler slots taken before the request
		status int
		code   string
	}{
		{"node-wide bucket empty", config.Admission{Rate: 1, ClientRate: -1, MaxInFlight: -1, MinRate: 1, DrainFactor: -1}, 0, http.StatusTooManyRequests, "rate_limited"},
		{"client bucket empty", config.Admission{Rate: -1, ClientRate: 1, MaxInFlight: -1, MinRate: 1, DrainFactor: -1}, 0, http.StatusTooManyRequests, "rate_limited"},
		{"every handler busy", config.Admission{Rate: -1, ClientRate: -1, MaxInFlight: 3, MinRate: 1, DrainFactor: -1}, 3, http.StatusServiceUnavailable, "overloaded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			a := newAdmission(tc.cfg, nil, c.now)
			if tc.cfg.Rate > 0 || tc.cfg.ClientRate > 0 {
				require.NoError(t, a.admit("192.0.2.1")) // the one token
			}
			for range tc.fill {
				require.NoError(t, a.enter())
			}
			before := pools()
			body := &readTracker{r: strings.NewReader(payload)}
			req := httptest.NewRequest(http.MethodPost, "/tx", body)
			req.RemoteAddr = "192.0.2.1:40000"
			w := httptest.NewRecorder()
			a.guard(s.submit)(w, req)
			require.Equal(t, tc.status, w.Code, w.Body.String())
			require.Equal(t, "1", w.Header().Get("Retry-After"))
			var e Error
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
			require.Equal(t, tc.code, e.Code)
			require.NotEmpty(t, e.Error)
			require.False(t, body.read, "the body was read")
			require.Equal(t, before, pools(), "a refusal changed a pool")
		})
	}

	t.Run("within the limits", func(t *testing.T) {
		a := newAdmission(config.Admission{Rate: 1, ClientRate: 1, MaxInFlight: 1, MinRate: 1, DrainFactor: -1}, nil, newClock().now)
		before := pools()
		req := httptest.NewRequest(http.MethodPost, "/tx", strings.NewReader(payload))
		w := httptest.NewRecorder()
		a.guard(s.submit)(w, req)
		require.Equal(t, http.StatusAccepted, w.Code, w.Body.String())
		before[tx.Shard]++
		require.Equal(t, before, pools())
		require.NoError(t, a.enter(), "the handler's slot was freed")
	})
}

func TestAdmissionErrors(t *testing.T) {
	require.False(t, errors.Is(ErrRateLimited, ErrOverloaded))
	require.True(t, strings.HasPrefix(ErrRateLimited.Error(), "api: "))
	require.True(t, strings.HasPrefix(ErrOverloaded.Error(), "api: "))
}
