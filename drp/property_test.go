package drp

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"testing"

	"github.com/drand/kyber/share"
	"github.com/stretchr/testify/require"
)

// subset draws a k-subset of 0..n-1 from a seeded hash stream.
func subset(seed string, n, k int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	for i := n - 1; i > 0; i-- {
		h := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", seed, i)))
		j := int(binary.BigEndian.Uint64(h[:8]) % uint64(i+1))
		idx[i], idx[j] = idx[j], idx[i]
	}
	out := idx[:k]
	sort.Ints(out)
	return out
}

func pick(shares []*KeyShare, idx []int) []*KeyShare {
	out := make([]*KeyShare, len(idx))
	for i, j := range idx {
		out[i] = shares[j]
	}
	return out
}

// With t−1 shares the signature cannot be computed early: the collector
// does not produce it, interpolating t−1 partials gives a point that is
// not the signature, and t−1 key shares do not give the group secret.
func TestPropertyBelowThresholdCannotSign(t *testing.T) {
	s := MustScheme(SchemeUnchainedG1)
	n, thr := 7, 4
	_, shares := runFreshDKG(t, s, n, thr, "below")
	g := shares[0].Group()
	full := beaconFrom(t, shares, 5, nil)
	for trial := 0; trial < 4; trial++ {
		coalition := pick(shares, subset(fmt.Sprintf("below/%d", trial), n, thr-1))
		c := NewRoundCollector(g, 5, nil)
		var pubs []*share.PubShare
		var pris []*share.PriShare
		for _, ks := range coalition {
			p, err := NewSigner(ks).SignPartial(5, nil)
			require.NoError(t, err)
			b, err := c.Add(p)
			require.NoError(t, err)
			require.Nil(t, b)
			pt := s.SigGroup().Point()
			require.NoError(t, pt.UnmarshalBinary(p.Share[2:]))
			pubs = append(pubs, &share.PubShare{I: ks.Index(), V: pt})
			pris = append(pris, ks.PriShare())
		}
		_, err := c.Beacon()
		require.ErrorIs(t, err, ErrNotEnoughPartials)
		guess, err := share.RecoverCommit(s.SigGroup(), pubs, thr-1, n)
		require.NoError(t, err)
		raw, _ := guess.MarshalBinary()
		require.NotEqual(t, full.Signature, raw)
		require.Error(t, g.VerifyBeacon(&Beacon{Round: 5, Signature: raw}))
		sec, err := share.RecoverSecret(s.KeyGroup(), pris, thr-1, n)
		require.NoError(t, err)
		require.False(t, s.KeyGroup().Point().Mul(sec, nil).Equal(g.PublicKey()))
	}
}

// Any t members (n−t offline) complete a round, and every such subset gives
// the same signature: a coalition cannot change the output, only withhold.
func TestPropertyAnyThresholdSubsetSameBeacon(t *testing.T) {
	s := MustScheme(SchemeChained)
	n, thr := 7, 4
	_, shares := runFreshDKG(t, s, n, thr, "subsets")
	v, err := NewVerifier(s, shares[0].Group().PublicKeyBytes())
	require.NoError(t, err)
	var prev []byte
	for r := uint64(1); r <= 3; r++ {
		var want []byte
		for trial := 0; trial < 3; trial++ {
			b := beaconFrom(t, pick(shares, subset(fmt.Sprintf("sub/%d/%d", r, trial), n, thr)), r, prev)
			if want == nil {
				want = b.Signature
			}
			require.Equal(t, want, b.Signature)
		}
		b := &Beacon{Round: r, PreviousSignature: prev, Signature: want}
		require.NoError(t, v.Accept(b))
		prev = want
	}
}

