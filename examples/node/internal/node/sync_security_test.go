package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

// syncTestConfig is a small local network: every validator of both shards
// runs in one process on memdb.
func syncTestConfig(chainID uint64) config.Config {
	return config.Config{
		ChainID: chainID, Shards: 2, Validators: 4, Backend: "memdb", DemoAccounts: 8,
		Tick: config.Duration(5 * time.Millisecond), EpochBlocks: 50, Load: config.Load{Rate: -1},
	}
}

// servedCommits runs a local network until every shard has finalized
// heights 1..n and returns what it would serve a syncing peer, per shard.
func servedCommits(cfg config.Config, n uint64) ([][][]byte, error) {
	nd, err := New(cfg, nil, nil)
	if err != nil {
		return nil, err
	}
	defer nd.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- nd.Run(ctx) }()
	deadline := time.Now().Add(2 * time.Minute)
	for _, sh := range nd.Shards() {
		for sh.Height() < n && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	cancel()
	if err := <-done; err != nil {
		return nil, err
	}
	out := make([][][]byte, cfg.Shards)
	for s := range out {
		if out[s] = nd.Commits(uint32(s), 1, int(n)); len(out[s]) != int(n) {
			return nil, fmt.Errorf("shard %d did not reach height %d", s, n)
		}
	}
	return out, nil
}

// syncFixture holds what two local networks served: heights 1 and 2 of the
// default chain's shards, height 1 of another chain's, run once for the
// tests of this file.
var syncFixture struct {
	once          sync.Once
	served, other [][][]byte
	err           error
}

func syncServed(t *testing.T) (served, other [][][]byte) {
	t.Helper()
	syncFixture.once.Do(func() {
		syncFixture.served, syncFixture.err = servedCommits(syncTestConfig(config.DefaultChainID), 2)
		if syncFixture.err == nil {
			syncFixture.other, syncFixture.err = servedCommits(syncTestConfig(config.DefaultChainID+1), 1)
		}
	})
	require.NoError(t, syncFixture.err)
	return syncFixture.served, syncFixture.other
}

// freshRunner is shard s's runner of a new node at genesis that has not
// started: the node a peer's sync answer is fed to.
func freshRunner(t testing.TB, cfg config.Config, s uint32) *runner {
	t.Helper()
	nd, err := New(cfg, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = nd.Close() })
	return nd.runners[s]
}

// TestSyncRefusesForgedCommits serves a node that catches up (runner.syncFrom,
// the commits a peer returns to a sync request) with forged, foreign and
// non-extending commits: none may be executed, and the genuine commit is.
func TestSyncRefusesForgedCommits(t *testing.T) {
	cfg := syncTestConfig(config.DefaultChainID)
	served, _ := syncServed(t)
	genuine := served[0][0]
	g, err := decodeCommit(genuine)
	require.NoError(t, err)

	badSig := g
	badSig.Cert.Signature = append([]byte(nil), g.Cert.Signature...)
	badSig.Cert.Signature[3] ^= 1
	fewer := g
	fewer.Cert.Signers = append([]byte(nil), g.Cert.Signers...)
	for i := range fewer.Cert.Signers {
		fewer.Cert.Signers[i] = 0
	}
	otherBlock := g
	otherBlock.Block.Builder ^= 1
	noParent := g
	noParent.Block.Parent[0] ^= 1

	for _, tc := range []struct {
		name string
		raw  []byte
		skip bool // ignored (not the next height), not refused
	}{
		{"garbage", []byte{1, 2, 3}, false},
		{"bad aggregate signature", encodeCommit(badSig), false},
		{"no signers", encodeCommit(fewer), false},
		{"certificate of another block", encodeCommit(otherBlock), false},
		{"does not extend the head", encodeCommit(noParent), false},
		{"not the next height", served[0][1], true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := freshRunner(t, cfg, 0)
			done, err := r.syncFrom([][]byte{tc.raw})
			require.Zero(t, done)
			if tc.skip {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				require.True(t, errors.Is(err, errBadSync) || errors.Is(err, pob.ErrDecode), "untyped error %v", err)
			}
			require.Zero(t, r.shard.Height(), "a refused commit changed the chain")
		})
	}

	r := freshRunner(t, cfg, 0)
	done, err := r.syncFrom(served[0])
	require.NoError(t, err)
	require.Equal(t, 2, done)
	require.EqualValues(t, 2, r.shard.Height())
	b, ok := r.shard.Block(1)
	require.True(t, ok)
	require.Equal(t, g.Block.Hash(), b.Hash)
}

// TestSyncRefusesForeignCommits serves a node that catches up with
// genuine, correctly certified commits of the next height that belong to
// another shard of the chain, or to another chain run by the same
// validator keys (replay across shards and chains). The node must refuse
// them: executing one would put another shard's or chain's block into
// this chain.
//
// This test found the hole: runner.syncFrom compared only the domain's
// epoch and the parent (zero at genesis on every shard and chain), so both
// commits were executed; af0d73e compares the block's whole pob.Domain
// (chain id, shard, epoch) with the running committee's.
func TestSyncRefusesForeignCommits(t *testing.T) {
	cfg := syncTestConfig(config.DefaultChainID)
	served, other := syncServed(t)
	for _, tc := range []struct {
		name string
		raw  []byte
	}{
		{"commit of the same height on another shard", served[1][0]},
		{"commit of the same height on another chain", other[0][0]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := freshRunner(t, cfg, 0)
			done, err := r.syncFrom([][]byte{tc.raw})
			require.Zero(t, done)
			require.ErrorIs(t, err, errBadSync)
			require.Zero(t, r.shard.Height(), "a foreign commit was executed")
		})
	}
}
