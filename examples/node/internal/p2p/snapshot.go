package p2p

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// ProtoSnapshot is the direct-stream protocol that serves a shard's latest
// certified snapshot to a node that fast-syncs.
const ProtoSnapshot = "/iostkit/snapshot/1"

// MaxSnapshot bounds a served snapshot.
const MaxSnapshot = 256 << 20

// snapshotTimeout bounds one snapshot transfer.
const snapshotTimeout = 60 * time.Second

// FetchSnapshot asks connected peers, in turn, for shard's latest
// certified snapshot and returns the first answer. The caller verifies it
// (the certificate against the shard's committee, every chunk against the
// certified state root).
func (x *Host) FetchSnapshot(ctx context.Context, shard uint32) ([]byte, error) {
	var lastErr error = errors.New("p2p: no peers")
	for _, p := range x.h.Network().Peers() {
		b, err := x.fetchSnapshotFrom(ctx, p, shard)
		if err != nil {
			lastErr = err
			continue
		}
		if len(b) > 0 {
			return b, nil
		}
	}
	return nil, lastErr
}

func (x *Host) fetchSnapshotFrom(ctx context.Context, p peer.ID, shard uint32) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	s, err := x.h.NewStream(ctx, p, ProtoSnapshot)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(snapshotTimeout))
	if err := writeFrame(s, binary.BigEndian.AppendUint32(nil, shard)); err != nil {
		return nil, err
	}
	return readFrame(s, MaxSnapshot)
}

func (x *Host) handleSnapshot(s network.Stream) {
	defer s.Close()
	_ = s.SetDeadline(time.Now().Add(snapshotTimeout))
	b, err := readFrame(s, 4)
	if err != nil || len(b) != 4 || x.cfg.Snapshot == nil {
		_ = s.Reset()
		return
	}
	shard := binary.BigEndian.Uint32(b)
	if shard >= x.cfg.Shards {
		_ = s.Reset()
		return
	}
	snap, err := x.cfg.Snapshot(shard)
	if err != nil || len(snap) > MaxSnapshot {
		x.log.Debug("p2p: no snapshot to serve", "shard", shard, "err", fmt.Sprint(err))
		_ = s.Reset()
		return
	}
	_ = writeFrame(s, snap)
}
