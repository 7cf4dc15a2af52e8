package node

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/iostkit/iostkit/examples/node/internal/config"
	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

// TestJournalReplaysCommitsLostInACrash is reliability finding 12: an
// engine that finalized a height persists the HardState of the next one
// before the node executes the block; a kill -9 in between used to lose the
// certificate, and the restarted engine, which signs nothing below its
// HardState, could stall a league that needs its vote. The runner now
// journals each commit before that HardState, and a restart executes it.
func TestJournalReplaysCommitsLostInACrash(t *testing.T) {
	served, _ := syncServed(t)
	var commits []pob.Commit
	for _, raw := range served[0] {
		c, err := decodeCommit(raw)
		require.NoError(t, err)
		commits = append(commits, c)
	}
	cfg := syncTestConfig(config.DefaultChainID)
	cfg.Backend, cfg.DataDir = "pebble", t.TempDir()

	// The engine hands over two commits; the process dies before executing them.
	nd, err := New(cfg, nil, nil)
	require.NoError(t, err)
	nd.self = &nd.validators[0]
	r := nd.runners[0]
	require.NoError(t, r.handle(r.replicas[0], pob.Ready{Committed: commits}))
	require.Len(t, r.waiting, 2)
	hs, err := journalHeights(nd.journalDir(0))
	require.NoError(t, err)
	require.Equal(t, []uint64{1, 2}, hs, "journaled before anything else")
	require.NoError(t, nd.Close()) // nothing executed: the block store is at 0

	again, err := New(cfg, nil, nil)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, again.Close()) })
	again.self = &again.validators[0]
	r = again.runners[0]
	require.Zero(t, r.shard.Height())
	r.replayJournal()
	require.EqualValues(t, 2, r.shard.Height(), "the journaled commits are executed at restart")
	b, ok := r.shard.Block(2)
	require.True(t, ok)
	require.Equal(t, commits[1].Block.Hash(), b.Hash)
	hs, err = journalHeights(again.journalDir(0))
	require.NoError(t, err)
	require.Empty(t, hs, "stored blocks need no journal entry")
}

// TestJournalRefusesBadEntries: a torn or forged journal entry is refused
// like a peer's sync answer, changes nothing and is removed.
func TestJournalRefusesBadEntries(t *testing.T) {
	served, _ := syncServed(t)
	g, err := decodeCommit(served[0][0])
	require.NoError(t, err)
	forged := g
	forged.Cert.Signature = append([]byte(nil), g.Cert.Signature...)
	forged.Cert.Signature[5] ^= 1

	for _, tc := range []struct {
		name string
		raw  []byte
	}{
		{"torn write", served[0][0][:len(served[0][0])/2]},
		{"forged certificate", encodeCommit(forged)},
		{"another shard's commit", served[1][0]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := syncTestConfig(config.DefaultChainID)
			cfg.DataDir = t.TempDir()
			r := freshRunner(t, cfg, 0)
			r.n.self = &r.n.validators[0]
			dir := r.n.journalDir(0)
			require.NoError(t, os.MkdirAll(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "1"), tc.raw, 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "2.tmp"), served[0][1], 0o644))
			r.replayJournal()
			require.Zero(t, r.shard.Height(), "a refused entry changed the chain")
			hs, err := journalHeights(dir)
			require.NoError(t, err)
			require.Empty(t, hs)
		})
	}
}
