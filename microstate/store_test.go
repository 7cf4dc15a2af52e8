package microstate

import (
	"context"
	"errors"
	"io/fs"
	"path/filepath"
	"slices"
	"testing"

	ics23 "github.com/cosmos/ics23/go"
	"github.com/stretchr/testify/require"
)

func TestSmoke(t *testing.T) {
	s := memStore(t)
	var msb *Header
	for range 8 {
		r := apply(t, s, genBlock(s.Height()+1, 200, 50))
		if r.MSB != nil {
			msb = r.MSB
		}
	}
	require.NotNil(t, msb)
	require.EqualValues(t, 2, msb.Number)
	n := 0
	require.NoError(t, s.Iterate(nil, nil, func(k, v []byte) bool {
		p, err := s.Prove(k, 0)
		require.NoError(t, err)
		require.True(t, p.Exists)
		require.True(t, ics23.VerifyMembership(ics23.IavlSpec, msb.StateRoot, p.Proof, k, v))
		n++
		return true
	}))
	require.EqualValues(t, msb.StateSize, n)
	p, err := s.Prove([]byte("zz"), 0)
	require.NoError(t, err)
	require.False(t, p.Exists)
	require.True(t, ics23.VerifyNonMembership(ics23.IavlSpec, msb.StateRoot, p.Proof, []byte("zz")))

	var chunks [][]byte
	h, err := s.Export(ctx, 0, 7, func(c []byte) error { chunks = append(chunks, c); return nil })
	require.NoError(t, err)
	d := memStore(t)
	im, err := d.Import(SignedHeader{Header: h})
	require.NoError(t, err)
	for _, c := range chunks {
		require.NoError(t, im.Add(c))
	}
	require.NoError(t, im.Commit())
	require.Equal(t, s.Height(), d.Height())
	require.Equal(t, s.Commitment(), d.Commitment())
}

func TestWorkingSetIsATokenStore(t *testing.T) {
	s := memStore(t)
	// the conformance suite of token.Store, run in the external test package
	// (see tokenstore_test.go); here the microstate-specific behaviour
	ws := s.Begin()
	v, err := ws.Get([]byte("k"))
	require.NoError(t, err)
	require.Nil(t, v)
	require.NoError(t, ws.Set([]byte("k"), []byte("1")))
	require.NoError(t, ws.Set([]byte("j"), nil))
	m := ws.Mark()
	require.NoError(t, ws.Set([]byte("k"), []byte("2")))
	require.NoError(t, ws.Delete([]byte("j")))
	require.NoError(t, ws.Set([]byte("x"), []byte("3")))
	ws.Revert(m)
	require.Equal(t, 2, ws.Len())
	v, _ = ws.Get([]byte("k"))
	require.Equal(t, []byte("1"), v)
	v, _ = ws.Get([]byte("j"))
	require.Equal(t, []byte{}, v)
	require.ErrorIs(t, ws.Set(nil, nil), ErrEmptyKey)
	require.ErrorIs(t, ws.Delete(nil), ErrEmptyKey)
	_, err = ws.Get(nil)
	require.ErrorIs(t, err, ErrEmptyKey)
	r, err := s.Commit(ctx, ws, BlockInfo{Height: 1})
	require.NoError(t, err)
	require.EqualValues(t, 2, r.Block.Writes)
	require.NoError(t, r.Block.Verify())
	v, _ = s.Get([]byte("k"))
	require.Equal(t, []byte("1"), v)

	// deletes reach the store
	ws = s.Begin()
	require.NoError(t, ws.Delete([]byte("k")))
	v, _ = ws.Get([]byte("k"))
	require.Nil(t, v)
	_, err = s.Commit(ctx, ws, BlockInfo{Height: 2})
	require.NoError(t, err)
	v, _ = s.Get([]byte("k"))
	require.Nil(t, v)

	// a working set is good for one block of one store
	_, err = s.Commit(ctx, ws, BlockInfo{Height: 3})
	require.ErrorIs(t, err, ErrStaleWorkingSet)
	_, err = memStore(t).Commit(ctx, s.Begin(), BlockInfo{Height: 1})
	require.ErrorIs(t, err, ErrStaleWorkingSet)
}

