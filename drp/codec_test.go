package drp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestEncodingsRoundTrip(t *testing.T) {
	s := MustScheme(SchemeChained)
	_, shares := runFreshDKG(t, s, 3, 2, "codec")
	g := shares[0].Group()

	raw, err := g.MarshalBinary()
	require.NoError(t, err)
	g2, err := UnmarshalGroup(raw)
	require.NoError(t, err)
	require.Equal(t, g.PublicKeyBytes(), g2.PublicKeyBytes())
	require.Equal(t, g.Threshold(), g2.Threshold())
	require.Equal(t, g.Size(), g2.Size())
	require.Equal(t, s.ID(), g2.Scheme().ID())

	raw, err = shares[1].MarshalBinary()
	require.NoError(t, err)
	ks, err := UnmarshalKeyShare(raw)
	require.NoError(t, err)
	require.Equal(t, 1, ks.Index())
	require.True(t, ks.PriShare().V.Equal(shares[1].PriShare().V))

	b1 := beaconFrom(t, shares, 1, nil)
	b := beaconFrom(t, shares, 2, b1.Signature)
	raw, err = b.MarshalBinary()
	require.NoError(t, err)
	bd, err := UnmarshalBeacon(raw)
	require.NoError(t, err)
	require.Equal(t, b, bd)

	p, err := NewSigner(shares[2]).SignPartial(2, b1.Signature)
	require.NoError(t, err)
	raw, err = p.MarshalBinary()
	require.NoError(t, err)
	pd, err := UnmarshalPartial(raw)
	require.NoError(t, err)
	require.Equal(t, p, pd)
	idx, err := pd.Index()
	require.NoError(t, err)
	require.Equal(t, 2, idx)

	bad := []struct {
		name string
		fn   func() error
	}{
		{"group garbage", func() error { _, err := UnmarshalGroup([]byte{1, 2}); return err }},
		{"key share garbage", func() error { _, err := UnmarshalKeyShare([]byte{0xc0}); return err }},
		{"beacon empty sig", func() error { _, err := UnmarshalBeacon([]byte{0xc3, 0x01, 0x80, 0x80}); return err }},
		{"partial short", func() error { _, err := UnmarshalPartial([]byte{0xc3, 0x01, 0x80, 0x01}); return err }},
		{"dkg empty", func() error { _, err := UnmarshalDKGMessage(s, nil); return err }},
		{"dkg kind", func() error { _, err := UnmarshalDKGMessage(s, []byte{7, 0xc0}); return err }},
		{"dkg deal garbage", func() error { _, err := UnmarshalDKGMessage(s, []byte{kindDeal, 0x01}); return err }},
		{"dkg response garbage", func() error { _, err := UnmarshalDKGMessage(s, []byte{kindResponse, 0x01}); return err }},
		{"dkg justification garbage", func() error { _, err := UnmarshalDKGMessage(s, []byte{kindJustification, 0x01}); return err }},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) { require.ErrorIs(t, tc.fn(), ErrDecode) })
	}
}

func TestSchemes(t *testing.T) {
	tests := []struct {
		id      string
		chained bool
		keyLen  int
		sigLen  int
	}{
		{"", false, 96, 48},
		{SchemeUnchainedG1, false, 96, 48},
		{SchemeUnchained, false, 48, 96},
		{SchemeChained, true, 48, 96},
	}
	for _, tc := range tests {
		s, err := NewScheme(tc.id)
		require.NoError(t, err)
		require.Equal(t, tc.chained, s.Chained())
		require.Equal(t, tc.keyLen, s.KeyGroup().PointLen())
		require.Equal(t, tc.sigLen, s.SignatureSize())
		require.Equal(t, s.ID(), s.String())
		require.NotNil(t, s.Suite())
	}
	_, err := NewScheme("bls-unchained-on-g1")
	require.ErrorIs(t, err, ErrUnknownScheme)
	require.Panics(t, func() { MustScheme("nope") })
	// Unchained digests ignore the previous signature; chained ones bind it.
	u, c := MustScheme(SchemeUnchained), MustScheme(SchemeChained)
	require.Equal(t, u.Digest(5, nil), u.Digest(5, []byte("prev")))
	require.NotEqual(t, c.Digest(5, nil), c.Digest(5, []byte("prev")))
	require.Equal(t, u.Digest(5, nil), c.Digest(5, nil))
}
