package drp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// fuzzGroup is a small fixed group for the fuzz targets.
func fuzzGroup(t testing.TB) ([]*KeyShare, *Group) {
	_, shares := runFreshDKG(t, MustScheme(SchemeUnchainedG1), 3, 2, "fuzz")
	return shares, shares[0].Group()
}

func FuzzUnmarshalPartial(f *testing.F) {
	shares, g := fuzzGroup(f)
	p, err := NewSigner(shares[1]).SignPartial(3, nil)
	require.NoError(f, err)
	raw, err := p.MarshalBinary()
	require.NoError(f, err)
	f.Add(raw)
	f.Add([]byte{0xc0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := UnmarshalPartial(data)
		if err != nil {
			require.ErrorIs(t, err, ErrDecode)
			return
		}
		again, err := p.MarshalBinary()
		require.NoError(t, err)
		p2, err := UnmarshalPartial(again)
		require.NoError(t, err)
		require.Equal(t, p, p2)
		// Verification of arbitrary input never panics and only accepts
		// the genuine partial.
		if err := g.VerifyPartial(p, p.Round, nil); err == nil {
			require.Equal(t, uint64(3), p.Round)
		}
		c := NewRoundCollector(g, p.Round, nil)
		_, _ = c.Add(p)
	})
}

func FuzzUnmarshalBeacon(f *testing.F) {
	shares, g := fuzzGroup(f)
	b := beaconFrom(f, shares, 4, nil)
	raw, err := b.MarshalBinary()
	require.NoError(f, err)
	f.Add(raw)
	f.Add([]byte{0xc3, 0x01, 0x80, 0x80})
	v, err := NewVerifier(g.Scheme(), g.PublicKeyBytes())
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := UnmarshalBeacon(data)
		if err != nil {
			require.ErrorIs(t, err, ErrDecode)
			return
		}
		again, err := b.MarshalBinary()
		require.NoError(t, err)
		b2, err := UnmarshalBeacon(again)
		require.NoError(t, err)
		require.Equal(t, b, b2)
		if v.VerifyRound(b) == nil {
			require.Equal(t, uint64(4), b.Round)
		}
	})
}

func FuzzUnmarshalDKGMessage(f *testing.F) {
	s := MustScheme(SchemeUnchained)
	keys := testKeys(s, 3, "fuzzdkg")
	nodes := newDKGNodes(f, s, keys, 2, "fuzzdkg")
	net := &network{t: f, scheme: s, nodes: nodes}
	var seeds [][]byte
	net.tamper = func(_ int, m DKGMessage) DKGMessage {
		b, err := m.MarshalBinary()
		require.NoError(f, err)
		seeds = append(seeds, b)
		return m
	}
	net.run()
	for _, b := range seeds {
		f.Add(b)
	}
	f.Add([]byte{9})
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := UnmarshalDKGMessage(s, data)
		if err != nil {
			require.ErrorIs(t, err, ErrDecode)
			return
		}
		again, err := m.MarshalBinary()
		require.NoError(t, err)
		m2, err := UnmarshalDKGMessage(s, again)
		require.NoError(t, err)
		require.Equal(t, m.Sender(), m2.Sender())
		// A fresh node must survive any decoded message.
		d, err := NewDKG(DKGConfig{Scheme: s, Longterm: keys[0].sk, Members: membersOf(keys), Threshold: 2, Nonce: testNonce("fuzzdkg")})
		require.NoError(t, err)
		_, err = d.Start()
		require.NoError(t, err)
		_, _ = d.Step(m)
	})
}

func FuzzUnmarshalGroup(f *testing.F) {
	shares, g := fuzzGroup(f)
	raw, err := g.MarshalBinary()
	require.NoError(f, err)
	f.Add(raw)
	ks, err := shares[0].MarshalBinary()
	require.NoError(f, err)
	f.Add(ks)
	f.Fuzz(func(t *testing.T, data []byte) {
		if g, err := UnmarshalGroup(data); err == nil {
			again, err := g.MarshalBinary()
			require.NoError(t, err)
			require.Equal(t, data, again)
		} else {
			require.ErrorIs(t, err, ErrDecode)
		}
		if k, err := UnmarshalKeyShare(data); err == nil {
			require.True(t, k.Group().PublicShare(k.Index()).Equal(k.Group().Scheme().KeyGroup().Point().Mul(k.PriShare().V, nil)))
		} else {
			require.ErrorIs(t, err, ErrDecode)
		}
	})
}

