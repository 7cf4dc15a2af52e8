package drp

import (
	"testing"

	"github.com/drand/kyber/share"
	"github.com/stretchr/testify/require"
)

func TestDKGAllSchemes(t *testing.T) {
	for _, id := range []string{SchemeChained, SchemeUnchained, SchemeUnchainedG1} {
		t.Run(id, func(t *testing.T) {
			s := MustScheme(id)
			n, thr := 5, 3
			_, shares := runFreshDKG(t, s, n, thr, "all/"+id)
			g := shares[0].Group()
			require.Equal(t, thr, g.Threshold())
			for _, ks := range shares {
				require.True(t, ks.Group().PublicKey().Equal(g.PublicKey()), "members disagree on the group key")
			}
			// Any t shares recover the same secret, whose public key is the group key.
			pri := make([]*share.PriShare, n)
			for i, ks := range shares {
				pri[i] = ks.PriShare()
			}
			sec, err := share.RecoverSecret(s.KeyGroup(), pri[n-thr:], thr, n)
			require.NoError(t, err)
			require.True(t, s.KeyGroup().Point().Mul(sec, nil).Equal(g.PublicKey()))
		})
	}
}

func TestDKGDeterministicWithSeed(t *testing.T) {
	s := MustScheme(SchemeUnchained)
	_, a := runFreshDKG(t, s, 4, 3, "det")
	_, b := runFreshDKG(t, s, 4, 3, "det")
	_, c := runFreshDKG(t, s, 4, 3, "det-other")
	require.Equal(t, a[0].Group().PublicKeyBytes(), b[0].Group().PublicKeyBytes())
	require.NotEqual(t, a[0].Group().PublicKeyBytes(), c[0].Group().PublicKeyBytes())
}

func TestDKGOfflineMembers(t *testing.T) {
	// n−t members never show up: the rest still finish, with a group key
	// the offline members did not contribute to, and the beacon works.
	s := MustScheme(SchemeUnchainedG1)
	n, thr := 7, 4
	keys := testKeys(s, n, "offline")
	nodes := newDKGNodes(t, s, keys, thr, "offline")
	offline := map[int]bool{1: true, 4: true, 6: true}
	net := &network{t: t, scheme: s, nodes: nodes, offline: offline}
	net.run()
	var shares []*KeyShare
	for i, d := range nodes {
		if offline[i] {
			require.False(t, d.Done())
			continue
		}
		ks, err := d.Result()
		require.NoError(t, err)
		require.NotContains(t, d.Qualified(), uint32(1))
		require.Len(t, d.Qualified(), n-len(offline))
		shares = append(shares, ks)
	}
	b := beaconFrom(t, shares, 1, nil)
	require.NoError(t, shares[0].Group().VerifyBeacon(b))
}
