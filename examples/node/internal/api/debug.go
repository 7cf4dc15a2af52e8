package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"

	"github.com/iostkit/iostkit/examples/node/internal/state"
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

// DiskLimiter simulates a full disk under the node's stores; the node's
// state.Quota implements it.
type DiskLimiter interface {
	// Limit lets the stores write bytes more, then fails their writes; a
	// negative bytes gives the space back (state.ErrQuotaTripped once a
	// write has failed: the node stops and resumes after a restart).
	Limit(bytes int64) error
	// State is the budget and what was written.
	State() state.QuotaState
}

// DiskFullRequest is the body of POST /debug/disk-full.
type DiskFullRequest struct {
	// Bytes is how many bytes the stores may still write; -1 removes the
	// limit. Required.
	Bytes *int64 `json:"bytes"`
}

// Debug wraps the node's handler with test hooks, for reliability harnesses
// only (the node serves them only when started with --debug-api):
//
//	POST /debug/block-peers {"peers":[2,3]}   partition this node from validators 2 and 3
//	POST /debug/block-peers {"peers":[]}      heal
//	POST /debug/disk-full {"bytes":4096}      the stores fail every write after 4 KiB more
//	POST /debug/disk-full {"bytes":-1}        space returns (before a write failed)
//	GET  /debug/pprof/...                     Go's profiles (net/http/pprof)
//
// A store write that does not fit fails, and the node stops with the error
// logged; restarted on its data directory it resumes (the budget does not
// survive the process). block-peers is served when b is not nil,
// disk-full when d is not nil. Every other request goes to next.
func Debug(next http.Handler, b PeerBlocker, d DiskLimiter, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", pprof.Index)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	if d != nil {
		mux.HandleFunc("POST /debug/disk-full", func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, 4096)
			var req DiskFullRequest
			dec := json.NewDecoder(r.Body)
			dec.DisallowUnknownFields()
			if err := dec.Decode(&req); err != nil {
				writeErr(w, http.StatusBadRequest, "malformed_json", fmt.Errorf("api: malformed JSON: %v", err))
				return
			}
			if req.Bytes == nil || *req.Bytes < -1 {
				writeErr(w, http.StatusBadRequest, "bad_bytes", errors.New("api: field bytes must be a byte budget >= 0, or -1 to remove it"))
				return
			}
			if err := d.Limit(*req.Bytes); err != nil {
				writeErr(w, http.StatusConflict, "disk_full", err)
				return
			}
			if *req.Bytes < 0 {
				log.Warn("debug: disk space restored")
			} else {
				log.Warn("debug: disk budget set: writes fail beyond it", "bytes", *req.Bytes)
			}
			writeJSON(w, http.StatusOK, d.State())
		})
	}
	if b == nil {
		mux.Handle("/", next)
		return mux
	}
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
