package microstate

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/stretchr/testify/require"
)

// dumpDB renders every key and value of db.
func dumpDB(t *testing.T, db dbm.DB) string {
	it, err := db.Iterator(nil, nil)
	require.NoError(t, err)
	defer it.Close()
	var b strings.Builder
	for ; it.Valid(); it.Next() {
		fmt.Fprintf(&b, "%x=%x\n", it.Key(), it.Value())
	}
	require.NoError(t, it.Error())
	return b.String()
}

// TestBulkTreeMatchesIAVL compares the tree the bulk import writes with the
// one iavl's own Importer writes from the same leaves (the path every MSB
// build takes): the databases must be equal byte for byte.
func TestBulkTreeMatchesIAVL(t *testing.T) {
	for _, keys := range []int{1, 2, 3, 4, 5, 17, 64, 300} {
		for _, chunk := range []int{1, 3, 7, 64, 1000} {
			src, sh, chunks := source(t, "test", keys, chunk)
			dst := memStore(t)
			require.NoError(t, dst.ImportAll(ctx, sh, slices.Values(chunks)))
			n := sh.Header.Number

			tw, err := newTreeWriter(src.cfg, n, sh.Header.StateSize) // memdb: a database of its own
			require.NoError(t, err)
			require.NoError(t, src.Iterate(nil, nil, func(k, v []byte) bool {
				require.NoError(t, tw.add(bytes.Clone(k), bytes.Clone(v)))
				return true
			}))
			ref, err := tw.finish()
			require.NoError(t, err)
			require.Equal(t, sh.Header.StateRoot, treeRoot(ref))
			require.Equal(t, dumpDB(t, ref.db), dumpDB(t, dst.trees[n].db), "keys %d chunk %d", keys, chunk)
			require.NoError(t, ref.close())
		}
	}
}

// TestBulkImportDisk runs the bulk path on the disk backends (pebble
// ingests SSTables, goleveldb takes batches): the imported store proves,
// survives a reopen, goes on like its source, and an aborted import leaves
// nothing behind.
func TestBulkImportDisk(t *testing.T) {
	src, sh, chunks := source(t, "test", 500, 37)
	for _, backend := range []string{BackendPebble, BackendGoLevelDB} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			mod := func(c *Config) { c.Backend = backend }
			dst := diskStore(t, dir, mod)
			apply(t, dst, genBlock(1, 30, 20))
			before := stateImage(t, dst)

			im, err := dst.Import(sh)
			require.NoError(t, err)
			for _, c := range chunks[:len(chunks)/2] {
				require.NoError(t, im.Add(c))
			}
			im.Abort()
			require.Equal(t, before, stateImage(t, dst))
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			for _, e := range entries {
				require.False(t, strings.HasPrefix(e.Name(), stagingPrefix) || strings.HasPrefix(e.Name(), "msb-"), "left behind: %s", e.Name())
			}

			require.NoError(t, dst.ImportAll(ctx, sh, slices.Values(chunks)))
			require.Equal(t, stateImage(t, src), stateImage(t, dst))
			require.NoError(t, dst.Close())
			dst = diskStore(t, dir, mod)
			defer dst.Close()
			require.Equal(t, stateImage(t, src), stateImage(t, dst))
			for i := range 20 {
				p, err := dst.Prove(acct(i), 0)
				require.NoError(t, err)
				require.NoError(t, p.Verify(sh.Header.StateRoot))
			}
			var again [][]byte
			_, err = dst.Export(ctx, 0, 37, func(c []byte) error { again = append(again, c); return nil })
			require.NoError(t, err)
			require.Equal(t, chunks, again)
			_, err = os.Stat(filepath.Join(dir, stagingPrefix+treeName(sh.Header.Number)))
			require.True(t, os.IsNotExist(err))
		})
	}
}
