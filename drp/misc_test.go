package drp

import (
	"errors"
	"testing"

	"github.com/drand/kyber"
	"github.com/drand/kyber/share"
	"github.com/drand/kyber/share/pvss"
	"github.com/stretchr/testify/require"
)

func TestGroupAndKeyShareErrors(t *testing.T) {
	s := MustScheme(SchemeUnchained)
	_, shares := runFreshDKG(t, s, 3, 2, "errs")
	g := shares[0].Group()
	commits := g.Commits()
	tests := []struct {
		name string
		fn   func() error
	}{
		{"nil scheme", func() error { _, err := NewGroup(nil, commits, 3); return err }},
		{"no commits", func() error { _, err := NewGroup(s, nil, 3); return err }},
		{"size below threshold", func() error { _, err := NewGroup(s, commits, 1); return err }},
		{"nil commit", func() error { _, err := NewGroup(s, []kyber.Point{commits[0], nil}, 3); return err }},
		{"identity key", func() error {
			_, err := NewGroup(s, []kyber.Point{s.KeyGroup().Point().Null(), commits[1]}, 3)
			return err
		}},
		{"nil share", func() error { _, err := NewKeyShare(g, nil); return err }},
		{"index out of range", func() error {
			_, err := NewKeyShare(g, &share.PriShare{I: 7, V: shares[0].PriShare().V})
			return err
		}},
		{"share of another index", func() error {
			_, err := NewKeyShare(g, &share.PriShare{I: 1, V: shares[0].PriShare().V})
			return err
		}},
		{"verifier nil scheme", func() error { _, err := NewVerifier(nil, g.PublicKeyBytes()); return err }},
		{"verifier identity key", func() error {
			id, _ := s.KeyGroup().Point().Null().MarshalBinary()
			_, err := NewVerifier(s, id)
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { require.ErrorIs(t, tc.fn(), ErrBadConfig) })
	}
	_, err := NewVerifier(s, []byte{1, 2, 3})
	require.ErrorIs(t, err, ErrDecode)
	require.Len(t, g.Commits(), 2)
	require.Equal(t, 3, g.Size())
}

func TestCollectorAndErrors(t *testing.T) {
	s := MustScheme(SchemeUnchainedG1)
	_, shares := runFreshDKG(t, s, 3, 2, "collector")
	c := NewRoundCollector(shares[0].Group(), 1, nil)
	_, err := c.Beacon()
	require.ErrorIs(t, err, ErrNotEnoughPartials)
	p, err := NewSigner(shares[0]).SignPartial(1, nil)
	require.NoError(t, err)
	for range 2 { // a repeated partial counts once
		b, err := c.Add(p)
		require.NoError(t, err)
		require.Nil(t, b)
	}
	require.Equal(t, 1, c.Valid())
	p2, err := NewSigner(shares[2]).SignPartial(1, nil)
	require.NoError(t, err)
	b, err := c.Add(p2)
	require.NoError(t, err)
	got, err := c.Beacon()
	require.NoError(t, err)
	require.Equal(t, b, got)
	again, err := c.Add(p) // after recovery the beacon is returned
	require.NoError(t, err)
	require.Equal(t, b, again)

	short := &Partial{Round: 1, Share: []byte{0}}
	_, err = short.Index()
	require.ErrorIs(t, err, ErrDecode)
	bp := &BadPartialError{Index: 4, Round: 9, Err: errors.New("boom")}
	require.Equal(t, "drp: invalid partial signature from member 4 for round 9: boom", bp.Error())
	require.ErrorIs(t, bp, ErrInvalidPartial)
}

func TestPhaseString(t *testing.T) {
	for p, want := range map[Phase]string{PhaseInit: "init", PhaseDeal: "deal", PhaseResponse: "response",
		PhaseJustification: "justification", PhaseDone: "done", Phase(9): "phase(9)"} {
		require.Equal(t, want, p.String())
	}
}

func TestDKGAccessorsAndRestart(t *testing.T) {
	s := MustScheme(SchemeUnchained)
	keys := testKeys(s, 3, "acc")
	nodes := newDKGNodes(t, s, keys, 2, "acc")
	require.Nil(t, nodes[0].Group())
	out, err := nodes[0].Tick() // no-op before Start
	require.NoError(t, err)
	require.Empty(t, out)
	net := &network{t: t, scheme: s, nodes: nodes}
	net.run()
	require.NotNil(t, nodes[0].Group())
	require.Equal(t, uint32(0), (&ResponseMessage{Bundle: nodes[0].resps[0]}).Sender())
	_, err = nodes[0].Start()
	require.ErrorIs(t, err, ErrBadConfig)
	out, err = nodes[0].Step(&DealMessage{Bundle: nodes[1].deals[1]}) // after Done: ignored
	require.NoError(t, err)
	require.Empty(t, out)
}

func TestPVSSWireRoundTrip(t *testing.T) {
	r := newPVSSRun(t, 4, "pvss-wire")
	raw, err := r.deals[2].MarshalBinary()
	require.NoError(t, err)
	d, err := r.p.UnmarshalDeal(raw)
	require.NoError(t, err)
	require.NoError(t, r.p.VerifyDeal(d))

	sel, chosen, err := r.members[1].Select(r.deals)
	require.NoError(t, err)
	raw, err = sel.MarshalBinary()
	require.NoError(t, err)
	sel2, err := r.p.UnmarshalSelection(raw)
	require.NoError(t, err)
	require.Equal(t, sel, sel2)

	rv, err := r.members[3].Reveal(sel2, chosen)
	require.NoError(t, err)
	raw, err = rv.MarshalBinary()
	require.NoError(t, err)
	rv2, err := r.p.UnmarshalReveal(raw)
	require.NoError(t, err)
	require.NoError(t, r.p.checkReveal(rv2, r.p.selectionHash(sel), chosen))

	for _, data := range [][]byte{{0x01}, {0xc1, 0x80}} {
		_, err := r.p.UnmarshalDeal(data)
		require.ErrorIs(t, err, ErrDecode)
		_, err = r.p.UnmarshalReveal(data)
		require.ErrorIs(t, err, ErrDecode)
		_, err = r.p.UnmarshalSelection(data)
		require.ErrorIs(t, err, ErrDecode)
		_, err = r.p.UnmarshalTranscript(data)
		require.ErrorIs(t, err, ErrDecode)
	}

	malformed := []struct {
		name string
		edit func(d *PVSSDeal)
	}{
		{"unknown dealer", func(d *PVSSDeal) { d.Dealer = 9 }},
		{"missing commitment", func(d *PVSSDeal) { d.Commits = d.Commits[1:] }},
		{"missing share", func(d *PVSSDeal) { d.Shares = d.Shares[1:] }},
		{"nil share", func(d *PVSSDeal) { d.Shares = append([]*pvssShare{nil}, d.Shares[1:]...) }},
		{"shares reordered", func(d *PVSSDeal) {
			d.Shares = append([]*pvssShare{d.Shares[1], d.Shares[0]}, d.Shares[2:]...)
		}},
	}
	for _, tc := range malformed {
		t.Run(tc.name, func(t *testing.T) {
			c := *r.deals[0]
			tc.edit(&c)
			require.ErrorIs(t, r.p.VerifyDeal(&c), ErrInvalidDeal)
		})
	}
	require.ErrorIs(t, r.p.VerifyDeal(nil), ErrInvalidDeal)
	// The reflective encoding of the default suite is refused, never used.
	g1 := DefaultPVSSSuite()
	require.ErrorIs(t, g1.Write(nil), ErrDecode)
	require.ErrorIs(t, g1.Read(nil), ErrDecode)
}

type pvssShare = pvss.PubVerShare
