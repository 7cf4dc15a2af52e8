package pob_test

import (
	"testing"

	"github.com/drand/kyber/sign"
	"github.com/drand/kyber/sign/bdn"
	"github.com/ethereum/go-ethereum/common"
	"github.com/iostkit/iostkit/pob"
	"github.com/stretchr/testify/require"
)

func TestQuorum(t *testing.T) {
	for _, tc := range []struct{ n, f, q int }{{0, 0, 0}, {1, 0, 1}, {3, 0, 3}, {4, 1, 3}, {5, 1, 4}, {6, 1, 5}, {7, 2, 5}, {10, 3, 7}, {100, 33, 67}} {
		require.Equal(t, tc.f, pob.Faults(tc.n), "n=%d", tc.n)
		require.Equal(t, tc.q, pob.Quorum(tc.n), "n=%d", tc.n)
		if tc.n > 0 {
			require.Greater(t, 2*tc.q-tc.n, tc.f, "two quorums intersect in an honest member")
		}
	}
}

func TestVerifyCertificate(t *testing.T) {
	ks := testKeys(7)
	block := common.HexToHash("0xb10c")
	good := certificate(ks, []int{0, 2, 3, 5, 6}, 9, block)
	cv, err := pob.NewCommitteeVerifier(pubs(ks), nil)
	require.NoError(t, err)
	require.NoError(t, pob.VerifyCertificate(pubs(ks), good))
	require.NoError(t, cv.Verify(good))
	require.Equal(t, 5, good.SignerCount())
	require.True(t, good.SignedBy(2))
	require.False(t, good.SignedBy(1))

	// The memoized aggregate equals kyber's own BDN aggregation.
	mask, err := sign.NewMask(pob.Suite(), pubs(ks), nil)
	require.NoError(t, err)
	require.NoError(t, mask.SetMask(append([]byte(nil), good.Signers...)))
	var sigs [][]byte
	for _, i := range []int{0, 2, 3, 5, 6} {
		v, err := pob.SignVote(pob.NewSigner(ks[i].sk), pob.Vote{Domain: testDomain, Type: pob.Precommit, Height: 9, Block: block})
		require.NoError(t, err)
		sigs = append(sigs, v.Sig)
	}
	agg, err := bdn.NewSchemeOnG1(pob.Suite()).AggregateSignatures(sigs, mask)
	require.NoError(t, err)
	want, err := agg.MarshalBinary()
	require.NoError(t, err)
	require.Equal(t, want, good.Signature)

	other := certificate(ks, []int{0, 1, 2, 3, 4}, 9, common.HexToHash("0x0ther"))
	for _, tc := range []struct {
		name string
		edit func(*pob.Certificate)
	}{
		{"below quorum", func(c *pob.Certificate) { *c = certificate(ks, []int{0, 1, 2, 3}, 9, block) }},
		{"bit flipped", func(c *pob.Certificate) { c.Signers = []byte{c.Signers[0] ^ 0b10} }},
		{"bit beyond committee", func(c *pob.Certificate) { c.Signers = []byte{c.Signers[0] | 0x80} }},
		{"bitmap too long", func(c *pob.Certificate) { c.Signers = append(c.Signers, 0) }},
		{"empty bitmap", func(c *pob.Certificate) { c.Signers = nil }},
		{"other block", func(c *pob.Certificate) { c.Block = common.HexToHash("0x0ther") }},
		{"other height", func(c *pob.Certificate) { c.Height++ }},
		{"other round", func(c *pob.Certificate) { c.Round++ }},
		{"other domain", func(c *pob.Certificate) { c.Domain.Shard++ }},
		{"other signature", func(c *pob.Certificate) { c.Signature = other.Signature }},
		{"garbage signature", func(c *pob.Certificate) { c.Signature = []byte{1, 2, 3} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := good
			c.Signers = append([]byte(nil), good.Signers...)
			tc.edit(&c)
			require.ErrorIs(t, pob.VerifyCertificate(pubs(ks), c), pob.ErrBadCertificate)
			require.ErrorIs(t, cv.Verify(c), pob.ErrBadCertificate)
		})
	}
	require.ErrorIs(t, pob.VerifyCertificate(nil, good), pob.ErrBadCertificate)
	require.ErrorIs(t, pob.VerifyCertificate(pubs(ks[:6]), good), pob.ErrBadCertificate)
}

func TestCertificateEncoding(t *testing.T) {
	ks := testKeys(4)
	c := certificate(ks, []int{0, 1, 3}, 2, common.HexToHash("0x01"))
	got, err := pob.DecodeCertificate(c.Encode())
	require.NoError(t, err)
	require.Equal(t, c, got)
	require.NoError(t, pob.VerifyCertificate(pubs(ks), got))
	_, err = pob.DecodeCertificate([]byte{0xc1})
	require.ErrorIs(t, err, pob.ErrDecode)
	_, err = pob.DecodeCertificate(make([]byte, pob.MaxCertificateSize+1))
	require.ErrorIs(t, err, pob.ErrDecode)
}