func TestApplyBlockChecks(t *testing.T) {
	s := memStore(t)
	_, err := s.ApplyBlock(ctx, BlockInfo{Height: 2}, nil)
	require.ErrorIs(t, err, ErrBadBlock)
	_, err = s.ApplyBlock(ctx, BlockInfo{Height: 1, Epoch: 5}, nil)
	require.NoError(t, err)
	_, err = s.ApplyBlock(ctx, BlockInfo{Height: 2, Epoch: 4}, nil)
	require.ErrorIs(t, err, ErrBadBlock)
	_, err = s.ApplyBlock(ctx, BlockInfo{Height: 2, Epoch: 5}, []Write{{Key: nil}})
	require.ErrorIs(t, err, ErrEmptyKey)
	_, err = s.Get(nil)
	require.ErrorIs(t, err, ErrEmptyKey)
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = s.ApplyBlock(cctx, BlockInfo{Height: 2, Epoch: 5}, nil)
	require.ErrorIs(t, err, context.Canceled)

	// last write of a key wins; the commitment chains
	r, err := s.ApplyBlock(ctx, BlockInfo{Height: 2, Epoch: 5}, []Write{
		{Key: []byte("a"), Value: []byte("1")}, {Key: []byte("a"), Value: []byte("2")}, {Key: []byte("b"), Delete: true, Value: []byte("ignored")},
	})
	require.NoError(t, err)
	require.EqualValues(t, 2, r.Block.Writes)
	v, _ := s.Get([]byte("a"))
	require.Equal(t, []byte("2"), v)
	b1, err := s.Block(1)
	require.NoError(t, err)
	require.Equal(t, b1.Commit.Commitment, r.Block.Prev)
	require.Equal(t, r.Block.Commitment, s.Commitment())
	_, err = s.Block(3)
	require.ErrorIs(t, err, ErrNotFound)
	bad := r.Block
	bad.Writes++
	require.ErrorIs(t, bad.Verify(), ErrCommitmentMismatch)

	// the commitment of the block after an MSB names that MSB
	s.ApplyBlock(ctx, BlockInfo{Height: 3, Epoch: 5, EndOfEpoch: true}, nil)
	r, err = s.ApplyBlock(ctx, BlockInfo{Height: 4, Epoch: 6}, nil)
	require.NoError(t, err)
	sh, err := s.Header(1) // block 4 closes MSB 2, but commits to MSB 1
	require.NoError(t, err)
	require.Equal(t, sh.Header.Hash(), r.Block.MSB)
	require.EqualValues(t, 3, sh.Header.Height)
	require.NotNil(t, r.MSB)
	require.EqualValues(t, 2, r.MSB.Number)
}

func TestWriteProof(t *testing.T) {
	s := memStore(t, func(c *Config) { c.MSBInterval = -1 })
	for _, n := range []int{1, 2, 3, 7, 64, 101} {
		r := apply(t, s, genBlock(s.Height()+1, 1000, n))
		b, err := s.Block(r.Block.Height)
		require.NoError(t, err)
		for _, w := range b.Writes {
			p, err := s.ProveWrite(r.Block.Height, w.Key)
			require.NoError(t, err)
			require.NoError(t, p.Verify(r.Block))
			p.Write.Value = append(p.Write.Value, 1)
			require.ErrorIs(t, p.Verify(r.Block), ErrBadProof)
		}
		_, err = s.ProveWrite(r.Block.Height, []byte("none"))
		require.ErrorIs(t, err, ErrNotFound)
	}
	r := apply(t, s, genBlock(s.Height()+1, 1000, 9))
	p, err := s.ProveWrite(r.Block.Height, acct(0))
	if err == nil {
		p.Path = p.Path[1:]
		require.ErrorIs(t, p.Verify(r.Block), ErrBadProof)
	}
	p = WriteProof{Height: r.Block.Height + 1}
	require.ErrorIs(t, p.Verify(r.Block), ErrBadProof)
}

