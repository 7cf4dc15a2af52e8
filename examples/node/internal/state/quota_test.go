package state_test

import (
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/stretchr/testify/require"
)

// TestQuotaDB writes through LimitDB with a budget: each step's write
// either fits (and is stored) or is refused with ErrDiskFull and stores
// nothing; after the first refusal every write is refused.
func TestQuotaDB(t *testing.T) {
	type step struct {
		key, value string
		batch      bool
		ok         bool
	}
	cases := []struct {
		name   string
		budget int64
		steps  []step
	}{
		{"fits, then full, then sticky", 10, []step{
			{"k1", "vvv", false, true},     // 5 bytes, 5 left
			{"k2", "vvvvvv", false, false}, // 8 > 5: refused
			{"k3", "v", false, false},      // would fit, but a write failed
		}},
		{"batches are charged when written", 12, []step{
			{"b1", "vvvv", true, true},   // 6
			{"b2", "vvvvv", true, false}, // 7 > 6
		}},
		{"unlimited", -1, []step{
			{"k", string(make([]byte, 1<<16)), false, true},
			{"b", string(make([]byte, 1<<16)), true, true},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := state.NewQuota()
			require.NoError(t, q.Limit(tc.budget))
			db := state.LimitDB(dbm.NewMemDB(), q)
			failed := false
			for i, s := range tc.steps {
				var err error
				if s.batch {
					b := db.NewBatch()
					require.NoError(t, b.Set([]byte(s.key), []byte(s.value)))
					err = b.WriteSync()
					require.NoError(t, b.Close())
				} else {
					err = db.SetSync([]byte(s.key), []byte(s.value))
				}
				got, gerr := db.Get([]byte(s.key))
				require.NoError(t, gerr)
				if s.ok {
					require.NoError(t, err, "step %d", i)
					require.Equal(t, []byte(s.value), got)
					continue
				}
				require.ErrorIs(t, err, state.ErrDiskFull, "step %d", i)
				require.Nil(t, got, "a refused write stored something")
				failed = true
			}
			select {
			case <-q.Full():
				require.True(t, failed, "Full closed without a refusal")
				require.ErrorIs(t, q.Err(), state.ErrDiskFull)
				require.NotEmpty(t, q.State().Failed)
				require.ErrorIs(t, q.Limit(-1), state.ErrQuotaTripped, "space cannot return in-process")
			default:
				require.False(t, failed, "a refusal did not close Full")
				require.NoError(t, q.Err())
			}
			require.NoError(t, db.Delete([]byte("k1")), "deletes free space: never refused")
		})
	}
}

func TestQuotaLimitAndRestore(t *testing.T) {
	q := state.NewQuota()
	require.Equal(t, state.QuotaState{}, q.State())
	require.NoError(t, q.Limit(100))
	require.Equal(t, state.QuotaState{Limited: true, Left: 100}, q.State())
	db := state.LimitDB(dbm.NewMemDB(), q)
	require.NoError(t, db.Set([]byte("ab"), []byte("cd")))
	require.Equal(t, state.QuotaState{Limited: true, Left: 96, Written: 4}, q.State())
	require.NoError(t, q.Limit(-1), "space returns before any refusal")
	require.NoError(t, db.Set([]byte("big"), make([]byte, 1000)))
	require.Equal(t, state.QuotaState{Written: 1007}, q.State())

	var none *state.Quota
	require.Equal(t, state.QuotaState{}, none.State())
	require.NoError(t, none.Err())
	plain := dbm.NewMemDB()
	require.Equal(t, dbm.DB(plain), state.LimitDB(plain, nil), "a nil quota wraps nothing")
}

// TestMicroQuota commits blocks to a pebble microstate store under a
// budget: the commit that does not fit fails with ErrDiskFull and leaves
// version and root as they were; reopened without a budget (a restart with
// space), the store goes on from the last commit that fitted.
func TestMicroQuota(t *testing.T) {
	dir := t.TempDir()
	q := state.NewQuota()
	m, err := state.OpenMicroLimited(1, 0, "pebble", dir, nil, q)
	require.NoError(t, err)
	commit := func(b state.Backend, i int) error {
		_, err := b.Commit(state.Meta{}, []state.Write{{Key: []byte{'k', byte(i)}, Value: make([]byte, 100)}})
		return err
	}
	for i := range 3 {
		require.NoError(t, commit(m, i))
	}
	version, root := m.Version(), m.Root()
	require.NoError(t, q.Limit(300)) // one more commit (102 + 256 bytes) does not fit
	require.ErrorIs(t, commit(m, 3), state.ErrDiskFull)
	require.Equal(t, version, m.Version())
	require.Equal(t, root, m.Root())
	require.ErrorIs(t, commit(m, 3), state.ErrDiskFull, "sticky")
	require.NoError(t, m.Close())

	m2, err := state.OpenMicroLimited(1, 0, "pebble", dir, nil, state.NewQuota())
	require.NoError(t, err)
	defer m2.Close()
	require.Equal(t, version, m2.Version())
	require.Equal(t, root, m2.Root())
	v, err := m2.Get([]byte{'k', 2})
	require.NoError(t, err)
	require.Len(t, v, 100)
	require.NoError(t, commit(m2, 3))
	require.Equal(t, version+1, m2.Version())
}
