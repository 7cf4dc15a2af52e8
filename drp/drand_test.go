package drp

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"
)

// Public drand beacons (League of Entropy mainnet and drand testnet), one
// chain per scheme, so that our Verifier is
// checked against beacons drand itself produced, not only against our own.
const (
	// quicknet, scheme bls-unchained-g1-rfc9380, chain hash 52db9ba7…
	quicknetKey = "83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a"
	// drand testnet "testnet-unchained-3s", scheme pedersen-bls-unchained,
	// chain hash 7672797f…
	testnetUnchainedKey = "8200fc249deb0148eb918d6e213980c5d01acd7fc251900d9260136da3b54836ce125172399ddc69c4e3e11429b62c11"
	// default chain, scheme pedersen-bls-chained, chain hash 8990e7a9…
	mainnetKey = "868f005eb8e6e4ca0a47c8a77ceaa5309a47978a7c71bc5cce96366b5d7a569937c529eeda66c7293784a9402801af31"
)

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestDrandPublicBeacons(t *testing.T) {
	cases := []struct {
		name   string
		scheme string
		key    string
		beacon Beacon
		rand   string // expected randomness, "" to skip
	}{
		{"quicknet-1000", SchemeUnchainedG1, quicknetKey, Beacon{Round: 1000,
			Signature: unhex(t, "b44679b9a59af2ec876b1a6b1ad52ea9b1615fc3982b19576350f93447cb1125e342b73a8dd2bacbe47e4b6b63ed5e39")}, ""},
		{"quicknet-32281667", SchemeUnchainedG1, quicknetKey, Beacon{Round: 32281667,
			Signature: unhex(t, "b0f5ae301358ff87a9d3dd539ed4a07c0148b1ab4f7b61a8ca43c7e9ca7ca9553e4faae9188deb30b2cd1a7f447e3e5b")},
			"4fd2fc55983dbfa3f446d8a0bd56f16cc8c5e76afd1ec154b60d477cbabed13b"},
		{"quicknet-32285086", SchemeUnchainedG1, quicknetKey, Beacon{Round: 32285086,
			Signature: unhex(t, "a64d99fd7fa3e48912be7209c7b69c72c88fc5224be2516949b6f29f3a4b7e3fa069dd58b2bbb4bf2c34ae61ef631a44")}, ""},
		{"testnet-unchained-19369534", SchemeUnchained, testnetUnchainedKey, Beacon{Round: 19369534,
			Signature: unhex(t, "a33833d2098f5e0c4df334fb6c5b1c2de3ab293c77825f55d816254dabf7f4f3d429b6207e1cd2a808876e06058a1f8102bb6f6927b654b391259ea99c3566a4eb55feb9665dbaf9d33af08a10b1d8d8b35d91fd3536eb4c197be0041beb5dc2")},
			"778180564f4fb9b77580af69a559ce941eb23d8d3180c48c4d290484b516c6aa"},
		{"testnet-unchained-18925798", SchemeUnchained, testnetUnchainedKey, Beacon{Round: 18925798,
			Signature: unhex(t, "adb9c7c781edc13a5a48e0887b23cc33f4164cb715967b0d11d518980c564eefe7a6a44c5d1c7d2158b20f75fc5bf35507bafd20b355abc62443c01e6343c2574435e4ef437ca07cfa946cdd2537dc76aa3b9af6c718561089462f6a2bae6189")},
			"06734eb4fd6446ad313a1b6bc2aaeb4a5e3c58ad820a96535ad3e4253a846486"},
		{"mainnet-72785", SchemeChained, mainnetKey, Beacon{Round: 72785,
			PreviousSignature: unhex(t, "a609e19a03c2fcc559e8dae14900aaefe517cb55c840f6e69bc8e4f66c8d18e8a609685d9917efbfb0c37f058c2de88f13d297c7e19e0ab24813079efe57a182554ff054c7638153f9b26a60e7111f71a0ff63d9571704905d3ca6df0b031747"),
			Signature:         unhex(t, "82f5d3d2de4db19d40a6980e8aa37842a0e55d1df06bd68bddc8d60002e8e959eb9cfa368b3c1b77d18f02a54fe047b80f0989315f83b12a74fd8679c4f12aae86eaf6ab5690b34f1fddd50ee3cc6f6cdf59e95526d5a5d82aaa84fa6f181e42")}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := NewVerifier(MustScheme(tc.scheme), unhex(t, tc.key))
			require.NoError(t, err)
			require.NoError(t, v.VerifyRound(&tc.beacon))
			if tc.rand != "" {
				require.Equal(t, tc.rand, hex.EncodeToString(tc.beacon.Randomness()))
			}
			// The same signature for the next round is a forgery.
			forged := tc.beacon
			forged.Round++
			require.ErrorIs(t, v.VerifyRound(&forged), ErrInvalidSignature)
		})
	}
}
