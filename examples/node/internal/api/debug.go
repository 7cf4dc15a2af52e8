package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
)

// PeerBlocker cuts a node off from some validators; the libp2p host
// implements it.
type PeerBlocker interface {
	// BlockPeers replaces the set of validator indices the node refuses to
	// talk to; an empty set heals.
	BlockPeers(indices []int)
}

// BlockPeersRequest is the body of POST /debug/block-peers.
type BlockPeersRequest struct {
	// Peers are validator indices; empty or absent unblocks every peer.
	Peers []int `json:"peers"`
}

// Debug wraps the node's handler with test hooks, for reliability harnesses
// only (the node serves them only when started with --debug-api):
//
//	POST /debug/block-peers {"peers":[2,3]}   partition this node from validators 2 and 3
//	POST /debug/block-peers {"peers":[]}      heal
//
// Every other request goes to next.
func Debug(next http.Handler, b PeerBlocker, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /debug/block-peers", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 4096)
		var req BlockPeersRequest
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeErr(w, http.StatusBadRequest, "malformed_json", fmt.Errorf("api: malformed JSON: %v", err))
			return
		}
		for _, i := range req.Peers {
			if i < 0 {
				writeErr(w, http.StatusBadRequest, "bad_peer", fmt.Errorf("api: negative validator index %d", i))
				return
			}
		}
		b.BlockPeers(req.Peers)
		log.Warn("debug: peers blocked", "validators", req.Peers)
		writeJSON(w, http.StatusOK, req)
	})
	mux.Handle("/", next)
	return mux
}
