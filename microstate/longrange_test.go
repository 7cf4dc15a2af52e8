package microstate

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckpointRefusesAlternativeHistory is the long-range attack on state
// sync: the keys of an old committee (here the one verifier key every
// header is certified with) sign an alternative history that forks after
// MSB 2. Every forked header carries a valid certificate, so certificates
// alone cannot tell the histories apart; a trusted checkpoint — an MSB
// header obtained out of band (weak subjectivity) — can: VerifyPath and
// VerifyLink refuse every forked header older or newer than it, and accept
// the honest ones and the common prefix.
func TestCheckpointRefusesAlternativeHistory(t *testing.T) {
	v := keyVerifier{key: []byte("old committee")}
	build := func(forkAt uint64) *Store {
		s := memStore(t, func(c *Config) { c.Verifier = v })
		for s.Height() < 24 {
			h := s.Height() + 1
			n := 10
			if forkAt > 0 && h > forkAt {
				n = 11 // other transactions from here on
			}
			apply(t, s, genBlock(h, 50, n))
		}
		last, err := s.LatestMSB()
		require.NoError(t, err)
		for n := uint64(1); n <= last.Header.Number; n++ {
			sh, err := s.Header(n)
			require.NoError(t, err)
			msg := sh.Header.SigningHash()
			require.NoError(t, s.Certify(n, v.sign(msg[:])))
		}
		return s
	}
	honest, forked := build(0), build(8)
	header := func(s *Store, n uint64) Header {
		sh, err := s.Header(n)
		require.NoError(t, err)
		require.NoError(t, VerifyHeader(v, sh), "every header of both histories is certified")
		return sh.Header
	}
	last, err := honest.LatestMSB()
	require.NoError(t, err)
	require.GreaterOrEqual(t, last.Header.Number, uint64(6))

	const checkpoint = 4
	trusted := header(honest, checkpoint)
	require.NotEqual(t, trusted.Hash(), header(forked, checkpoint).Hash(), "the histories differ at the checkpoint")
	require.Equal(t, header(honest, 2).Hash(), header(forked, 2).Hash(), "and share MSBs 1 and 2")

	// Older than the checkpoint: walk back along the back-pointers.
	for to := uint64(1); to < checkpoint; to++ {
		walk := func(s *Store) []Header {
			hs := []Header{trusted}
			for _, n := range Path(checkpoint, to) {
				hs = append(hs, header(s, n))
			}
			return hs
		}
		require.NoError(t, VerifyPath(walk(honest)), "honest MSB %d", to)
		if to <= 2 {
			require.NoError(t, VerifyPath(walk(forked)), "common MSB %d", to)
		} else {
			require.ErrorIs(t, VerifyPath(walk(forked)), ErrBadLink, "forked MSB %d", to)
		}
	}
	// Newer than the checkpoint: the next header must point at it.
	require.NoError(t, VerifyLink(header(honest, checkpoint+1), trusted))
	require.ErrorIs(t, VerifyLink(header(forked, checkpoint+1), trusted), ErrBadLink)
}