func TestProveErrors(t *testing.T) {
	s := memStore(t, func(c *Config) { c.KeepMSBs = 1 })
	_, err := s.Prove([]byte("k"), 0)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.LatestMSB()
	require.ErrorIs(t, err, ErrNotFound)
	for range 8 {
		apply(t, s, genBlock(s.Height()+1, 100, 30))
	}
	_, err = s.Prove(nil, 0)
	require.ErrorIs(t, err, ErrEmptyKey)
	_, err = s.Prove([]byte("k"), 1)
	require.ErrorIs(t, err, ErrPruned)
	_, err = s.Prove([]byte("k"), 3)
	require.ErrorIs(t, err, ErrNotFound)
	_, err = s.Export(ctx, 1, 10, func([]byte) error { return nil })
	require.ErrorIs(t, err, ErrPruned)
	_, err = s.Export(ctx, 0, 0, func([]byte) error { return nil })
	require.ErrorIs(t, err, ErrBadConfig)
	_, err = s.Block(8)
	require.ErrorIs(t, err, ErrPruned) // bodies up to the oldest kept MSB are gone
	apply(t, s, nil)
	_, err = s.Block(9)
	require.NoError(t, err)
	p, err := s.Prove(acct(1), 2)
	require.NoError(t, err)
	sh, _ := s.Header(2)
	require.NoError(t, p.Verify(sh.Header.StateRoot))
	p.Value = append(p.Value, 1)
	p.Exists = true
	require.ErrorIs(t, p.Verify(sh.Header.StateRoot), ErrBadProof)
}

func TestConfigValidate(t *testing.T) {
	for name, c := range map[string]Config{
		"no dir":  {Backend: BackendPebble},
		"backend": {Backend: "rocksdb", Dir: "x"},
		"keep":    {Backend: BackendMemDB, KeepMSBs: -1},
		"cache":   {Backend: BackendMemDB, TreeCacheNodes: -1},
		"default": {},
		"leveldb": {Backend: BackendGoLevelDB},
	} {
		require.ErrorIs(t, c.Validate(), ErrBadConfig, name)
		_, err := Open(ctx, c)
		require.ErrorIs(t, err, ErrBadConfig, name)
	}
	require.NoError(t, Config{Backend: BackendMemDB}.Validate())
}

func TestClosed(t *testing.T) {
	s := memStore(t)
	apply(t, s, nil)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	_, err := s.Get([]byte("k"))
	require.ErrorIs(t, err, ErrClosed)
	_, err = s.ApplyBlock(ctx, BlockInfo{Height: 2}, nil)
	require.ErrorIs(t, err, ErrClosed)
	_, err = s.Prove([]byte("k"), 0)
	require.ErrorIs(t, err, ErrClosed)
	_, err = s.Header(1)
	require.ErrorIs(t, err, ErrClosed)
	_, err = s.Block(1)
	require.ErrorIs(t, err, ErrClosed)
	require.ErrorIs(t, s.Certify(1, nil), ErrClosed)
	require.ErrorIs(t, s.Iterate(nil, nil, nil), ErrClosed)
	_, err = s.Export(ctx, 0, 1, nil)
	require.ErrorIs(t, err, ErrClosed)
	_, err = s.Import(SignedHeader{Header: Header{ChainID: "test", Shard: 1, Number: 1, Height: 1, StateRoot: make([]byte, 32)}})
	require.ErrorIs(t, err, ErrClosed)
}

// TestBackends runs the same blocks on every backend and reopens the disk
// ones: commitments, MSB roots and proofs agree.
func TestBackends(t *testing.T) {
	var want []Result
	for _, backend := range []string{BackendMemDB, BackendPebble, BackendGoLevelDB} {
		t.Run(backend, func(t *testing.T) {
			dir := t.TempDir()
			open := func() *Store {
				s, err := Open(ctx, Config{Backend: backend, Dir: dir, ChainID: "test", Shard: 1, MSBInterval: 3})
				require.NoError(t, err)
				return s
			}
			s := open()
			var got []Result
			for h := uint64(1); h <= 10; h++ {
				if h == 6 && backend != BackendMemDB {
					require.NoError(t, s.Close())
					s = open()
					require.EqualValues(t, 5, s.Height())
				}
				r, err := s.ApplyBlock(ctx, BlockInfo{Height: h}, genBlock(h, 300, 80))
				require.NoError(t, err)
				got = append(got, r)
			}
			if want == nil {
				want = got
			}
			require.Equal(t, want, got)
			sh, err := s.LatestMSB()
			require.NoError(t, err)
			require.NoError(t, s.Iterate(acct(0)[:3], nil, func(k, v []byte) bool {
				p, err := s.Prove(k, 0)
				require.NoError(t, err)
				require.NoError(t, p.Verify(sh.Header.StateRoot))
				return false
			}))
			require.NoError(t, s.Close())
		})
	}
}

