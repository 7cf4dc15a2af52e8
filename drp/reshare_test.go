package drp

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// reshare moves a group from oldKeys/oldShares to newKeys; a key present in
// both lists is the same node. offline new-list positions do not take part.
func reshare(t testing.TB, s *Scheme, oldKeys []testKey, oldShares []*KeyShare, newKeys []testKey, thr int, label string, offline map[int]bool) ([]*DKG, *network) {
	oldGroup := oldShares[0].Group()
	oldMs, newMs := membersOf(oldKeys), membersOf(newKeys)
	type node struct {
		key   testKey
		share *KeyShare
	}
	// Every distinct node: old ones first (with their shares), then joiners.
	var nodes []node
	for i, k := range oldKeys {
		nodes = append(nodes, node{key: k, share: oldShares[i]})
	}
	for _, k := range newKeys {
		found := false
		for _, o := range oldKeys {
			if o.pub.Equal(k.pub) {
				found = true
			}
		}
		if !found {
			nodes = append(nodes, node{key: k})
		}
	}
	dkgs := make([]*DKG, len(nodes))
	for i, nd := range nodes {
		d, err := NewDKG(DKGConfig{
			Scheme: s, Longterm: nd.key.sk, Members: newMs, Threshold: thr,
			Nonce: testNonce(label), Rand: seeded(fmt.Sprintf("%s/%d", label, i)),
			OldMembers: oldMs, OldGroup: oldGroup, OldShare: nd.share,
		})
		require.NoError(t, err)
		dkgs[i] = d
	}
	net := &network{t: t, scheme: s, nodes: dkgs, offline: offline}
	net.run()
	return dkgs, net
}

func TestResharingKeepsGroupKey(t *testing.T) {
	for _, id := range []string{SchemeChained, SchemeUnchainedG1} {
		t.Run(id, func(t *testing.T) {
			s := MustScheme(id)
			oldKeys, oldShares := runFreshDKG(t, s, 5, 3, "reshare/"+id)
			oldGroup := oldShares[0].Group()
			v, err := NewVerifier(s, oldGroup.PublicKeyBytes())
			require.NoError(t, err)
			b1 := beaconFrom(t, oldShares, 1, nil)
			require.NoError(t, v.Accept(b1))

			// Members 3 and 4 leave; 0,1,2 stay; four newcomers join.
			joiners := testKeys(s, 4, "reshare-join/"+id)
			newKeys := append(append([]testKey{}, oldKeys[:3]...), joiners...)
			dkgs, _ := reshare(t, s, oldKeys, oldShares, newKeys, 4, "reshare-run/"+id, nil)

			var newShares []*KeyShare
			for i, d := range dkgs {
				ks, err := d.Result()
				if i == 3 || i == 4 {
					require.ErrorIs(t, err, ErrNotInGroup)
					continue
				}
				require.NoError(t, err)
				require.True(t, ks.Group().PublicKey().Equal(oldGroup.PublicKey()), "group key changed")
				require.Equal(t, 4, ks.Group().Threshold())
				newShares = append(newShares, ks)
			}
			require.Len(t, newShares, 7)
			// The old verifier accepts the new committee's beacons.
			b2 := beaconFrom(t, newShares[3:], 2, b1.Signature)
			require.NoError(t, v.Accept(b2))
			// Old shares are no longer valid for the new polynomial.
			p, err := NewSigner(oldShares[4]).SignPartial(3, nil)
			require.NoError(t, err)
			require.ErrorIs(t, newShares[0].Group().VerifyPartial(p, 3, nil), ErrInvalidPartial)
		})
	}
}

func TestResharingWithOfflineOldMember(t *testing.T) {
	s := MustScheme(SchemeUnchained)
	oldKeys, oldShares := runFreshDKG(t, s, 5, 3, "reshare-off")
	newKeys := append([]testKey{}, oldKeys...)
	// Old member 2 is offline: the other four old dealers (≥ old threshold 3)
	// suffice.
	dkgs, _ := reshare(t, s, oldKeys, oldShares, newKeys, 3, "reshare-off-run", map[int]bool{2: true})
	var shares []*KeyShare
	for i, d := range dkgs {
		if i == 2 {
			continue
		}
		ks, err := d.Result()
		require.NoError(t, err)
		require.True(t, ks.Group().PublicKey().Equal(oldShares[0].Group().PublicKey()))
		shares = append(shares, ks)
	}
	require.NoError(t, shares[0].Group().VerifyBeacon(beaconFrom(t, shares, 9, nil)))
}
