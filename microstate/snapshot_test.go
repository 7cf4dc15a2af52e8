package microstate

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// source returns a store at an MSB with about keys keys and its chunks.
func source(t *testing.T, chainID string, keys, chunk int) (*Store, SignedHeader, [][]byte) {
	s := memStore(t, func(c *Config) { c.ChainID = chainID })
	for s.Height() < 8 {
		apply(t, s, genBlock(s.Height()+1, keys, max(keys/2, 2)))
	}
	sh, err := s.LatestMSB()
	require.NoError(t, err)
	var chunks [][]byte
	h, err := s.Export(ctx, 0, chunk, func(c []byte) error { chunks = append(chunks, c); return nil })
	require.NoError(t, err)
	require.Equal(t, sh.Header.Hash(), h.Hash())
	return s, sh, chunks
}

func stateImage(t *testing.T, s *Store) string {
	var b bytes.Buffer
	require.NoError(t, s.Iterate(nil, nil, func(k, v []byte) bool { fmt.Fprintf(&b, "%x=%x;", k, v); return true }))
	return fmt.Sprintf("h=%d c=%x %s", s.Height(), s.Commitment(), b.String())
}

func TestSnapshotRoundTrip(t *testing.T) {
	for _, keys := range []int{1, 2, 3, 17, 300} {
		for _, chunk := range []int{1, 2, 5, 64, 1000} {
			src, sh, chunks := source(t, "test", keys, chunk)
			dst := memStore(t)
			im, err := dst.Import(sh)
			require.NoError(t, err)
			for _, c := range chunks {
				require.NoError(t, im.Add(c), "keys %d chunk %d", keys, chunk)
			}
			require.Zero(t, im.Missing())
			require.NoError(t, im.Commit())
			require.ErrorIs(t, im.Commit(), ErrImportDone)
			require.ErrorIs(t, im.Add(nil), ErrImportDone)
			require.Equal(t, stateImage(t, src), stateImage(t, dst))
			// the imported MSB is provable, and the chain goes on identically
			p, err := dst.Prove(acct(0), 0)
			require.NoError(t, err)
			require.NoError(t, p.Verify(sh.Header.StateRoot))
			for range 5 {
				ws := genBlock(src.Height()+1, keys, 3)
				r1 := apply(t, src, ws)
				r2 := apply(t, dst, ws)
				require.Equal(t, r1.Block, r2.Block)
				if r1.MSB != nil {
					require.Equal(t, r1.MSB.Hash(), r2.MSB.Hash())
				}
			}
		}
	}
}

func TestSnapshotEmptyState(t *testing.T) {
	src := memStore(t)
	for range 4 {
		apply(t, src, nil)
	}
	sh, err := src.LatestMSB()
	require.NoError(t, err)
	require.Zero(t, sh.Header.StateSize)
	n := 0
	_, err = src.Export(ctx, 0, 10, func([]byte) error { n++; return nil })
	require.NoError(t, err)
	require.Zero(t, n)
	dst := memStore(t)
	require.NoError(t, dst.ImportAll(ctx, sh, slices.Values([][]byte(nil))))
	require.Equal(t, src.Commitment(), dst.Commitment())
	p, err := dst.Prove([]byte("k"), 0)
	require.NoError(t, err)
	require.False(t, p.Exists)
}