func TestPropertyBadPartialIdentified(t *testing.T) {
	s := MustScheme(SchemeUnchainedG1)
	n, thr := 5, 3
	_, shares := runFreshDKG(t, s, n, thr, "badpartial")
	_, other := runFreshDKG(t, s, n, thr, "badpartial-other")
	g := shares[0].Group()
	good := func(i int, round uint64) *Partial {
		p, err := NewSigner(shares[i]).SignPartial(round, nil)
		require.NoError(t, err)
		return p
	}
	tests := []struct {
		name  string
		bad   func() *Partial
		index int
		is    error
	}{
		{"wrong round", func() *Partial { return good(1, 8) }, 1, ErrWrongRound},
		{"relabelled round", func() *Partial { p := good(1, 8); p.Round = 7; return p }, 1, ErrInvalidPartial},
		{"share of another group", func() *Partial {
			p, err := NewSigner(other[2]).SignPartial(7, nil)
			require.NoError(t, err)
			return p
		}, 2, ErrInvalidPartial},
		{"index swapped", func() *Partial { p := good(3, 7); p.Share[1] = 4; return p }, 4, ErrInvalidPartial},
		{"garbage point", func() *Partial { p := good(0, 7); p.Share[5] ^= 0xff; return p }, 0, ErrInvalidPartial},
		{"unknown index", func() *Partial { p := good(0, 7); p.Share[1] = 9; return p }, 9, ErrUnknownMember},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewRoundCollector(g, 7, nil)
			_, err := c.Add(tc.bad())
			require.ErrorIs(t, err, tc.is)
			var bp *BadPartialError
			require.ErrorAs(t, err, &bp)
			require.Equal(t, tc.index, bp.Index)
			if tc.index < n {
				require.Equal(t, []int{tc.index}, c.Bad())
			}
			// The honest members still complete the round.
			var b *Beacon
			for i := range shares {
				if i == tc.index {
					continue
				}
				b, err = c.Add(good(i, 7))
				require.NoError(t, err)
				if b != nil {
					break
				}
			}
			require.NotNil(t, b)
			require.NoError(t, g.VerifyBeacon(b))
		})
	}
}

func TestPropertyForgedAndReplayedRoundsRejected(t *testing.T) {
	for _, id := range []string{SchemeChained, SchemeUnchainedG1} {
		t.Run(id, func(t *testing.T) {
			s := MustScheme(id)
			_, shares := runFreshDKG(t, s, 4, 3, "forge/"+id)
			_, other := runFreshDKG(t, s, 4, 3, "forge-other/"+id)
			b1 := beaconFrom(t, shares, 1, nil)
			b2 := beaconFrom(t, shares, 2, b1.Signature)
			b3 := beaconFrom(t, shares, 3, b2.Signature)
			foreign := beaconFrom(t, other, 3, b2.Signature)
			v, err := NewVerifier(s, shares[0].Group().PublicKeyBytes())
			require.NoError(t, err)
			require.NoError(t, v.Accept(b1))
			require.NoError(t, v.Accept(b2))

			tests := []struct {
				name string
				b    *Beacon
				is   error
			}{
				{"replay", b2, ErrReplay},
				{"stale", b1, ErrReplay},
				{"relabelled round", &Beacon{Round: 4, PreviousSignature: b3.PreviousSignature, Signature: b3.Signature}, ErrInvalidSignature},
				{"other group", foreign, ErrInvalidSignature},
				{"garbage", &Beacon{Round: 3, PreviousSignature: b2.Signature, Signature: make([]byte, s.SignatureSize())}, ErrInvalidSignature},
				{"nil", nil, ErrInvalidSignature},
			}
			if s.Chained() {
				tests = append(tests, struct {
					name string
					b    *Beacon
					is   error
				}{"broken link", &Beacon{Round: 3, PreviousSignature: b1.Signature, Signature: b3.Signature}, ErrChain})
			}
			for _, tc := range tests {
				require.ErrorIs(t, v.Accept(tc.b), tc.is, tc.name)
			}
			require.NoError(t, v.Accept(b3))
			require.Equal(t, b3.Signature, v.Last().Signature)
		})
	}
}
