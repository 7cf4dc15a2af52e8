package drp

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func localConfigs(s *Scheme, n int, label string) []DKGConfig {
	keys := testKeys(s, n, label)
	members := membersOf(keys)
	cfgs := make([]DKGConfig, n)
	for i := range cfgs {
		cfgs[i] = DKGConfig{Scheme: s, Longterm: keys[i].sk, Members: members, Nonce: testNonce(label), Rand: seeded(fmt.Sprintf("%s/poly/%d", label, i))}
	}
	return cfgs
}

// TestRunLocalDKG: every member ends with a share of one group, a
// threshold of partials recovers a beacon that verifies, the same seeds
// give the same group, and a bad configuration is refused with a typed
// error.
func TestRunLocalDKG(t *testing.T) {
	s := MustScheme(SchemeUnchainedG1)
	shares, err := RunLocalDKG(localConfigs(s, 4, "local"))
	require.NoError(t, err)
	require.Len(t, shares, 4)
	g := shares[0].Group()
	for _, ks := range shares {
		require.True(t, g.PublicKey().Equal(ks.Group().PublicKey()), "one group")
	}
	c := NewRoundCollector(g, 1, nil)
	var b *Beacon
	for _, ks := range shares[:g.Threshold()] {
		p, err := NewSigner(ks).SignPartial(1, nil)
		require.NoError(t, err)
		b, err = c.Add(p)
		require.NoError(t, err)
	}
	require.NotNil(t, b, "a threshold of partials recovers the round")
	require.NoError(t, g.VerifyBeacon(b))

	again, err := RunLocalDKG(localConfigs(s, 4, "local"))
	require.NoError(t, err)
	require.True(t, g.PublicKey().Equal(again[0].Group().PublicKey()), "deterministic for deterministic randomness")

	for _, tc := range []struct {
		name string
		cfgs []DKGConfig
	}{
		{"no members", nil},
		{"a key outside the members", func() []DKGConfig {
			cfgs := localConfigs(s, 4, "local")
			cfgs[2].Longterm = testKeys(s, 1, "outsider")[0].sk
			return cfgs
		}()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := RunLocalDKG(tc.cfgs)
			require.ErrorIs(t, err, ErrBadConfig)
		})
	}
}
