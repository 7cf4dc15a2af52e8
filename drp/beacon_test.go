package drp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// beaconFrom has every share sign round and recovers the beacon.
func beaconFrom(t testing.TB, shares []*KeyShare, round uint64, prev []byte) *Beacon {
	c := NewRoundCollector(shares[0].Group(), round, prev)
	for _, ks := range shares {
		p, err := NewSigner(ks).SignPartial(round, prev)
		require.NoError(t, err)
		b, err := c.Add(p)
		require.NoError(t, err)
		if b != nil {
			return b
		}
	}
	t.Fatalf("round %d: no beacon from %d shares", round, len(shares))
	return nil
}

func TestBeaconRounds(t *testing.T) {
	for _, id := range []string{SchemeChained, SchemeUnchained, SchemeUnchainedG1} {
		t.Run(id, func(t *testing.T) {
			s := MustScheme(id)
			_, shares := runFreshDKG(t, s, 5, 3, "beacon/"+id)
			v, err := NewVerifier(s, shares[0].Group().PublicKeyBytes())
			require.NoError(t, err)
			var prev []byte
			for r := uint64(1); r <= 3; r++ {
				// Different subsets of t members give the same signature.
				b1 := beaconFrom(t, shares[:3], r, prev)
				b2 := beaconFrom(t, shares[2:], r, prev)
				require.Equal(t, b1.Signature, b2.Signature)
				require.Len(t, b1.Signature, s.SignatureSize())
				require.NoError(t, v.Accept(b1))
				require.Len(t, b1.Randomness(), 32)
				prev = b1.Signature
			}
		})
	}
}
