package microstate

import (
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
