package state_test

import (
	"testing"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/iostkit/iostkit/examples/node/internal/state"
	"github.com/stretchr/testify/require"
)

func backends(t *testing.T) map[string]func() state.Backend {
	dir := t.TempDir()
	return map[string]func() state.Backend{
		"mem": func() state.Backend { return state.NewMem() },
		"pebble": func() state.Backend {
			db, err := dbm.NewDB("state", dbm.PebbleDBBackend, dir)
			require.NoError(t, err)
			b, err := state.OpenDB(db)
			require.NoError(t, err)
			return b
		},
	}
}

func TestBackends(t *testing.T) {
	for name, open := range backends(t) {
		t.Run(name, func(t *testing.T) {
			b := open()
			require.Zero(t, b.Version())
			o := state.NewOverlay(b)
			require.NoError(t, o.Set([]byte("a"), []byte("1")))
			require.NoError(t, o.Set([]byte("b"), []byte("2")))
			m := o.Mark()
			require.NoError(t, o.Set([]byte("a"), []byte("3")))
			require.NoError(t, o.Delete([]byte("b")))
			v, _ := o.Get([]byte("b"))
			require.Nil(t, v)
			o.Revert(m)
			v, _ = o.Get([]byte("a"))
			require.Equal(t, []byte("1"), v)
			v, _ = b.Get([]byte("a"))
			require.Nil(t, v, "nothing reaches the backend before Commit")

			root1, err := b.Commit(state.Meta{}, o.Writes())
			require.NoError(t, err)
			require.EqualValues(t, 1, b.Version())
			require.Equal(t, root1, b.Root())
			v, _ = b.Get([]byte("b"))
			require.Equal(t, []byte("2"), v)

			o = state.NewOverlay(b)
			require.NoError(t, o.Delete([]byte("b")))
			root2, err := b.Commit(state.Meta{}, o.Writes())
			require.NoError(t, err)
			require.NotEqual(t, root1, root2)
			v, _ = b.Get([]byte("b"))
			require.Nil(t, v)
			require.NoError(t, b.Close())
			_, err = b.Get([]byte("a"))
			if name == "mem" {
				require.ErrorIs(t, err, state.ErrClosed)
			}
		})
	}
}

func TestDBReopens(t *testing.T) {
	dir := t.TempDir()
	open := func() *state.DB {
		db, err := dbm.NewDB("state", dbm.PebbleDBBackend, dir)
		require.NoError(t, err)
		b, err := state.OpenDB(db)
		require.NoError(t, err)
		return b
	}
	b := open()
	o := state.NewOverlay(b)
	require.NoError(t, o.Set([]byte("k"), []byte("v")))
	root, err := b.Commit(state.Meta{}, o.Writes())
	require.NoError(t, err)
	require.NoError(t, b.Close())

	b = open()
	defer b.Close()
	require.EqualValues(t, 1, b.Version())
	require.Equal(t, root, b.Root())
	v, err := b.Get([]byte("k"))
	require.NoError(t, err)
	require.Equal(t, []byte("v"), v)
}

func TestSameWritesSameRoot(t *testing.T) {
	a, b := state.NewMem(), state.NewMem()
	for _, s := range []state.Backend{a, b} {
		o := state.NewOverlay(s)
		// Different write orders, one write set.
		if s == a {
			_ = o.Set([]byte("x"), []byte("1"))
			_ = o.Set([]byte("y"), []byte("2"))
		} else {
			_ = o.Set([]byte("y"), []byte("2"))
			_ = o.Set([]byte("x"), []byte("1"))
		}
		_, err := s.Commit(state.Meta{}, o.Writes())
		require.NoError(t, err)
	}
	require.Equal(t, a.Root(), b.Root())
}
