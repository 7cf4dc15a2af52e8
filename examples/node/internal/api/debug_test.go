package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/iostkit/iostkit/examples/node/internal/api"
	"github.com/stretchr/testify/require"
)

type blocker struct{ calls [][]int }

func (b *blocker) BlockPeers(ix []int) { b.calls = append(b.calls, ix) }

func TestDebugBlockPeers(t *testing.T) {
	b := &blocker{}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	h := api.Debug(next, b, nil)
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
