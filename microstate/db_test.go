package microstate

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// The adapter is what iavl sees of cometbft-db: check the parts iavl uses
// on every backend.
func TestIAVLAdapter(t *testing.T) {
	for _, backend := range []string{BackendMemDB, BackendPebble, BackendGoLevelDB} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			raw, err := openDB("adapter", backend, dir)
			require.NoError(t, err)
			db := iavlDB{raw}
			b := db.NewBatchWithSize(10)
			require.NoError(t, b.Set([]byte("a"), []byte("1")))
			require.NoError(t, b.Set([]byte("b"), []byte("22")))
			require.NoError(t, b.Set([]byte("c"), []byte("333")))
			require.NoError(t, b.Delete([]byte("c")))
			n, err := b.GetByteSize()
			require.NoError(t, err)
			require.Equal(t, 1+1+1+2+1+3+1, n)
			require.NoError(t, b.WriteSync())
			require.NoError(t, b.Close())
			b = db.NewBatch()
			require.NoError(t, b.Set([]byte("d"), []byte("4")))
			require.NoError(t, b.Write())
			require.NoError(t, b.Close())

			v, err := db.Get([]byte("b"))
			require.NoError(t, err)
			require.Equal(t, []byte("22"), v)
			ok, err := db.Has([]byte("c"))
			require.NoError(t, err)
			require.False(t, ok)
			var keys []string
			it, err := db.Iterator([]byte("a"), []byte("d"))
			require.NoError(t, err)
			for ; it.Valid(); it.Next() {
				keys = append(keys, string(it.Key()))
			}
			require.NoError(t, it.Close())
			require.Equal(t, []string{"a", "b"}, keys)
			keys = nil
			it, err = db.ReverseIterator(nil, nil)
			require.NoError(t, err)
			for ; it.Valid(); it.Next() {
				keys = append(keys, string(it.Key()))
			}
			require.NoError(t, it.Close())
			require.Equal(t, []string{"d", "b", "a"}, keys)
			require.NoError(t, db.Close())
			require.NoError(t, removeDB("adapter", backend, dir))
		})
	}
}
