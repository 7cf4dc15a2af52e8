package txn_test

import (
	"errors"
	"testing"

	"github.com/ethereum/go-ethereum/rlp"
	"github.com/iostkit/iostkit/examples/node/internal/txn"
	"github.com/stretchr/testify/require"
)

// rawWire is the transaction layout with every field kept as raw RLP, to
// build encodings the canonical encoder never produces.
type rawWire struct {
	ChainID, Shard, Nonce, To, Amount, Fee, Sig rlp.RawValue
}

// TestTransferHasOneEncoding: the same signed transfer written with a
// non-minimal list or string length, an integer with a leading zero byte,
// a one-byte string in long form, or trailing bytes is refused, so that no
// second encoding (hence no second transaction hash) of a transfer exists.
// (TestDecodeRejectsNonCanonical skips: a signed transfer's list header is
// always in long form already.)
func TestTransferHasOneEncoding(t *testing.T) {
	u := unsigned()
	u.Nonce = 5
	tx, err := txn.Sign(u, key)
	require.NoError(t, err)
	canonical := tx.Bytes()
	var w rawWire
	require.NoError(t, rlp.DecodeBytes(canonical, &w))
	build := func(edit func(*rawWire)) []byte {
		c := w
		edit(&c)
		b, err := rlp.EncodeToBytes(&c)
		require.NoError(t, err)
		return b
	}
	back := build(func(*rawWire) {})
	require.Equal(t, canonical, back, "the raw layout re-encodes the transfer")

	require.Equal(t, byte(0xf8), canonical[0], "a signed transfer has a long-form list header")
	longer := append([]byte{0xf9, 0x00, canonical[1]}, canonical[2:]...)
	require.Equal(t, []byte{0x05}, []byte(w.Nonce))
	sigHeader := []byte(w.Sig)[:2]
	require.Equal(t, []byte{0xb8, 0x41}, sigHeader)

	for _, tc := range []struct {
		name string
		in   []byte
	}{
		{"list length in two bytes", longer},
		{"nonce with a leading zero byte", build(func(c *rawWire) { c.Nonce = []byte{0x82, 0x00, 0x05} })},
		{"nonce byte as a one-byte string", build(func(c *rawWire) { c.Nonce = []byte{0x81, 0x05} })},
		{"signature length in two bytes", build(func(c *rawWire) { c.Sig = append([]byte{0xb9, 0x00, 0x41}, w.Sig[2:]...) })},
		{"trailing byte", append(append([]byte(nil), canonical...), 0x00)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := txn.Decode(tc.in)
			require.Error(t, err)
			require.True(t, errors.Is(err, txn.ErrMalformed) || errors.Is(err, txn.ErrNonCanonical), "got %v", err)
		})
	}
	d, err := txn.Decode(canonical)
	require.NoError(t, err)
	require.Equal(t, tx.Hash(), d.Hash())
}
