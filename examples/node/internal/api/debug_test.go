package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/iostkit/iostkit/examples/node/internal/api"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/stretchr/testify/require"
)

type blocker struct{ calls [][]int }

func (b *blocker) BlockPeers(ix []int) { b.calls = append(b.calls, ix) }

func TestDebugBlockPeers(t *testing.T) {
	b := &blocker{}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := api.Debug(next, b, nil, nil)
	for _, tc := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/debug/block-peers", `{"peers":[2,3]}`, http.StatusOK},
		{"POST", "/debug/block-peers", `{"peers":[]}`, http.StatusOK},
		{"POST", "/debug/block-peers", `{"peers":[-1]}`, http.StatusBadRequest},
		{"POST", "/debug/block-peers", `{"peerz":[1]}`, http.StatusBadRequest},
		{"GET", "/status", ``, http.StatusTeapot},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body)))
		require.Equal(t, tc.status, rec.Code, "%s %s %s", tc.method, tc.path, tc.body)
	}
	require.Equal(t, [][]int{{2, 3}, {}}, b.calls)
}

// TestDebugDiskFull drives POST /debug/disk-full against a real quota
// under a block store: a refused body changes nothing; a budget makes the
// store fail beyond it; space cannot be given back once a write failed.
func TestDebugDiskFull(t *testing.T) {
	q := state.NewQuota()
	db := state.LimitDB(dbm.NewMemDB(), q)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := api.Debug(next, nil, q, nil)
	for i, tc := range []struct {
		body   string
		status int
		code   string
		want   state.QuotaState
		write  int // bytes written after the request
		wrote  bool
	}{
		{`{}`, http.StatusBadRequest, "bad_bytes", state.QuotaState{}, 0, true},
		{`{"bytes":-2}`, http.StatusBadRequest, "bad_bytes", state.QuotaState{}, 0, true},
		{`{"bytes":"10"}`, http.StatusBadRequest, "malformed_json", state.QuotaState{}, 0, true},
		{`{"bytes":10,"x":1}`, http.StatusBadRequest, "malformed_json", state.QuotaState{}, 0, true},
		{`{"bytes":100}`, http.StatusOK, "", state.QuotaState{Limited: true, Left: 100}, 40, true},
		{`{"bytes":-1}`, http.StatusOK, "", state.QuotaState{Written: 40}, 200, true},
		{`{"bytes":10}`, http.StatusOK, "", state.QuotaState{Limited: true, Left: 10, Written: 240}, 11, false},
		{`{"bytes":-1}`, http.StatusConflict, "disk_full", state.QuotaState{}, 1, false},
	} {
		before := q.State()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/debug/disk-full", strings.NewReader(tc.body)))
		require.Equal(t, tc.status, rec.Code, "%d: %s", i, rec.Body.String())
		if tc.code != "" {
			var e api.Error
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
			require.Equal(t, tc.code, e.Code)
			require.Equal(t, before, q.State(), "%d: a refused request changed the quota", i)
		} else {
			var got state.QuotaState
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
			require.Equal(t, tc.want, got, "%d", i)
		}
		if tc.write > 0 {
			err := db.Set([]byte("k"), make([]byte, tc.write-1))
			if tc.wrote {
				require.NoError(t, err, "%d", i)
			} else {
				require.ErrorIs(t, err, state.ErrDiskFull, "%d", i)
			}
		}
	}
	rec := httptest.NewRecorder()
	api.Debug(next, nil, nil, nil).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/debug/disk-full", strings.NewReader(`{"bytes":1}`)))
	require.Equal(t, http.StatusTeapot, rec.Code, "without a limiter the route does not exist")
}
