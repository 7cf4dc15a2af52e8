package drp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// vrfVerifier is eds.VRFVerifier, restated here: drp must satisfy it
// without importing eds.
type vrfVerifier interface {
	VerifyVRF(publicKey, input, proof []byte) (output []byte, err error)
}

var _ vrfVerifier = (*VRF)(nil)

func TestVRF(t *testing.T) {
	v := NewVRF()
	sk, pk, err := v.KeyPair(seeded("vrf/a"))
	require.NoError(t, err)
	sk2, pk2, err := v.KeyPair(seeded("vrf/b"))
	require.NoError(t, err)
	require.Len(t, pk, 96)
	require.Equal(t, pk, v.PublicKey(sk))

	out, proof, err := v.Prove(sk, []byte("epoch 7 view 0"))
	require.NoError(t, err)
	require.Len(t, proof, 48)
	require.Len(t, out, 32)
	// Unique: proving again gives the same output.
	out2, proof2, err := v.Prove(sk, []byte("epoch 7 view 0"))
	require.NoError(t, err)
	require.Equal(t, out, out2)
	require.Equal(t, proof, proof2)

	got, err := v.VerifyVRF(pk, []byte("epoch 7 view 0"), proof)
	require.NoError(t, err)
	require.Equal(t, out, got)
	require.NoError(t, v.Verify(pk, []byte("epoch 7 view 0"), out, proof))

	other, otherProof, err := v.Prove(sk2, []byte("epoch 7 view 0"))
	require.NoError(t, err)
	require.NotEqual(t, out, other)

	ident := make([]byte, 96)
	ident[0] = 0xc0 // compressed point at infinity
	identProof := make([]byte, 48)
	identProof[0] = 0xc0
	tests := []struct {
		name          string
		pk, in, proof []byte
		is            error
	}{
		{"other input", pk, []byte("epoch 7 view 1"), proof, ErrInvalidSignature},
		{"other key", pk2, []byte("epoch 7 view 0"), proof, ErrInvalidSignature},
		{"other key's proof", pk, []byte("epoch 7 view 0"), otherProof, ErrInvalidSignature},
		{"identity key", ident, []byte("x"), identProof, ErrInvalidSignature},
		{"truncated key", pk[:50], []byte("x"), proof, ErrDecode},
		{"garbage proof", pk, []byte("x"), make([]byte, 48), ErrDecode},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := v.VerifyVRF(tc.pk, tc.in, tc.proof)
			require.ErrorIs(t, err, tc.is)
		})
	}
	require.ErrorIs(t, v.Verify(pk, []byte("epoch 7 view 0"), other, proof), ErrInvalidSignature)
	_, _, err = v.Prove(v.suite.G2().Scalar().Zero(), []byte("x"))
	require.ErrorIs(t, err, ErrBadConfig)
}

// The VRF's tag keeps its proofs apart from plain BLS signatures by the
// same key: a beacon-style signature on the same bytes is not a VRF proof.
func TestVRFDomainSeparation(t *testing.T) {
	v := NewVRF()
	sk, pk, err := v.KeyPair(seeded("vrf/dst"))
	require.NoError(t, err)
	plain := MustScheme(SchemeUnchainedG1)
	sig, err := plain.bls.Sign(sk, []byte("input"))
	require.NoError(t, err)
	_, err = v.VerifyVRF(pk, []byte("input"), sig)
	require.ErrorIs(t, err, ErrInvalidSignature)
}