func TestSnapshotRejects(t *testing.T) {
	_, sh, chunks := source(t, "test", 200, 16)
	require.Greater(t, len(chunks), 4)
	_, _, foreign := source(t, "other", 200, 16)
	_, _, rechunked := source(t, "test", 200, 15)

	flip := func(c []byte, mut func(*Chunk)) []byte {
		d, err := DecodeChunk(c)
		require.NoError(t, err)
		mut(&d)
		return d.Encode()
	}
	cases := map[string]struct {
		at   int // chunks accepted before the bad one
		bad  []byte
		want error
	}{
		"garbage":        {1, []byte("not a chunk"), ErrChunkDecode},
		"truncated":      {1, chunks[1][:len(chunks[1])-7], ErrChunkDecode},
		"reordered":      {1, chunks[2], ErrChunkOrder},
		"replayed":       {2, chunks[1], ErrChunkOrder},
		"foreign chain":  {1, foreign[1], ErrChunkForeign},
		"other chunking": {1, rechunked[1], ErrChunkOrder},
		"changed value": {1, flip(chunks[1], func(c *Chunk) {
			c.Values[3] = append(c.Values[3], 1)
		}), ErrChunkProof},
		"dropped leaf": {1, flip(chunks[1], func(c *Chunk) {
			c.Keys, c.Values = c.Keys[:len(c.Keys)-1], c.Values[:len(c.Values)-1]
		}), ErrChunkProof},
		"changed boundary": {1, flip(chunks[1], func(c *Chunk) {
			c.Left[0] = make([]byte, 32)
		}), ErrChunkProof},
		"missing boundary": {1, flip(chunks[1], func(c *Chunk) { c.Right = c.Right[:len(c.Right)-1] }), ErrChunkProof},
		"extra boundary":   {1, flip(chunks[1], func(c *Chunk) { c.Right = append(c.Right, make([]byte, 32)) }), ErrChunkProof},
		"shifted start":    {1, flip(chunks[1], func(c *Chunk) { c.Start++ }), ErrChunkOrder},
		"wrong number":     {1, flip(chunks[1], func(c *Chunk) { c.Number++ }), ErrChunkForeign},
		"past the end": {1, flip(chunks[1], func(c *Chunk) {
			c.Start = sh.Header.StateSize - 1
			c.Index = 1
		}), ErrChunkOrder},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// the importing store already holds state: it must stay as it was
			dst := memStore(t)
			apply(t, dst, genBlock(1, 30, 20))
			before := stateImage(t, dst)
			im, err := dst.Import(sh)
			require.NoError(t, err)
			for _, c := range chunks[:tc.at] {
				require.NoError(t, im.Add(c))
			}
			err = im.Add(tc.bad)
			require.ErrorIs(t, err, tc.want)
			var ce *ChunkError
			require.True(t, errors.As(err, &ce))
			require.EqualValues(t, tc.at, ce.Index)
			require.Contains(t, err.Error(), fmt.Sprintf("chunk %d", tc.at))
			// a truncated snapshot cannot be committed
			require.ErrorIs(t, im.Commit(), ErrSnapshotIncomplete)
			require.Equal(t, before, stateImage(t, dst))
			// the good chunk still goes in after a rejected one
			for _, c := range chunks[tc.at:] {
				require.NoError(t, im.Add(c))
			}
			im.Abort()
			require.Equal(t, before, stateImage(t, dst))
			// and nothing is left staged: a second import works
			require.NoError(t, dst.ImportAll(ctx, sh, slices.Values(chunks)))
			require.NotEqual(t, before, stateImage(t, dst))
		})
	}
}

func TestImportGuards(t *testing.T) {
	src, sh, chunks := source(t, "test", 50, 8)
	dst := memStore(t)
	im, err := dst.Import(sh)
	require.NoError(t, err)
	_, err = dst.Import(sh)
	require.ErrorIs(t, err, ErrStaleSnapshot) // one at a time
	im.Abort()
	im.Abort() // idempotent

	// not newer than the store
	_, err = src.Import(sh)
	require.ErrorIs(t, err, ErrStaleSnapshot)
	// another chain's header
	other := memStore(t, func(c *Config) { c.ChainID = "other" })
	_, err = other.Import(sh)
	require.ErrorIs(t, err, ErrChunkForeign)
	// with a verifier, the certificate is checked
	v := keyVerifier{key: []byte("k")}
	ver := memStore(t, func(c *Config) { c.Verifier = v })
	_, err = ver.Import(sh)
	require.ErrorIs(t, err, ErrBadCertificate)
	msg := sh.Header.SigningHash()
	sh.Certificate = v.sign(msg[:])
	require.NoError(t, ver.ImportAll(ctx, sh, slices.Values(chunks)))
	got, err := ver.LatestMSB()
	require.NoError(t, err)
	require.Equal(t, sh.Certificate, got.Certificate)
	// a bad header
	bad := sh
	bad.Header.StateRoot = nil
	_, err = dst.Import(bad)
	require.ErrorIs(t, err, ErrBadHeader)
	// the store moved on during the import
	im, err = dst.Import(sh)
	require.NoError(t, err)
	for _, c := range chunks {
		require.NoError(t, im.Add(c))
	}
	for dst.Height() < sh.Header.Height {
		apply(t, dst, nil)
	}
	require.ErrorIs(t, im.Commit(), ErrStaleSnapshot)
}

// TestFastSync imports the latest MSB of a chain and replays the blocks after
// it, and checks the result against the node that executed every block.
func TestFastSync(t *testing.T) {
	src := memStore(t)
	for src.Height() < 10 {
		apply(t, src, genBlock(src.Height()+1, 400, 120))
	}
	sh, err := src.LatestMSB()
	require.NoError(t, err)
	require.EqualValues(t, 8, sh.Header.Height)
	var chunks [][]byte
	_, err = src.Export(ctx, 0, 50, func(c []byte) error { chunks = append(chunks, c); return nil })
	require.NoError(t, err)

	dst := memStore(t)
	require.NoError(t, dst.ImportAll(ctx, sh, slices.Values(chunks)))
	for h := sh.Header.Height + 1; h <= src.Height(); h++ {
		b, err := src.Block(h)
		require.NoError(t, err)
		_, err = dst.Replay(ctx, b)
		require.NoError(t, err)
	}
	require.Equal(t, stateImage(t, src), stateImage(t, dst))

	// a tampered block is refused before it is committed
	apply(t, src, genBlock(11, 400, 5))
	b, err := src.Block(11)
	require.NoError(t, err)
	b.Writes[0].Value = []byte("tampered")
	_, err = dst.Replay(ctx, b)
	require.ErrorIs(t, err, ErrCommitmentMismatch)
	require.EqualValues(t, 10, dst.Height())
}
