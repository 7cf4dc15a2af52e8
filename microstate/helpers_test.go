package microstate

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/stretchr/testify/require"
)

var ctx = context.Background()

func memStore(t testing.TB, mod ...func(*Config)) *Store {
	t.Helper()
	cfg := Config{Backend: BackendMemDB, ChainID: "test", Shard: 1, MSBInterval: 4}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := Open(ctx, cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func diskStore(t testing.TB, dir string, mod ...func(*Config)) *Store {
	t.Helper()
	cfg := Config{Dir: dir, ChainID: "test", Shard: 1, MSBInterval: 4}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := Open(ctx, cfg)
	require.NoError(t, err)
	return s
}

// acct is the key of account i: "a/" and 20 pseudo-random bytes.
func acct(i int) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	return append([]byte("a/"), crypto.Keccak256(b[:])[:20]...)
}

// genBlock is a deterministic write set for block h over a key space of
// size keys: a few sets and, from time to time, a delete.
func genBlock(h uint64, keys, n int) []Write {
	ws := make([]Write, 0, n)
	for i := range n {
		x := crypto.Keccak256([]byte(fmt.Sprintf("%d/%d", h, i)))
		k := int(binary.BigEndian.Uint32(x) % uint32(keys))
		if x[4]%8 == 0 {
			ws = append(ws, Write{Key: acct(k), Delete: true})
		} else {
			ws = append(ws, Write{Key: acct(k), Value: []byte(fmt.Sprintf("v%d.%d", h, i))})
		}
	}
	return ws
}

func apply(t testing.TB, s *Store, ws []Write) Result {
	t.Helper()
	h := s.Height() + 1
	r, err := s.ApplyBlock(ctx, BlockInfo{Height: h, Epoch: s.Epoch()}, ws)
	require.NoError(t, err)
	return r
}

func sortKeys(keys [][]byte) {
	slices.SortFunc(keys, bytes.Compare)
}