// TestDiskBounded commits many MSBs on pebble and checks that the disk use
// stops growing: old MSB trees and block bodies are pruned.
func TestDiskBounded(t *testing.T) {
	defer func(m uint64) { pebbleMemTableBytes = m }(pebbleMemTableBytes)
	pebbleMemTableBytes = 1 << 20 // flush and compact within the test
	dir := t.TempDir()
	s := diskStore(t, dir, func(c *Config) { c.MSBInterval = 2 })
	defer s.Close()
	var sizes []int64
	for s.Height() < 240 {
		apply(t, s, genBlock(s.Height()+1, 2000, 400))
		if s.Height()%24 == 0 {
			sizes = append(sizes, dirSize(t, dir))
		}
	}
	sh, err := s.LatestMSB()
	require.NoError(t, err)
	require.EqualValues(t, 120, sh.Header.Number)
	trees, _ := filepath.Glob(filepath.Join(dir, "msb-*.db"))
	require.Len(t, trees, 2)
	t.Logf("disk use every 24 blocks (12 MSBs): %v", sizes)
	// The state has its full size (2,000 keys) from the first sample on.
	// After 120 MSBs the disk must use no more than after the first 36, up
	// to pebble's own slack (a memtable's WAL and levels awaiting compaction).
	first := slices.Max(sizes[:3])
	last := sizes[len(sizes)-1]
	require.Less(t, float64(last), 1.5*float64(first), "disk grew from %d to %d bytes", first, last)
	_, err = s.Block(s.Height() - 3)
	require.ErrorIs(t, err, ErrPruned)
	for n := uint64(1); n <= 120; n++ { // every header is kept
		_, err := s.Header(n)
		require.NoError(t, err)
	}
}

func dirSize(t *testing.T, dir string) int64 {
	var n int64
	require.NoError(t, filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			fi, err := d.Info()
			if err != nil {
				return err
			}
			n += fi.Size()
		}
		return nil
	}))
	return n
}

// Reads, proofs and headers go on while blocks commit and MSBs build.
func TestConcurrentReads(t *testing.T) {
	s := memStore(t, func(c *Config) { c.MSBInterval = 2 })
	apply(t, s, genBlock(1, 500, 300))
	stop := make(chan struct{})
	done := make(chan error)
	go func() {
		var err error
		for i := 0; err == nil; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			_, err = s.Get(acct(i % 500))
			if err == nil {
				_, err = s.Prove(acct(i%500), 0)
				if errors.Is(err, ErrNotFound) || errors.Is(err, ErrPruned) {
					err = nil
				}
			}
			if err == nil {
				_ = s.Height()
				_, _ = s.LatestMSB()
			}
		}
		done <- err
	}()
	for s.Height() < 20 {
		apply(t, s, genBlock(s.Height()+1, 500, 100))
	}
	close(stop)
	require.NoError(t, <-done)
}

// TestKeepBlocks keeps the latest KeepBlocks bodies even before the
// oldest kept MSB, and no more.
func TestKeepBlocks(t *testing.T) {
	s := diskStore(t, t.TempDir(), func(c *Config) { c.MSBInterval = 2; c.KeepMSBs = 1; c.KeepBlocks = 5 })
	defer s.Close()
	for s.Height() < 20 {
		apply(t, s, genBlock(s.Height()+1, 50, 10))
	}
	for h := uint64(16); h <= 20; h++ {
		_, err := s.Block(h)
		require.NoError(t, err, "block %d is among the latest 5", h)
	}
	_, err := s.Block(15)
	require.ErrorIs(t, err, ErrPruned, "block 15 precedes both the kept MSB and the kept blocks")
}
