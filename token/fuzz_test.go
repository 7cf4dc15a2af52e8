package token

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecodeAccount checks that arbitrary bytes never crash the decoder and
// that whatever decodes re-encodes to the same bytes (canonical encoding).
func FuzzDecodeAccount(f *testing.F) {
	f.Add(EncodeAccount(Account{}))
	f.Add(EncodeAccount(Account{Balance: Cap, Nonce: 3, Bonded: 5, Servi: 9,
		Unbonding: []Unbonding{{Amount: 1, Release: 2}}, Vesting: Vesting{Total: 4, Start: 1, Cliff: 2, Duration: 3}}))
	f.Add([]byte{0xc0})
	f.Add([]byte{0xff, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := DecodeAccount(b)
		if err != nil {
			require.ErrorIs(t, err, ErrCorruptRecord)
			return
		}
		require.Equal(t, b, EncodeAccount(a))
	})
}

// FuzzParseAmount checks that parsing never panics and that every accepted
// amount formats back to a string that parses to the same amount.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "1.5", "21000000000", "0.00000001", "1e9", "-3", "..", "184467440737.09551615"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseAmount(s)
		if err != nil {
			return
		}
		b, err := ParseAmount(a.String())
		require.NoError(t, err)
		require.Equal(t, a, b)
	})
}