func FuzzUnmarshalPVSSTranscript(f *testing.F) {
	r := newPVSSRun(f, 4, "fuzz-pvss")
	sel, chosen, err := r.members[0].Select(r.deals)
	require.NoError(f, err)
	tr, _, _, err := r.p.Combine(sel, chosen, r.reveals(f, sel, chosen, []int{0, 1, 2}))
	require.NoError(f, err)
	raw, err := tr.MarshalBinary()
	require.NoError(f, err)
	f.Add(raw)
	d, err := r.deals[1].MarshalBinary()
	require.NoError(f, err)
	f.Add(d)
	f.Fuzz(func(t *testing.T, data []byte) {
		if tr, err := r.p.UnmarshalTranscript(data); err == nil {
			_, _ = r.p.Verify(tr)
		} else {
			require.ErrorIs(t, err, ErrDecode)
		}
		if d, err := r.p.UnmarshalDeal(data); err == nil {
			_ = r.p.VerifyDeal(d)
		} else {
			require.ErrorIs(t, err, ErrDecode)
		}
		if rv, err := r.p.UnmarshalReveal(data); err != nil {
			require.ErrorIs(t, err, ErrDecode)
		} else {
			_, err := rv.MarshalBinary()
			require.NoError(t, err)
		}
		if s, err := r.p.UnmarshalSelection(data); err != nil {
			require.ErrorIs(t, err, ErrDecode)
		} else {
			_, err := s.MarshalBinary()
			require.NoError(t, err)
		}
	})
}

// FuzzDKGSignedGarbage plays a malicious member: whatever the decoded
// message says, it carries the right session and a valid signature of its
// claimed author, so it reaches kyber's generator. No input may panic.
// Each execution runs a DKG node, so minimizing a new input is slow; use
// -fuzzminimizetime=5s.
func FuzzDKGSignedGarbage(f *testing.F) {
	s := MustScheme(SchemeUnchained)
	keys := testKeys(s, 3, "fuzzsigned")
	nodes := newDKGNodes(f, s, keys, 2, "fuzzsigned")
	net := &network{t: f, scheme: s, nodes: nodes}
	net.tamper = func(_ int, m DKGMessage) DKGMessage {
		b, err := m.MarshalBinary()
		require.NoError(f, err)
		f.Add(b, uint8(0))
		f.Add(b, uint8(1))
		return m
	}
	net.run()
	f.Fuzz(func(t *testing.T, data []byte, phase uint8) {
		m, err := UnmarshalDKGMessage(s, data)
		if err != nil {
			return
		}
		author := int(m.Sender())
		if author >= len(keys) {
			return
		}
		switch x := m.(type) {
		case *DealMessage:
			x.Bundle.SessionID = testNonce("fuzzsigned")
			x.Bundle.Signature = resign(t, s, keys[author], x.Bundle)
		case *ResponseMessage:
			x.Bundle.SessionID = testNonce("fuzzsigned")
			x.Bundle.Signature = resign(t, s, keys[author], x.Bundle)
		case *JustificationMessage:
			x.Bundle.SessionID = testNonce("fuzzsigned")
			x.Bundle.Signature = resign(t, s, keys[author], x.Bundle)
		}
		victim := (author + 1) % len(keys)
		d, err := NewDKG(DKGConfig{Scheme: s, Longterm: keys[victim].sk, Members: membersOf(keys), Threshold: 2,
			Nonce: testNonce("fuzzsigned"), PhaseTicks: 1})
		require.NoError(t, err)
		_, err = d.Start()
		require.NoError(t, err)
		for range phase % 3 {
			_, _ = d.Tick()
		}
		_, _ = d.Step(m)
		for range 3 {
			_, _ = d.Tick()
		}
	})
}

// FuzzUnmarshalKeyShare: a persisted key share decodes to a share that
// matches its group's public polynomial and re-encodes to the same bytes,
// or fails with ErrDecode. A decoded share signs partials its own group
// accepts, so a corrupted share file cannot yield a signer whose partials
// the beacon would later refuse.
func FuzzUnmarshalKeyShare(f *testing.F) {
	shares, g := fuzzGroup(f)
	for _, ks := range shares {
		raw, err := ks.MarshalBinary()
		require.NoError(f, err)
		f.Add(raw)
	}
	raw, err := g.MarshalBinary()
	require.NoError(f, err)
	f.Add(raw)
	f.Add([]byte{})
	f.Add([]byte{0xc3, 0x80, 0x80, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		ks, err := UnmarshalKeyShare(data)
		if err != nil {
			require.ErrorIs(t, err, ErrDecode)
			return
		}
		kg := ks.Group()
		require.True(t, kg.PublicShare(ks.Index()).Equal(kg.Scheme().KeyGroup().Point().Mul(ks.PriShare().V, nil)))
		again, err := ks.MarshalBinary()
		require.NoError(t, err)
		require.Equal(t, data, again, "a key share has one encoding")
		p, err := NewSigner(ks).SignPartial(5, nil)
		require.NoError(t, err)
		require.NoError(t, kg.VerifyPartial(p, 5, nil))
	})
}
